/**
 * The shared benchmark harness: weft and the raw alternative measured side by side in one
 * process, in interleaved rounds, compared by the median of the per-round ratios.
 *
 * A benchmark module (bench/<name>.ts) exports `run()`, which calls {@link compare} once
 * per workload and returns the results; bench/run.ts prints them and the summary table.
 */
import os from 'node:os';

/** What a benchmark module exports: `run` measures its workloads and returns the results. */
export interface BenchmarkModule {
  run(): Promise<Result[]>;
}

/**
 * One side of a comparison: does the workload once and returns its cost (ns per operation,
 * bytes per item, ...; lower is better), or, for a `throughput` comparison, its rate (messages
 * per second, MB/s, ...; higher is better). Build a cost with {@link nsPerOp} or
 * {@link bytesPerItem}.
 */
export type Sample = () => number | Promise<number>;

/** A goal for the ratio, as the issue states it. */
export interface Goal {
  /** `>=`: the ratio must reach `value`; `<=`: it must not exceed it. */
  readonly op: '>=' | '<=';
  readonly value: number;
  /** Shown after the bound, e.g. "aim ≥ 10×". */
  readonly note?: string;
}

/**
 * How the ratio is formed:
 * - `speed`: raw cost / weft cost, i.e. weft throughput / raw throughput (> 1: weft faster);
 * - `size`: weft cost / raw cost, i.e. weft bytes / raw bytes (< 1: weft smaller);
 * - `throughput`: the samples return rates, not costs; weft rate / raw rate (> 1: weft faster).
 * Each goal in docs/performance.md is stated in the same direction.
 */
export type RatioKind = 'speed' | 'size' | 'throughput';

export interface Comparison {
  readonly name: string;
  /** Unit of the costs the samples return, e.g. "ns/step". */
  readonly unit: string;
  readonly kind: RatioKind;
  /** Label of the raw side in the per-workload line, e.g. "Promise". */
  readonly rawLabel: string;
  readonly weft: Sample;
  readonly raw: Sample;
  readonly goal?: Goal;
  /** Measured rounds (default 9; `--rounds=N` overrides). */
  readonly rounds?: number;
  /** Unrecorded runs of each side before measuring (default 2). */
  readonly warmup?: number;
  /**
   * Run a full garbage collection before each sample (default true), so that one side's garbage
   * is not collected in the other's time. Turn it off for samples of a server under steady load:
   * after a forced full collection V8 starts again from a small young generation, and the next
   * second of an allocation-heavy workload is spent growing it back (a hello-world HTTP server
   * then serves well under half its steady rate), which says nothing of a long-running server.
   */
  readonly collectGarbage?: boolean;
}

export interface Result {
  readonly name: string;
  readonly unit: string;
  readonly kind: RatioKind;
  /** Median cost (rate, for `throughput`) of the weft side over the rounds. */
  readonly weft: number;
  /** Median cost (rate, for `throughput`) of the raw side over the rounds. */
  readonly raw: number;
  /** Median of the per-round ratios (see {@link RatioKind}). */
  readonly ratio: number;
  /** The per-round ratios, in round order. */
  readonly ratios: readonly number[];
  readonly goal: Goal | undefined;
  /** Whether the median ratio meets the goal; undefined without a goal. */
  readonly met: boolean | undefined;
}

/** Runs a full garbage collection; needs `node --expose-gc` (the bench script passes it). */
export function collectGarbage(): void {
  const gc = globalThis.gc;
  if (gc === undefined) throw new Error('benchmarks need node --expose-gc (npm run bench sets it)');
  gc();
}

/** The median of `values` (mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of nothing');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * A sample that times `work` (awaited if it returns a promise) and divides the wall time by
 * `ops`: nanoseconds per operation.
 */
export function nsPerOp(ops: number, work: () => unknown): Sample {
  return async () => {
    const start = process.hrtime.bigint();
    const pending = work();
    if (pending instanceof Promise) await pending;
    return Number(process.hrtime.bigint() - start) / ops;
  };
}

/**
 * A sample that keeps `count` results of `make()` alive in an array and returns the growth of
 * the heap (after full GCs) per item. The array is filled with `null` first and measured before,
 * so its own slots are not counted.
 */
export function bytesPerItem(count: number, make: () => unknown): Sample {
  return () => {
    const keep: unknown[] = [];
    for (let i = 0; i < count; i++) keep.push(null);
    collectGarbage();
    collectGarbage();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < count; i++) keep[i] = make();
    collectGarbage();
    collectGarbage();
    const after = process.memoryUsage().heapUsed;
    // Use `keep` after the measurement so that it is certainly alive during it.
    if (keep.length !== count || keep[count - 1] === null) throw new Error('lost items');
    return (after - before) / count;
  };
}

function ratioOf(kind: RatioKind, weft: number, raw: number): number {
  return kind === 'speed' ? raw / weft : weft / raw;
}

function ratioMeaning(kind: RatioKind): string {
  return kind === 'size' ? 'weft size / raw' : 'weft speed / raw';
}

function meets(goal: Goal, ratio: number): boolean {
  return goal.op === '>=' ? ratio >= goal.value : ratio <= goal.value;
}

let defaultRounds: number | undefined;

/** Sets the round count used by {@link compare} when `--rounds=N` was given. */
export function setRoundsOverride(rounds: number | undefined): void {
  defaultRounds = rounds;
}

/** The round count a benchmark measuring on its own should use: `--rounds=N`, else `fallback`. */
export function roundsOr(fallback: number): number {
  return defaultRounds ?? fallback;
}

/**
 * Measures both sides: `warmup` unrecorded runs each, then `rounds` rounds of one weft and one
 * raw run. The side that goes first alternates from round to round (weft, raw, raw, weft, ...)
 * so that neither always runs in the other's wake; a full GC precedes every run. The result is
 * the median of each side's costs and the median of the per-round ratios.
 */
export async function compare(c: Comparison): Promise<Result> {
  const rounds = defaultRounds ?? c.rounds ?? 9;
  const warmup = c.warmup ?? 2;
  const collect = c.collectGarbage === false ? (): void => undefined : collectGarbage;
  for (let i = 0; i < warmup; i++) {
    collect();
    await c.weft();
    collect();
    await c.raw();
  }
  const weftCosts: number[] = [];
  const rawCosts: number[] = [];
  for (let round = 0; round < rounds; round++) {
    let weft: number;
    let raw: number;
    if (round % 2 === 0) {
      collect();
      weft = await c.weft();
      collect();
      raw = await c.raw();
    } else {
      collect();
      raw = await c.raw();
      collect();
      weft = await c.weft();
    }
    weftCosts.push(weft);
    rawCosts.push(raw);
  }
  return summarize(c, weftCosts, rawCosts, rounds);
}

/** What {@link summarize} needs of a comparison: all of it but the samples. */
export type Summary = Omit<Comparison, 'weft' | 'raw' | 'rounds' | 'warmup'>;

/**
 * The result of rounds measured elsewhere (e.g. in a child process): `weft[i]` and `raw[i]` are
 * round i's costs (rates, for `throughput`). Prints the per-workload line as {@link compare}
 * does, with `detail` after it when given.
 */
export function summarize(
  c: Summary,
  weftCosts: readonly number[],
  rawCosts: readonly number[],
  rounds: number = weftCosts.length,
  detail?: string,
): Result {
  const ratios = weftCosts.map((weft, i) => ratioOf(c.kind, weft, rawCosts[i] as number));
  const ratio = median(ratios);
  const result: Result = {
    name: c.name,
    unit: c.unit,
    kind: c.kind,
    weft: median(weftCosts),
    raw: median(rawCosts),
    ratio,
    ratios,
    goal: c.goal,
    met: c.goal === undefined ? undefined : meets(c.goal, ratio),
  };
  const spread = `${formatRatio(Math.min(...ratios))}–${formatRatio(Math.max(...ratios))}`;
  console.log(
    `  ${c.name}: weft ${formatCost(result.weft, c.unit)}, ${c.rawLabel} ` +
      `${formatCost(result.raw, c.unit)}, ratio ${formatRatio(ratio)} ` +
      `(${ratioMeaning(c.kind)}; ` +
      `${String(rounds)} rounds, range ${spread})`,
  );
  if (detail !== undefined) console.log(`    ${detail}`);
  return result;
}

function formatNumber(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 100) return value.toFixed(0);
  if (abs >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

export function formatCost(value: number, unit: string): string {
  return `${formatNumber(value)} ${unit}`;
}

export function formatRatio(ratio: number): string {
  return `${formatNumber(ratio)}×`;
}

function formatGoal(goal: Goal | undefined): string {
  if (goal === undefined) return '—';
  const bound = `${goal.op === '>=' ? '≥' : '≤'} ${formatRatio(goal.value)}`;
  return goal.note === undefined ? bound : `${bound} (${goal.note})`;
}

/** A one-line description of this machine and run, printed above the results. */
export function environment(): string {
  const cpus = os.cpus();
  const model = cpus[0]?.model.trim() ?? 'unknown CPU';
  return `Node ${process.version}, ${os.platform()} ${os.arch()}, ${String(cpus.length)} × ${model}`;
}

/** The summary table, as Markdown (it pastes straight into docs/performance.md). */
export function summaryTable(results: readonly Result[]): string {
  const rows = [
    ['workload', 'weft', 'raw', 'ratio', 'goal', 'met?'],
    ...results.map((r) => [
      r.name,
      formatCost(r.weft, r.unit),
      formatCost(r.raw, r.unit),
      formatRatio(r.ratio),
      formatGoal(r.goal),
      r.met === undefined ? '—' : r.met ? 'yes' : 'NO',
    ]),
  ];
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((row) => row[col]!.length)));
  const line = (row: string[]): string =>
    `| ${row.map((cell, col) => cell.padEnd(widths[col]!)).join(' | ')} |`;
  const [header, ...body] = rows;
  return [line(header!), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}
