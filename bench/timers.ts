/**
 * Timers: `reactor.callLater` against `setTimeout`, in one process.
 *
 * Workloads (each side schedules COUNT calls with spread-out delays of 0-4 ms and waits for
 * them all to fire):
 * - schedule and fire 1e5 calls;
 * - schedule 1e5 calls, cancel 90% before any fires, fire the rest.
 * Costs are wall time per scheduled call, so they include the host loop's own overhead.
 */
import { NodeReactor } from '../src/node/reactor.js';
import { compare, nsPerOp, type Goal, type Result } from './harness.js';

const COUNT = 100_000;
const SPREAD_MS = 4;

function delayMs(i: number): number {
  return (i % (SPREAD_MS * 10)) / 10; // 0.0, 0.1, ... 3.9 ms
}

function callLaterAll(reactor: NodeReactor, count: number, cancelEvery: number): Promise<void> {
  return new Promise((resolve) => {
    let expected = 0;
    let fired = 0;
    const calls = new Array<{ cancel(): void } | undefined>(count);
    const onFire = (): void => {
      fired += 1;
      if (fired === expected) resolve();
    };
    for (let i = 0; i < count; i++) {
      calls[i] = reactor.callLater(delayMs(i) / 1000, onFire);
    }
    expected = count;
    if (cancelEvery > 0) {
      for (let i = 0; i < count; i++) {
        if (i % 10 < cancelEvery) {
          calls[i]?.cancel();
          expected -= 1;
        }
      }
    }
    if (expected === 0) resolve();
  });
}

function setTimeoutAll(count: number, cancelEvery: number): Promise<void> {
  return new Promise((resolve) => {
    let expected = 0;
    let fired = 0;
    const timers = new Array<NodeJS.Timeout | undefined>(count);
    const onFire = (): void => {
      fired += 1;
      if (fired === expected) resolve();
    };
    for (let i = 0; i < count; i++) timers[i] = setTimeout(onFire, delayMs(i));
    expected = count;
    if (cancelEvery > 0) {
      for (let i = 0; i < count; i++) {
        if (i % 10 < cancelEvery) {
          clearTimeout(timers[i]);
          expected -= 1;
        }
      }
    }
    if (expected === 0) resolve();
  });
}

export async function run(): Promise<Result[]> {
  const reactor = new NodeReactor();
  const goal = { op: '>=', value: 1 } as const;
  // One call stays pending for the whole run, as in any real program: with none alive, the full
  // GC before each sample would collect the hidden classes of the reactor's timer objects and
  // every weft sample would start deoptimised (see docs/performance.md, "Keep one Deferred alive").
  const resident = reactor.callLater(3600, () => undefined);
  try {
    return await measure(reactor, goal);
  } finally {
    resident.cancel();
  }
}

async function measure(reactor: NodeReactor, goal: Goal): Promise<Result[]> {
  return [
    await compare({
      name: '1e5 scheduled and fired',
      unit: 'ns/call',
      kind: 'speed',
      rawLabel: 'setTimeout',
      weft: nsPerOp(COUNT, () => callLaterAll(reactor, COUNT, 0)),
      raw: nsPerOp(COUNT, () => setTimeoutAll(COUNT, 0)),
      goal,
    }),
    await compare({
      name: '1e5 scheduled, 90% cancelled',
      unit: 'ns/call',
      kind: 'speed',
      rawLabel: 'setTimeout',
      weft: nsPerOp(COUNT, () => callLaterAll(reactor, COUNT, 9)),
      raw: nsPerOp(COUNT, () => setTimeoutAll(COUNT, 9)),
      goal,
    }),
  ];
}
