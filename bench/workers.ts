/**
 * Worker threads: `WorkerPool.deferToWorker` against calling the same function inline, in one
 * process. This module is also what the workers import (for `add` and `fib`).
 *
 * Workloads (the pool has as many workers as CPUs, started before measuring):
 * - 2000 tiny calls (`add`), all submitted at once: the pool's per-call cost (a structured-clone
 *   round trip between threads, plus the Deferred), against a plain function call;
 * - 32 CPU-bound calls (`fib(24)`, a few ms each) submitted at once: what running them on every
 *   core buys over running them one after another on the reactor thread.
 * Costs are wall time per call; the ratio is inline cost / pool cost (> 1: the pool is faster).
 */
import { availableParallelism } from 'node:os';

import { WorkerPool } from '../src/node/worker-pool.js';
import { compare, nsPerOp, type Result } from './harness.js';

/** Adds two numbers: a call with nothing to do, to measure the pool's own cost. */
export function add(a: number, b: number): number {
  return a + b;
}

/** The n-th Fibonacci number, the slow way: CPU work. */
export function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

const TINY = 2000;
const HEAVY = 32;
const FIB_N = 24;

async function viaPool(pool: WorkerPool, count: number, name: string, ...args: number[]) {
  const calls: Promise<unknown>[] = [];
  for (let i = 0; i < count; i++) {
    calls.push(pool.deferToWorker(new URL(import.meta.url), name, ...args).asPromise());
  }
  await Promise.all(calls);
}

function inline(count: number, fn: (...a: number[]) => number, ...args: number[]): number {
  let sink = 0;
  for (let i = 0; i < count; i++) sink += fn(...args);
  return sink;
}

export async function run(): Promise<Result[]> {
  const workers = availableParallelism();
  const pool = new WorkerPool({ min: workers, max: workers });
  try {
    await viaPool(pool, workers * 4, 'add', 1, 2); // start every worker and load the module
    return [
      await compare({
        name: `${String(TINY)} tiny calls (add)`,
        unit: 'ns/call',
        kind: 'speed',
        rawLabel: 'inline',
        weft: nsPerOp(TINY, () => viaPool(pool, TINY, 'add', 1, 2)),
        raw: nsPerOp(TINY, () => inline(TINY, add, 1, 2)),
      }),
      await compare({
        name: `${String(HEAVY)} CPU-bound calls (fib(${String(FIB_N)})), ${String(workers)} workers`,
        unit: 'ns/call',
        kind: 'speed',
        rawLabel: 'inline',
        weft: nsPerOp(HEAVY, () => viaPool(pool, HEAVY, 'fib', FIB_N)),
        raw: nsPerOp(HEAVY, () => inline(HEAVY, fib, FIB_N)),
        rounds: 5,
      }),
    ];
  } finally {
    await pool.stop();
  }
}
