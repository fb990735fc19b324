/**
 * Child processes: `reactor.spawnProcess` against raw `child_process.spawn`, in one process.
 *
 * Workloads:
 * - spawn and collect: SPAWNS children (`/bin/echo hello`), CONCURRENCY at a time, each side
 *   collecting the child's stdout until it has ended (weft: `processEnded`; raw: `'close'`).
 *   Cost: wall time per child.
 * - pipe throughput: one child (`node -e`) writes MB megabytes to stdout; each side counts
 *   the bytes until the child has ended. Rate: MB/s.
 */
import { spawn } from 'node:child_process';

import type { Failure } from '../src/core/failure.js';
import { ProcessProtocol } from '../src/core/process-protocol.js';
import { NodeReactor } from '../src/node/reactor.js';
import { compare, nsPerOp, type Result } from './harness.js';

const SPAWNS = 200;
const CONCURRENCY = 10;
const MB = 64;
const ECHO = '/bin/echo';

const WRITER = `
const total = Number(process.argv[1]) * 1024 * 1024;
const block = Buffer.alloc(65536, 97);
let sent = 0;
function pump() {
  while (sent < total) {
    sent += block.length;
    if (!process.stdout.write(block)) return void process.stdout.once('drain', pump);
  }
}
pump();
`;

/** Collects stdout byte counts and resolves when the process has ended. */
class Counting extends ProcessProtocol {
  bytes = 0;
  readonly #done: (bytes: number) => void;
  constructor(done: (bytes: number) => void) {
    super();
    this.#done = done;
  }
  override outReceived(data: Uint8Array): void {
    this.bytes += data.length;
  }
  override processEnded(_reason: Failure): void {
    this.#done(this.bytes);
  }
}

function weftRun(reactor: NodeReactor, executable: string, args: string[]): Promise<number> {
  return new Promise((resolve) => {
    reactor.spawnProcess(new Counting(resolve), executable, args);
  });
}

function rawRun(executable: string, args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(executable, args.slice(1), { argv0: args[0], env: {} });
    let bytes = 0;
    child.stdout.on('data', (chunk: Buffer) => (bytes += chunk.length));
    child.stderr.resume();
    child.on('error', reject);
    child.on('close', () => {
      resolve(bytes);
    });
  });
}

/** Runs `total` jobs, `concurrency` at a time. */
async function pool(total: number, concurrency: number, job: () => Promise<number>): Promise<void> {
  let started = 0;
  const worker = async (): Promise<void> => {
    while (started < total) {
      started += 1;
      await job();
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** A cost sample: microseconds per child over SPAWNS children, CONCURRENCY at a time. */
function usPerChild(job: () => Promise<number>): () => Promise<number> {
  const sample = nsPerOp(SPAWNS, () => pool(SPAWNS, CONCURRENCY, job));
  return async () => (await sample()) / 1000;
}

/** A rate sample: MB per second for one child writing MB megabytes. */
function mbPerSecond(work: () => Promise<number>): () => Promise<number> {
  return async () => {
    const start = process.hrtime.bigint();
    const bytes = await work();
    if (bytes !== MB * 1024 * 1024) throw new Error(`got ${String(bytes)} bytes`);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    return MB / seconds;
  };
}

export async function run(): Promise<Result[]> {
  const reactor = new NodeReactor();
  const echoArgs = ['echo', 'hello'];
  const writerArgs = ['node', '-e', WRITER, String(MB)];
  const goal = { op: '>=', value: 0.9 } as const;
  return [
    await compare({
      name: `${String(SPAWNS)} spawns of echo, ${String(CONCURRENCY)} at a time`,
      unit: 'µs/child',
      kind: 'speed',
      rawLabel: 'child_process',
      weft: usPerChild(() => weftRun(reactor, ECHO, echoArgs)),
      raw: usPerChild(() => rawRun(ECHO, echoArgs)),
      goal,
      rounds: 5,
    }),
    await compare({
      name: `pipe throughput, child writes ${String(MB)} MB`,
      unit: 'MB/s',
      kind: 'throughput',
      rawLabel: 'child_process',
      weft: mbPerSecond(() => weftRun(reactor, process.execPath, writerArgs)),
      raw: mbPerSecond(() => rawRun(process.execPath, writerArgs)),
      goal,
      rounds: 5,
    }),
  ];
}
