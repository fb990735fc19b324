// WorkerPool's maxIdle: real worker threads, timed on a Clock (the IdleReaper it shares with
// ProcessPool is tested on its own in process-pool-idle.test.ts). The functions come from a
// data: URL module, so nothing needs compiling.
import { afterEach, describe, expect, it } from 'vitest';

import { WorkerPool, type WorkerPoolOptions } from '../../src/node/worker-pool.js';
import { Clock } from '../../src/testing/clock.js';
import { MemoryReactorClock } from '../../src/testing/memory-reactor.js';

const work = 'data:text/javascript,export function add(a, b) { return a + b; }';

const pools: WorkerPool[] = [];

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.stop().asPromise()));
});

function pool(options: WorkerPoolOptions): WorkerPool {
  const p = new WorkerPool(options);
  pools.push(p);
  return p;
}

/** Runs `count` calls at once (so as many workers start, up to max) and waits for all. */
async function calls(p: WorkerPool, count: number): Promise<void> {
  const all = Array.from({ length: count }, (_, i) => p.deferToWorker<number>(work, 'add', i, 1));
  expect(await Promise.all(all.map((d) => d.asPromise()))).toEqual(
    Array.from({ length: count }, (_, i) => i + 1),
  );
}

describe('WorkerPool maxIdle', () => {
  it('terminates a worker idle for maxIdle seconds on the clock, never going below min', async () => {
    const clock = new Clock();
    const p = pool({ min: 1, max: 3, maxIdle: 10, clock });
    await calls(p, 3);
    expect(p.workers).toBe(3);
    clock.advance(9.9);
    expect(p.workers).toBe(3);
    clock.advance(0.1);
    expect(p.workers).toBe(1);
    clock.advance(100);
    expect(p.workers).toBe(1);
    await calls(p, 1); // the one kept still works
  });

  it('times a worker again from its last call: one that took a call is not reaped early', async () => {
    const clock = new Clock();
    const p = pool({ min: 0, max: 1, maxIdle: 10, clock });
    await calls(p, 1);
    clock.advance(5);
    await calls(p, 1);
    clock.advance(6); // 11 s after it first went idle, 6 s after the second call
    expect(p.workers).toBe(1);
    clock.advance(4);
    expect(p.workers).toBe(0);
    await calls(p, 1); // a new worker starts on demand
    expect(p.workers).toBe(1);
  });

  it('lets workers that expired while min kept them go once min is lowered (adjustPoolsize)', async () => {
    const clock = new Clock();
    const p = pool({ min: 2, max: 2, maxIdle: 10, clock });
    await calls(p, 2);
    clock.advance(20);
    expect(p.workers).toBe(2);
    p.adjustPoolsize(0, 2);
    expect(p.workers).toBe(0);
  });

  it('cancels every idle timer when the pool stops, and keeps idle workers without maxIdle', async () => {
    const clock = new Clock();
    const p = pool({ max: 2, maxIdle: 10, clock });
    await calls(p, 2);
    expect(clock.getDelayedCalls()).toHaveLength(2);
    await p.stop().asPromise();
    expect(clock.getDelayedCalls()).toEqual([]);

    const keeps = pool({ max: 1, clock });
    await calls(keeps, 1);
    clock.advance(3600);
    expect(keeps.workers).toBe(1);
    expect(clock.getDelayedCalls()).toEqual([]);
  });

  it('refuses a maxIdle that is not a positive number with RangeError', () => {
    expect(() => new WorkerPool({ maxIdle: 0 })).toThrow(RangeError);
    expect(() => new WorkerPool({ maxIdle: Number.NaN })).toThrow(RangeError);
  });

  it('times on the reactor given when no clock is, if it has a clock (a MemoryReactorClock)', async () => {
    const reactor = new MemoryReactorClock();
    const p = pool({ max: 1, maxIdle: 1, reactor });
    await calls(p, 1);
    reactor.advance(1);
    expect(p.workers).toBe(0);
  });
});
