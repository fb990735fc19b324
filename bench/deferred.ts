/**
 * Deferred vs native Promise: chain throughput, create-and-fire, await, and memory per pending
 * result. Goals (docs/performance.md): chains ≥ 3× Promise throughput (aim ≥ 10×); a pending
 * Deferred no bigger than a pending Promise with its resolvers.
 */
import { Deferred, succeed } from '../src/core/index.js';

import { bytesPerItem, compare, nsPerOp, type Result } from './harness.js';

/**
 * Deferreds kept alive for the whole run, as a real program always has some. Without them, the
 * full GC the harness runs before each sample finds no Deferred alive and collects the class's
 * hidden classes (maps), which deoptimises all code specialised to them: every weft sample would
 * then start in unoptimised code. Promises do not have this problem (their map is built in).
 */
export const residents: readonly Deferred[] = [new Deferred(), succeed(undefined)];

/** The step of every chain, shared by both sides so neither pays for a closure per step. */
const inc = (x: number): number => x + 1;

function check(what: string, actual: unknown, expected: unknown): void {
  if (actual !== expected) {
    throw new Error(`${what}: got ${String(actual)}, expected ${String(expected)}`);
  }
}

/** One Deferred with `steps` callbacks added, then fired: the chain runs inside `callback`. */
function deferredChain(steps: number): void {
  const d = new Deferred<number>();
  for (let i = 0; i < steps; i++) d.addCallback(inc);
  let out = -1;
  d.addCallback((value) => {
    out = value;
  });
  d.callback(0);
  check('Deferred chain', out, steps);
}

/** A pending Promise with `steps` `.then`s, resolved, then awaited. */
async function promiseChain(steps: number): Promise<void> {
  let resolve!: (value: number) => void;
  let p = new Promise<number>((r) => {
    resolve = r;
  });
  for (let i = 0; i < steps; i++) p = p.then(inc);
  resolve(0);
  check('Promise chain', await p, steps);
}

function deferredChains(chains: number, steps: number): void {
  for (let c = 0; c < chains; c++) deferredChain(steps);
}

async function promiseChains(chains: number, steps: number): Promise<void> {
  for (let c = 0; c < chains; c++) await promiseChain(steps);
}

/** `count` Deferreds, each created, given one callback, and fired. */
function deferredsFired(count: number): void {
  let total = 0;
  const add = (x: number): void => {
    total += x;
  };
  for (let i = 0; i < count; i++) {
    const d = new Deferred<number>();
    d.addCallback(add);
    d.callback(i);
  }
  check('Deferreds fired', total, (count * (count - 1)) / 2);
}

/** `count` promises, each created with its resolver, given one `.then`, resolved; all awaited. */
async function promisesResolved(count: number): Promise<void> {
  let total = 0;
  const add = (x: number): void => {
    total += x;
  };
  let last: Promise<void> = Promise.resolve();
  for (let i = 0; i < count; i++) {
    let resolve!: (value: number) => void;
    const p = new Promise<number>((r) => {
      resolve = r;
    });
    last = p.then(add);
    resolve(i);
  }
  // Reactions run in order, so once the last has run, all have.
  await last;
  check('promises resolved', total, (count * (count - 1)) / 2);
}

/** `count` sequential `await`s of an already-fired Deferred. */
async function awaitDeferreds(count: number): Promise<void> {
  let total = 0;
  for (let i = 0; i < count; i++) total += await succeed(i);
  check('await Deferred', total, (count * (count - 1)) / 2);
}

/** `count` sequential `await`s of an already-resolved Promise. */
async function awaitPromises(count: number): Promise<void> {
  let total = 0;
  for (let i = 0; i < count; i++) total += await Promise.resolve(i);
  check('await Promise', total, (count * (count - 1)) / 2);
}

/** What `Promise.withResolvers()` returns (not in Node 20), built the usual way. */
function promiseWithResolvers(): {
  promise: Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (reason: unknown) => void;
} {
  let resolve!: (value: unknown) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<unknown>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export async function run(): Promise<Result[]> {
  const LONG = 1_000_000;
  const CHAINS = 1000;
  const STEPS = 1000;
  const ITEMS = 100_000;
  const chainGoal = { op: '>=', value: 3, note: 'aim ≥ 10×' } as const;
  return [
    await compare({
      name: 'chain: 1 × 1e6 steps',
      unit: 'ns/step',
      kind: 'speed',
      rawLabel: 'Promise',
      weft: nsPerOp(LONG, () => {
        deferredChain(LONG);
      }),
      raw: nsPerOp(LONG, () => promiseChain(LONG)),
      goal: chainGoal,
    }),
    await compare({
      name: 'chain: 1000 × 1000 steps',
      unit: 'ns/step',
      kind: 'speed',
      rawLabel: 'Promise',
      weft: nsPerOp(CHAINS * STEPS, () => {
        deferredChains(CHAINS, STEPS);
      }),
      raw: nsPerOp(CHAINS * STEPS, () => promiseChains(CHAINS, STEPS)),
      goal: chainGoal,
    }),
    await compare({
      name: '1e5 created + fired, 1 callback each',
      unit: 'ns/item',
      kind: 'speed',
      rawLabel: 'Promise',
      weft: nsPerOp(ITEMS, () => {
        deferredsFired(ITEMS);
      }),
      raw: nsPerOp(ITEMS, () => promisesResolved(ITEMS)),
    }),
    await compare({
      name: '1e5 sequential awaits of a fired result',
      unit: 'ns/await',
      kind: 'speed',
      rawLabel: 'Promise',
      weft: nsPerOp(ITEMS, () => awaitDeferreds(ITEMS)),
      raw: nsPerOp(ITEMS, () => awaitPromises(ITEMS)),
    }),
    await compare({
      name: 'memory per pending result (1e5 kept)',
      unit: 'B',
      kind: 'size',
      rawLabel: 'Promise+resolvers',
      weft: bytesPerItem(ITEMS, () => new Deferred()),
      raw: bytesPerItem(ITEMS, promiseWithResolvers),
      goal: { op: '<=', value: 1 },
      rounds: 5,
      warmup: 1,
    }),
  ];
}
