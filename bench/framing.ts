/**
 * Framing: `LineReceiver` and `LineOnlyReceiver` against `node:readline`, and
 * `Int32StringReceiver` against a hand-written Node length-prefix splitter.
 *
 * Lines: 100 MiB of 64-byte lines (62 bytes + CRLF) cut into 64 KiB chunks. The weft side feeds
 * the chunks to a fresh receiver's `dataReceived` (over a `StringTransport`); readline reads a
 * fresh `Readable.from(chunks)` through a fresh `createInterface`, consumed both ways users
 * consume it, `rl.on('line')` and `for await (const line of rl)`, and the faster of the two (by
 * median) is the baseline. Both count lines and their length.
 *
 * What each side delivers differs, and the rows say so: readline hands out decoded strings;
 * `LineReceiver` hands out bytes (views of the chunk, not decoded). The goal of issue 6
 * (LineReceiver ≥ 1.5× readline's lines/s, aim 2×) is stated on that row; the row
 * "LineReceiver + TextDecoder" decodes every line to a string too, the like-for-like comparison.
 *
 * Int32 strings: 100 MiB of 256-byte strings with 4-byte big-endian prefixes, 64 KiB chunks; the
 * raw side is the usual Node idiom (`Buffer.concat` of the leftover, `readUInt32BE`, `subarray`).
 *
 * Every row runs in a child process of its own (bench/framing-row.ts), interleaving its sides
 * round by round; the ratio is the median of the per-round ratios of wall-clock rates. The CPU
 * time of the same runs is reported too: on a machine shared with other work, it is the steadier
 * of the two.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import type { Row, RowReport, Timing } from './framing-row.js';
import { formatRatio, median, roundsOr, summarize, type Result, type Summary } from './harness.js';

const ROUNDS = 5;
const WARMUP = 1;

/** Runs `row` in a child process and returns what it measured. */
function runRow(row: Row, rounds: number): Promise<RowReport> {
  const script = fileURLToPath(new URL('./framing-row.js', import.meta.url));
  return new Promise((resolve, reject) => {
    const child = fork(script, [row, String(rounds), String(WARMUP)], {
      execArgv: ['--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let report: RowReport | undefined;
    child.on('message', (message) => {
      report = message as RowReport;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (report !== undefined && code === 0) resolve(report);
      else reject(new Error(`framing row ${row} exited with ${String(signal ?? code)}`));
    });
  });
}

function rates(items: number, timings: readonly Timing[], of: 'wall' | 'cpu'): number[] {
  return timings.map((t) => items / t[of]);
}

function millions(rate: number): string {
  return `${(rate / 1e6).toFixed(2)}M`;
}

/** A line row: the weft side against the faster readline consumer. */
async function lineRow(row: Row, summary: Summary, rounds: number): Promise<Result> {
  const { items, sides } = await runRow(row, rounds);
  const weft = sides.weft!;
  const on = sides['readline-on']!;
  const forAwait = sides['readline-for-await']!;
  const onFaster = median(rates(items, on, 'wall')) >= median(rates(items, forAwait, 'wall'));
  const baseline = onFaster ? on : forAwait;
  const cpuWeft = rates(items, weft, 'cpu');
  const cpuBase = rates(items, baseline, 'cpu');
  const cpuRatio = median(cpuWeft.map((w, i) => w / cpuBase[i]!));
  const detail =
    `readline: rl.on('line') ${millions(median(rates(items, on, 'wall')))}, ` +
    `for await ${millions(median(rates(items, forAwait, 'wall')))} lines/s ` +
    `(baseline: ${onFaster ? "rl.on('line')" : 'for await'}); per CPU second: ` +
    `weft ${millions(median(cpuWeft))}, readline ${millions(median(cpuBase))}, ` +
    `ratio ${formatRatio(cpuRatio)}`;
  return summarize(
    summary,
    rates(items, weft, 'wall'),
    rates(items, baseline, 'wall'),
    rounds,
    detail,
  );
}

async function int32Row(summary: Summary, rounds: number): Promise<Result> {
  const { items, sides } = await runRow('int32', rounds);
  const megabytes = (items * (4 + 256)) / 1e6;
  const perCpu = (t: readonly Timing[]): number[] => t.map((x) => megabytes / x.cpu);
  const cpuRatio = median(perCpu(sides.weft!).map((w, i) => w / perCpu(sides.raw!)[i]!));
  return summarize(
    summary,
    sides.weft!.map((t) => megabytes / t.wall),
    sides.raw!.map((t) => megabytes / t.wall),
    rounds,
    `per CPU second: ratio ${formatRatio(cpuRatio)}`,
  );
}

export async function run(): Promise<Result[]> {
  const rounds = roundsOr(ROUNDS);
  const lineGoal = { op: '>=', value: 1.5, note: 'aim ≥ 2×' } as const;
  const line = { unit: 'lines/s', kind: 'throughput', rawLabel: 'readline (strings)' } as const;
  return [
    await lineRow(
      'line-receiver',
      { ...line, name: 'LineReceiver (bytes), 100 MiB of 64 B lines', goal: lineGoal },
      rounds,
    ),
    await lineRow(
      'line-receiver-text',
      { ...line, name: 'LineReceiver + TextDecoder (strings), same lines' },
      rounds,
    ),
    await lineRow(
      'line-only-receiver',
      { ...line, name: 'LineOnlyReceiver (bytes), same lines', goal: lineGoal },
      rounds,
    ),
    await int32Row(
      {
        name: 'Int32StringReceiver, 100 MiB of 256 B strings',
        unit: 'MB/s',
        kind: 'throughput',
        rawLabel: 'Buffer splitter',
      },
      rounds,
    ),
  ];
}
