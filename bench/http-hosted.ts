/**
 * A hello-world `node:http` server listening natively vs the same kind of server hosted on a
 * weft TCP port (`NodeServerFactory` from `weft/adapters/node`), both driven by wrk
 * (`wrk -t1 -c50 -d<N>s --latency`) in one run, alternately (ABBA), in short slices. Prints
 * requests per second and latency percentiles of each side and the median of the per-round
 * ratios hosted / native (goal ≥ 0.85×, aim 0.95×).
 *
 * Short slices (1 s by default) and many rounds (15) because on a loaded machine the load moves
 * within seconds: a round's two slices then see about the same machine, and the median of the
 * per-round ratios discards the rounds where it changed in between. A second row gives the same
 * rounds as requests per CPU-second of this process (both servers live in it): the CPU cost per
 * request, which the load of other processes disturbs far less than wall-clock throughput.
 *
 * The hosted server parses requests straight from each weft connection's TCP handle
 * (`NodeServerFactory`'s `nativeRead`, the default); `NATIVE_READ=0` measures it reading through
 * the `WeftSocket` instead.
 *
 *   npm run bench -- http-hosted [--rounds=N]      (WRK_SECONDS=3 sets each slice's length)
 *
 * wrk is /usr/bin/wrk; when it is missing this installs it with apt-get (needs root).
 *
 * On a machine with two or more cores and `taskset` (util-linux), this process (both servers, all
 * its threads) is pinned to core 0 and wrk to core 1, so that the load generator never competes
 * with the server for a core and the scheduler does not move them around (`PIN=0` turns that
 * off; child processes inherit the affinity, so pinning the whole run from outside would put wrk
 * on the server's core).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';

import { NodeServerFactory } from '../adapters/node/index.js';
import type { IPv4Address, IPv6Address } from '../src/core/address.js';
import { NodeReactor } from '../src/node/reactor.js';
import { compare, median, type Result } from './harness.js';

const WRK = '/usr/bin/wrk';
const TASKSET = '/usr/bin/taskset';

/** wrk's command line: through `taskset -c 1` once {@link pin} has pinned this process. */
let wrkCommand: readonly string[] = [WRK];

/**
 * Pins this process (every thread) to core 0 and makes wrk run on core 1, where the machine has
 * the cores and `taskset`; returns how the run is placed, for the report.
 */
function pin(): string {
  if (process.env.PIN === '0') return 'not pinned (PIN=0)';
  if (availableParallelism() < 2 || !existsSync(TASKSET))
    return 'not pinned (one core or no taskset)';
  const r = spawnSync(TASKSET, ['-a', '-cp', '0', String(process.pid)], { encoding: 'utf8' });
  if (r.status !== 0) return `not pinned (taskset failed: ${r.stderr.trim()})`;
  wrkCommand = [TASKSET, '-c', '1', WRK];
  return 'servers pinned to core 0, wrk to core 1';
}

function ensureWrk(): void {
  if (existsSync(WRK)) return;
  console.log('  wrk is missing: installing it with apt-get');
  spawnSync('apt-get', ['install', '-y', 'wrk'], { stdio: 'inherit' });
  if (!existsSync(WRK)) throw new Error('wrk is not installed and apt-get could not install it');
}

function hello(): Server {
  return createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '12' });
    res.end('hello world\n');
  });
}

interface WrkRun {
  /** Requests per second. */
  readonly rps: number;
  /** Requests completed. */
  readonly requests: number;
  /** The latency percentiles wrk printed. */
  readonly latency: string;
}

/** One wrk run against `port`. */
function wrk(port: number, seconds: number): Promise<WrkRun> {
  return new Promise((resolve, reject) => {
    // Asynchronous, so this process (where both servers live) keeps serving while wrk runs.
    import('node:child_process')
      .then(({ execFile }) => {
        const [command = WRK, ...prefix] = wrkCommand;
        execFile(
          command,
          [
            ...prefix,
            '-t1',
            '-c50',
            `-d${String(seconds)}s`,
            '--latency',
            `http://127.0.0.1:${String(port)}/`,
          ],
          (err, stdout) => {
            if (err !== null) {
              reject(err);
              return;
            }
            const rps = /Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1];
            const requests = Number(/(\d+) requests in/.exec(stdout)?.[1] ?? NaN);
            const pct = ['50%', '90%', '99%'].map((p) => {
              const m = new RegExp(`\\s${p}\\s+([\\d.]+\\w+)`).exec(stdout);
              return `p${p.slice(0, -1)} ${m?.[1] ?? '?'}`;
            });
            if (rps === undefined) reject(new Error(`unexpected wrk output:\n${stdout}`));
            else resolve({ rps: Number(rps), requests, latency: pct.join(', ') });
          },
        );
      })
      .catch(reject);
  });
}

/**
 * Runs `slice` against `port` and measures this process's CPU time meanwhile (both servers live
 * here, and wrk runs in its own process): requests per CPU-second, which a loaded machine
 * disturbs much less than requests per wall-clock second, since time spent waiting for a core
 * is not counted.
 */
async function measured(
  port: number,
  seconds: number,
): Promise<WrkRun & { readonly perCpuSecond: number }> {
  const before = process.cpuUsage();
  const r = await wrk(port, seconds);
  const used = process.cpuUsage(before);
  const cpuSeconds = (used.user + used.system) / 1e6;
  return { ...r, perCpuSecond: r.requests / cpuSeconds };
}

export async function run(): Promise<Result[]> {
  ensureWrk();
  console.log(`  ${pin()}`);
  const seconds = Number(process.env.WRK_SECONDS ?? '1');
  const native = hello();
  await new Promise<void>((resolve) => native.listen(0, '127.0.0.1', resolve));
  const nativePort = (native.address() as AddressInfo).port;

  const reactor = new NodeReactor();
  const nativeRead = process.env.NATIVE_READ !== '0';
  const factory = new NodeServerFactory(hello(), { reactor, nativeRead });
  console.log(`  hosted with nativeRead: ${String(nativeRead)}`);
  const port = await reactor.listenTCP(0, factory, { interface: '127.0.0.1' });
  const { port: hostedPort } = port.getHost() as IPv4Address | IPv6Address;

  // Requests per CPU-second of each slice, in call order (the first of each is the warm-up).
  const cpuHosted: number[] = [];
  const cpuNative: number[] = [];
  try {
    const result = await compare({
      name: 'http hello world, wrk -t1 -c50',
      unit: 'req/s',
      kind: 'throughput',
      rawLabel: 'native node:http',
      rounds: 15,
      warmup: 1,
      // Servers under steady load: a forced full GC before each slice would start each one from a
      // small young generation (see Comparison.collectGarbage).
      collectGarbage: false,
      goal: { op: '>=', value: 0.85, note: 'aim 0.95×' },
      weft: async () => {
        const r = await measured(hostedPort, seconds);
        cpuHosted.push(r.perCpuSecond);
        console.log(
          `    hosted on weft: ${r.rps.toFixed(0)} req/s, ${r.latency}; ` +
            `${r.perCpuSecond.toFixed(0)} req per CPU-second`,
        );
        return r.rps;
      },
      raw: async () => {
        const r = await measured(nativePort, seconds);
        cpuNative.push(r.perCpuSecond);
        console.log(
          `    native:         ${r.rps.toFixed(0)} req/s, ${r.latency}; ` +
            `${r.perCpuSecond.toFixed(0)} req per CPU-second`,
        );
        return r.rps;
      },
    });
    // The same rounds, seen as CPU cost: the ratio of each round's two slices, then the median.
    const hosted = cpuHosted.slice(1);
    const nativeRates = cpuNative.slice(1);
    const ratios = hosted.map((h, i) => h / (nativeRates[i] ?? NaN));
    const ratio = median(ratios);
    const goal = { op: '>=', value: 0.85, note: 'aim 0.95×' } as const;
    const cpu: Result = {
      name: 'http hello world, requests per CPU-second',
      unit: 'req/CPU-s',
      kind: 'throughput',
      weft: median(hosted),
      raw: median(nativeRates),
      ratio,
      ratios,
      goal,
      met: ratio >= goal.value,
    };
    console.log(
      `  ${cpu.name}: weft ${cpu.weft.toFixed(0)}, native ${cpu.raw.toFixed(0)}, ` +
        `ratio ${ratio.toFixed(2)}× (median of ${String(ratios.length)} rounds, range ` +
        `${Math.min(...ratios).toFixed(2)}×–${Math.max(...ratios).toFixed(2)}×)`,
    );
    return [result, cpu];
  } finally {
    native.close();
    native.closeAllConnections();
    await port.stopListening();
    await factory.close({ timeout: 1 });
  }
}
