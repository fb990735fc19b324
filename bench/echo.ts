/**
 * TCP echo: weft's TCP transport against raw `node:net`, each serving the same echo protocol in
 * its own child process, driven by a C load generator (bench/loadgen.c) in a third process.
 *
 * Three workloads, each a {@link compare} of the two servers in rounds, every round starting
 * fresh server processes:
 * - ping-pong: 50 connections to each server, each sending a 64-byte message and waiting for its
 *   whole echo before sending the next: messages per second;
 * - bulk: one connection to each server streaming 1 GiB, written and read back concurrently:
 *   MB/s (MB = 10^6 bytes);
 * - idle memory: the server's RSS growth (after full GCs) over 5,000 open, idle connections,
 *   each of which has echoed one byte: bytes per connection (servers run with a 1 MiB young
 *   generation here; see {@link IDLE_NODE_ARGS}).
 *
 * For ping-pong and bulk, a round starts both servers and one load generator, which gives them
 * the same work in short alternating slices (weft, raw, raw, weft, ... : 8 × 0.25 s of ping-pong,
 * 16 × 64 MiB of bulk, each after a warm-up), so that a burst of other work on a shared machine
 * hits both sides of the round alike and cancels out of the round's ratio. The harness still
 * sees one weft and one raw sample per round: the first of the two to be asked runs the round.
 * Idle memory runs one server at a time.
 *
 * The load generator checks every echoed byte. The server runs pinned to CPU 0 and the load
 * generator to CPU 1 (`taskset`), both under `ulimit -n 20000`. The load generator is compiled
 * with `cc -O2` into .build/bench/loadgen on first use (and again whenever loadgen.c is newer).
 *
 * `ECHO_SERVER_NODE_ARGS` adds Node options to both servers' command lines, e.g.
 * `ECHO_SERVER_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof'` for a CPU profile of each run.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

import { compare, formatCost, formatRatio, median, type Result, type Sample } from './harness.js';

const HERE = path.dirname(fileURLToPath(import.meta.url)); // .build/bench
const ROOT = path.resolve(HERE, '..', '..');
const LOADGEN_SOURCE = path.join(ROOT, 'bench', 'loadgen.c');
const LOADGEN = path.join(HERE, 'loadgen');

const HOST = '127.0.0.1';
const PING_CONNECTIONS = 50;
const PING_SIZE = 64;
const PING_WARMUP_S = 0.5;
const PING_SLICE_S = 0.25;
const PING_SLICES = 8;
const BULK_WARMUP_BYTES = 64 * 1024 ** 2;
const BULK_SLICE_BYTES = 64 * 1024 ** 2;
const BULK_SLICES = 16;
const BULK_CHUNK = 64 * 1024;
const IDLE_CONNECTIONS = 5000;
/** Connections opened and closed before the idle measurement, so one-off setup is not counted. */
const IDLE_WARMUP_CONNECTIONS = 200;
const WANTED_FD_LIMIT = 20_000;
/** File descriptors a process needs besides its connections. */
const FD_MARGIN = 100;

/** Extra Node options for the servers (see the module comment). */
const SERVER_NODE_ARGS = (process.env.ECHO_SERVER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);

type ServerKind = 'weft' | 'raw';

/** How to run the child processes on this machine, worked out once by {@link setUp}. */
interface Setup {
  /** `taskset -c <core>` prefixes, or empty arrays when pinning is not possible. */
  readonly serverPin: readonly string[];
  readonly loadgenPin: readonly string[];
  readonly fdLimit: number;
  readonly idleConnections: number;
}

const children = new Set<ChildProcessWithoutNullStreams>();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/** The lines a child prints, read one at a time with a deadline. */
class Lines {
  readonly #queue: string[] = [];
  #waiter: ((line: string | null) => void) | null = null;
  #closed = false;

  constructor(input: NodeJS.ReadableStream) {
    const lines = createInterface({ input, terminal: false });
    lines.on('line', (line) => {
      const waiter = this.#waiter;
      if (waiter === null) {
        this.#queue.push(line);
      } else {
        this.#waiter = null;
        waiter(line);
      }
    });
    lines.on('close', () => {
      this.#closed = true;
      const waiter = this.#waiter;
      this.#waiter = null;
      waiter?.(null);
    });
  }

  /** The next line; rejects if none comes within `timeoutMs` or the stream ends. */
  next(timeoutMs: number, what: string): Promise<string> {
    const queued = this.#queue.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.#closed) return Promise.reject(new Error(`${what}: the process closed its output`));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiter = null;
        reject(new Error(`${what}: nothing within ${String(timeoutMs)} ms`));
      }, timeoutMs);
      this.#waiter = (line) => {
        clearTimeout(timer);
        if (line === null) reject(new Error(`${what}: the process closed its output`));
        else resolve(line);
      };
    });
  }
}

/** A child process run as `bash -c 'ulimit -n N && exec [taskset -c C] argv...'`. */
class Child {
  readonly process: ChildProcessWithoutNullStreams;
  readonly lines: Lines;
  readonly exited: Promise<number | null>;
  #stderr = '';

  constructor(argv: readonly string[], pin: readonly string[], fdLimit: number) {
    const script = `ulimit -n ${String(fdLimit)} && exec "$@"`;
    this.process = spawn('bash', ['-c', script, 'bash', ...pin, ...argv], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    children.add(this.process);
    this.lines = new Lines(this.process.stdout);
    this.process.stderr.setEncoding('utf8');
    this.process.stderr.on('data', (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-4000);
    });
    this.exited = new Promise((resolve) => {
      this.process.on('exit', (code) => {
        children.delete(this.process);
        resolve(code);
      });
    });
  }

  /** What the child printed on stderr (its last 4,000 characters). */
  get stderr(): string {
    return this.#stderr.trim();
  }

  send(line: string): void {
    if (this.process.stdin.writable) this.process.stdin.write(`${line}\n`);
  }

  /** Waits up to `timeoutMs` for the exit, then kills the process; resolves to its exit code. */
  async finish(timeoutMs: number): Promise<number | null> {
    const timer = setTimeout(() => this.process.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** An error carrying `message` and what the child printed on stderr. */
  failure(message: string): Error {
    const stderr = this.stderr;
    return new Error(stderr === '' ? message : `${message}\n${stderr}`);
  }
}

interface Memory {
  readonly rss: number;
  readonly heap: number;
  readonly external: number;
}

/** An echo server process (bench/echo-server-<kind>.ts). */
class Server {
  readonly kind: ServerKind;
  readonly port: number;
  readonly #child: Child;

  private constructor(kind: ServerKind, port: number, child: Child) {
    this.kind = kind;
    this.port = port;
    this.#child = child;
  }

  static async start(
    kind: ServerKind,
    setup: Setup,
    nodeArgs: readonly string[] = [],
  ): Promise<Server> {
    const script = path.join(HERE, `echo-server-${kind}.js`);
    const child = new Child(
      [process.execPath, '--expose-gc', ...nodeArgs, ...SERVER_NODE_ARGS, script],
      setup.serverPin,
      setup.fdLimit,
    );
    let line: string;
    try {
      line = await child.lines.next(15_000, `the ${kind} echo server starting`);
    } catch (error) {
      child.process.kill('SIGKILL');
      throw child.failure(`the ${kind} echo server did not start: ${String(error)}`);
    }
    const m = /^port (\d+)$/.exec(line);
    if (m === null) {
      child.process.kill('SIGKILL');
      throw child.failure(`the ${kind} echo server printed ${JSON.stringify(line)}, not its port`);
    }
    return new Server(kind, Number(m[1]), child);
  }

  /** The server's memory after two full GCs. */
  async memory(): Promise<Memory> {
    this.#child.send('rss');
    const line = await this.#child.lines.next(15_000, `the ${this.kind} server's memory`);
    const m = /^rss (\d+) heap (\d+) external (\d+)$/.exec(line);
    if (m === null) throw this.#child.failure(`unexpected answer to rss: ${JSON.stringify(line)}`);
    return { rss: Number(m[1]), heap: Number(m[2]), external: Number(m[3]) };
  }

  /** CPU time (user + system, µs) the server has used so far. */
  async cpu(): Promise<number> {
    this.#child.send('cpu');
    const line = await this.#child.lines.next(15_000, `the ${this.kind} server's CPU time`);
    const m = /^cpu (\d+)$/.exec(line);
    if (m === null) throw this.#child.failure(`unexpected answer to cpu: ${JSON.stringify(line)}`);
    return Number(m[1]);
  }

  async stop(): Promise<void> {
    this.#child.send('quit');
    this.#child.process.stdin.end();
    await this.#child.finish(5000);
  }
}

/** Runs the load generator to completion and returns what it printed; throws unless it exits 0. */
async function loadgen(setup: Setup, args: readonly (string | number)[]): Promise<string> {
  const child = new Child([LOADGEN, ...args.map(String)], setup.loadgenPin, setup.fdLimit);
  child.process.stdin.end();
  const out: string[] = [];
  for (;;) {
    let line: string;
    try {
      line = await child.lines.next(10 * 60_000, 'the load generator');
    } catch {
      break; // output closed: the process is exiting
    }
    out.push(line);
  }
  const code = await child.finish(10_000);
  if (code !== 0) {
    throw child.failure(`loadgen ${args.join(' ')} failed (exit ${String(code)})`);
  }
  return out.join('\n');
}

/** The number after `key=` in the load generator's output. */
function field(output: string, key: string): number {
  const m = new RegExp(`\\b${key}=([0-9.]+)`).exec(output);
  if (m === null) throw new Error(`no ${key}= in load generator output: ${output}`);
  return Number(m[1]);
}

/**
 * Figures recorded besides the ones the samples return, in round order (no warm-up rounds are
 * run, so entry i of each side belongs to round i; see {@link pairedResult}).
 */
const extra = {
  /** Server CPU time per echoed message in ping-pong, µs. */
  pingCpu: { weft: [] as number[], raw: [] as number[] },
  /** Server CPU time per MB in bulk, µs. */
  bulkCpu: { weft: [] as number[], raw: [] as number[] },
  /** Growth of the JS heap + external memory per idle connection, bytes. */
  idleJs: { weft: [] as number[], raw: [] as number[] },
};

async function withServer<T>(
  kind: ServerKind,
  setup: Setup,
  work: (server: Server) => Promise<T>,
  nodeArgs: readonly string[] = [],
): Promise<T> {
  const server = await Server.start(kind, setup, nodeArgs);
  try {
    return await work(server);
  } finally {
    await server.stop();
  }
}

/** Figures of both sides from one round. */
type Pair = Record<ServerKind, number>;

function otherSide(kind: ServerKind): ServerKind {
  return kind === 'weft' ? 'raw' : 'weft';
}

/**
 * The two samples of a workload measured in rounds that run both sides together: the side the
 * harness asks first runs a round (and goes first in it), the other gets its figure from it.
 */
function pairedSamples(runRound: (first: ServerKind) => Promise<Pair>): {
  weft: Sample;
  raw: Sample;
} {
  let kept: { kind: ServerKind; value: number } | null = null;
  const take = async (kind: ServerKind): Promise<number> => {
    if (kept !== null && kept.kind === kind) {
      const { value } = kept;
      kept = null;
      return value;
    }
    const pair = await runRound(kind);
    kept = { kind: otherSide(kind), value: pair[otherSide(kind)] };
    return pair[kind];
  };
  return { weft: () => take('weft'), raw: () => take('raw') };
}

/** Starts both servers (`first` first), runs `work` with them in that order, stops them. */
async function withServers<T>(
  setup: Setup,
  first: ServerKind,
  work: (servers: readonly Server[]) => Promise<T>,
): Promise<T> {
  return withServer(first, setup, (a) => withServer(otherSide(first), setup, (b) => work([a, b])));
}

/** The load generator's line about `port`. */
function lineFor(output: string, port: number): string {
  const line = output.split('\n').find((l) => l.includes(` port=${String(port)} `));
  if (line === undefined) throw new Error(`no figures for port ${String(port)} in: ${output}`);
  return line;
}

/** The servers' CPU time (µs) so far, by side. */
async function cpuTimes(servers: readonly Server[]): Promise<Pair> {
  const times: Partial<Pair> = {};
  for (const server of servers) times[server.kind] = await server.cpu();
  return times as Pair;
}

/** One ping-pong round: messages per second of each side. */
function pingRound(setup: Setup, first: ServerKind): Promise<Pair> {
  return withServers(setup, first, async (servers) => {
    const ports = servers.map((s) => s.port).join(',');
    const timeout = Math.ceil(2 * (PING_WARMUP_S + PING_SLICE_S * PING_SLICES) + 30);
    const cpuBefore = await cpuTimes(servers);
    const out = await loadgen(setup, [
      'ping',
      HOST,
      ports,
      PING_CONNECTIONS,
      PING_SIZE,
      PING_WARMUP_S,
      PING_SLICE_S,
      PING_SLICES,
      timeout,
    ]);
    const cpuAfter = await cpuTimes(servers);
    const rates: Partial<Pair> = {};
    for (const server of servers) {
      const line = lineFor(out, server.port);
      rates[server.kind] = field(line, 'msgs_per_s');
      // Every message echoed, warm-up included, against all the CPU time the server used.
      const cpu = cpuAfter[server.kind] - cpuBefore[server.kind];
      extra.pingCpu[server.kind].push(cpu / field(line, 'total_msgs'));
    }
    return rates as Pair;
  });
}

/** One bulk round: MB/s of each side. */
function bulkRound(setup: Setup, first: ServerKind): Promise<Pair> {
  return withServers(setup, first, async (servers) => {
    const ports = servers.map((s) => s.port).join(',');
    const cpuBefore = await cpuTimes(servers);
    const out = await loadgen(setup, [
      'bulk',
      HOST,
      ports,
      BULK_WARMUP_BYTES,
      BULK_SLICE_BYTES,
      BULK_SLICES,
      BULK_CHUNK,
      300,
    ]);
    const cpuAfter = await cpuTimes(servers);
    const rates: Partial<Pair> = {};
    for (const server of servers) {
      const line = lineFor(out, server.port);
      rates[server.kind] = field(line, 'mb_per_s');
      // All the bytes echoed, warm-up included, against all the CPU time the server used.
      const cpu = cpuAfter[server.kind] - cpuBefore[server.kind];
      extra.bulkCpu[server.kind].push(cpu / (field(line, 'verified_bytes') / 1e6));
    }
    return rates as Pair;
  });
}

/** Opens `count` idle connections to `server`, calls `during`, then closes them. */
async function idleConnections<T>(
  setup: Setup,
  server: Server,
  count: number,
  during: () => Promise<T>,
): Promise<T> {
  const args = ['idle', HOST, String(server.port), String(count), '120'];
  const child = new Child([LOADGEN, ...args], setup.loadgenPin, setup.fdLimit);
  try {
    let ready: string;
    try {
      ready = await child.lines.next(60_000, 'the idle connections');
    } catch (error) {
      throw child.failure(`loadgen ${args.join(' ')}: ${String(error)}`);
    }
    if (!ready.startsWith('ready ')) throw child.failure(`loadgen idle printed ${ready}`);
    const result = await during();
    child.send('close');
    const code = await child.finish(30_000);
    if (code !== 0) throw child.failure(`loadgen ${args.join(' ')} failed (exit ${String(code)})`);
    return result;
  } finally {
    child.process.kill('SIGKILL');
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Node options of the servers in the idle-memory runs: a young generation capped at 1 MiB. Left
 * to itself, V8 grows it (up to 3 × 16 MiB) while the connections are set up, by an amount that
 * varies from run to run by several KB per connection at 5,000 connections, and would swamp the
 * per-connection figure. Capped, that growth is at most a few hundred bytes per connection.
 */
const IDLE_NODE_ARGS = ['--max-semi-space-size=1'];

/** Idle memory: the server's RSS growth per idle connection. */
function idleMemory(kind: ServerKind, setup: Setup): Promise<number> {
  return withServer(
    kind,
    setup,
    async (server) => {
      await idleConnections(setup, server, IDLE_WARMUP_CONNECTIONS, () => Promise.resolve());
      await sleep(300); // let the server see the warm-up connections close
      const before = await server.memory();
      const after = await idleConnections(setup, server, setup.idleConnections, () =>
        server.memory(),
      );
      const n = setup.idleConnections;
      extra.idleJs[kind].push((after.heap + after.external - before.heap - before.external) / n);
      return (after.rss - before.rss) / n;
    },
    IDLE_NODE_ARGS,
  );
}

/**
 * A result (without a goal) from a secondary figure both sides recorded in every round: medians
 * of each side and of the per-round ratios, as {@link compare} forms them.
 */
function pairedResult(
  name: string,
  unit: string,
  kind: 'speed' | 'size',
  values: { readonly weft: readonly number[]; readonly raw: readonly number[] },
): Result {
  const ratios = values.weft.map((weft, i) => {
    const raw = values.raw[i]!;
    return kind === 'speed' ? raw / weft : weft / raw;
  });
  const result: Result = {
    name,
    unit,
    kind,
    weft: median(values.weft),
    raw: median(values.raw),
    ratio: median(ratios),
    ratios,
    goal: undefined,
    met: undefined,
  };
  console.log(
    `  ${name}: weft ${formatCost(result.weft, unit)}, net ${formatCost(result.raw, unit)}, ` +
      `ratio ${formatRatio(result.ratio)} (${kind === 'speed' ? 'raw / weft' : 'weft / raw'}; ` +
      `range ${formatRatio(Math.min(...ratios))}–${formatRatio(Math.max(...ratios))})`,
  );
  return result;
}

function fail(message: string): never {
  console.error(`echo benchmark: ${message}`);
  process.exit(1);
}

/** Compiles the load generator if it is missing or older than its source. */
function buildLoadgen(): void {
  if (existsSync(LOADGEN) && statSync(LOADGEN).mtimeMs >= statSync(LOADGEN_SOURCE).mtimeMs) return;
  mkdirSync(HERE, { recursive: true });
  const cc = process.env.CC ?? 'cc';
  const result = spawnSync(cc, ['-O2', '-Wall', '-o', LOADGEN, LOADGEN_SOURCE], {
    encoding: 'utf8',
  });
  if (result.error !== undefined) {
    fail(
      `cannot compile the load generator bench/loadgen.c: no C compiler (${cc}: ` +
        `${result.error.message}). Install one (e.g. apt-get install gcc) or set CC.`,
    );
  }
  if (result.status !== 0) {
    fail(`compiling bench/loadgen.c failed:\n${result.stderr}${result.stdout}`);
  }
  console.log(`  (compiled bench/loadgen.c into ${path.relative(ROOT, LOADGEN)})`);
}

function setUp(): Setup {
  if (process.platform !== 'linux') fail('the load generator uses epoll: Linux only');
  buildLoadgen();

  const probe = spawnSync('taskset', ['-c', '1', 'true']);
  const canPin = probe.error === undefined && probe.status === 0 && os.availableParallelism() >= 2;
  if (!canPin) {
    console.log('  note: no taskset or fewer than 2 CPUs: server and load generator not pinned');
  }

  const hard = spawnSync('bash', ['-c', 'ulimit -Hn'], { encoding: 'utf8' });
  if (hard.error !== undefined || hard.status !== 0) fail('cannot run bash to read ulimit -Hn');
  const hardText = hard.stdout.trim();
  const hardLimit = hardText === 'unlimited' ? Infinity : Number(hardText);
  const fdLimit = Math.min(WANTED_FD_LIMIT, hardLimit);
  const idle = Math.min(IDLE_CONNECTIONS, fdLimit - FD_MARGIN);
  if (idle < 1000) fail(`the open-file hard limit (ulimit -Hn) is ${hardText}: too low`);
  if (idle < IDLE_CONNECTIONS) {
    console.log(
      `  note: open-file hard limit ${hardText}: idle memory measured with ` +
        `${String(idle)} connections instead of ${String(IDLE_CONNECTIONS)}`,
    );
  }
  const setup: Setup = {
    serverPin: canPin ? ['taskset', '-c', '0'] : [],
    loadgenPin: canPin ? ['taskset', '-c', '1'] : [],
    fdLimit,
    idleConnections: idle,
  };
  console.log(
    `  servers: child processes${canPin ? ' on CPU 0' : ''}, started afresh each round; ` +
      `load generator bench/loadgen.c${canPin ? ' on CPU 1' : ''}; ulimit -n ${String(fdLimit)}`,
  );
  return setup;
}

export async function run(): Promise<Result[]> {
  const setup = setUp();
  const results: Result[] = [];
  results.push(
    await compare({
      name: `ping-pong, ${String(PING_CONNECTIONS)} conns × ${String(PING_SIZE)} B`,
      unit: 'msgs/s',
      kind: 'throughput',
      rawLabel: 'net',
      ...pairedSamples((first) => pingRound(setup, first)),
      goal: { op: '>=', value: 0.9, note: 'aim ≥ 1.15×' },
      rounds: 9,
      warmup: 0,
    }),
  );
  results.push(
    await compare({
      name: 'bulk, 1 conn × 1 GiB',
      unit: 'MB/s',
      kind: 'throughput',
      rawLabel: 'net',
      ...pairedSamples((first) => bulkRound(setup, first)),
      goal: { op: '>=', value: 0.95, note: 'aim ≥ 1.6×' },
      rounds: 7,
      warmup: 0,
    }),
  );
  const idleName = `idle memory, ${setup.idleConnections.toLocaleString('en-US')} conns (RSS)`;
  results.push(
    await compare({
      name: idleName,
      unit: 'B/conn',
      kind: 'size',
      rawLabel: 'net',
      weft: () => idleMemory('weft', setup),
      raw: () => idleMemory('raw', setup),
      goal: { op: '<=', value: 1.2, note: 'aim ≤ 1.0×' },
      rounds: 5,
      warmup: 0,
    }),
  );
  results.push(
    pairedResult('ping-pong: server CPU per msg', 'µs/msg', 'speed', extra.pingCpu),
    pairedResult('bulk: server CPU per MB', 'µs/MB', 'speed', extra.bulkCpu),
    pairedResult('idle memory: JS heap + external', 'B/conn', 'size', extra.idleJs),
  );
  return results;
}
