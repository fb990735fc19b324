// The idle timeout of ProcessPool (`maxIdle`): IdleReaper's logic on a Clock, then real child
// processes (./fixtures/pool-child.ts, compiled once by tsconfig.fixtures.json) whose pool is
// timed on a Clock, so no test waits for real time to pass.
import { pathToFileURL } from 'node:url';

import { afterEach, assert, describe, it } from 'vitest';

import { ProcessPool } from '../../src/node/process-pool.js';
import { IdleReaper } from '../../src/node/pool-idle.js';
import { NodeReactor } from '../../src/node/reactor.js';
import { CommandLocator } from '../../src/protocols/amp/command-locator.js';
import { Clock } from '../../src/testing/clock.js';
import { compiledFixtures } from '../support/compiled-fixtures.js';
import { Add, Gate, Gated, Whoami } from './fixtures/pool-commands.js';

describe('IdleReaper', () => {
  /** A pool of named members that may shrink to `min`. */
  function reaper(maxIdle: number | null, min = 0) {
    const clock = new Clock();
    const live = new Set(['a', 'b', 'c']);
    const reaped: string[] = [];
    const r = new IdleReaper<string>(clock, maxIdle, {
      canReap: () => live.size > min,
      reap: (member) => {
        live.delete(member);
        reaped.push(member);
      },
    });
    return { clock, live, reaped, r };
  }

  it('stops a member exactly maxIdle seconds after it went idle', () => {
    const { clock, reaped, r } = reaper(10);
    r.idle('a');
    clock.advance(9.999);
    assert.deepEqual(reaped, []);
    clock.advance(0.001);
    assert.deepEqual(reaped, ['a']);
    assert.equal(r.size, 0);
  });

  it('restarts the timer of a member that goes idle again, and forgets one that took a call', () => {
    const { clock, reaped, r } = reaper(10);
    r.idle('a');
    r.idle('b');
    clock.advance(6);
    r.idle('a');
    r.forget('b');
    assert.lengthOf(clock.getDelayedCalls(), 1);
    clock.advance(6);
    assert.deepEqual(reaped, []);
    clock.advance(4);
    assert.deepEqual(reaped, ['a']);
    r.forget('c'); // never idle: nothing to forget
  });

  it('keeps members that expire at min, and sweep stops them once min allows', () => {
    const { clock, live, reaped, r } = reaper(10, 2);
    r.idle('a');
    clock.advance(5);
    r.idle('b');
    r.idle('c');
    clock.advance(5);
    assert.deepEqual(reaped, ['a']);
    clock.advance(5);
    assert.deepEqual(reaped, ['a']); // b and c expired, but the pool is at min
    assert.equal(r.size, 2);
    assert.lengthOf(clock.getDelayedCalls(), 0);
    live.add('d');
    r.idle('d');
    r.sweep(); // one may go now; d is still being timed
    assert.deepEqual(reaped, ['a', 'b']);
    assert.equal(r.size, 2);
  });

  it('times nothing without maxIdle, and refuses a maxIdle that is not a positive number', () => {
    const { clock, r } = reaper(null);
    r.idle('a');
    assert.lengthOf(clock.getDelayedCalls(), 0);
    assert.equal(r.size, 0);
    for (const bad of [0, -1, Number.NaN]) {
      assert.throws(() => reaper(bad), RangeError);
    }
  });
});

const fixture = compiledFixtures('pool-idle', ['test/node/fixtures/pool-child.js']);
const childPath = fixture('test/node/fixtures/pool-child.js');

const reactor = new NodeReactor();
const pools: ProcessPool[] = [];
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.stop().asPromise()));
});

/** A pool of real children whose time (maxIdle, the exit grace period) is `clock`. */
function timedPool(clock: Clock, options: { min?: number; max: number; maxIdle: number }) {
  /** The answer to each child waiting at a gate, by label. */
  const gates = new Map<string, () => void>();
  const arrived = new Map<string, () => void>();
  const locator = new CommandLocator().respond(
    Gate,
    ({ label }) =>
      new Promise<Record<string, never>>((resolve) => {
        gates.set(label, () => {
          resolve({});
        });
        arrived.get(label)?.();
      }),
  );
  const p = new ProcessPool({
    childModule: pathToFileURL(childPath),
    locator,
    reactor: {
      spawnProcess: reactor.spawnProcess.bind(reactor),
      callLater: clock.callLater.bind(clock),
      seconds: clock.seconds.bind(clock),
      getDelayedCalls: clock.getDelayedCalls.bind(clock),
      addSystemEventTrigger: reactor.addSystemEventTrigger.bind(reactor),
      removeSystemEventTrigger: reactor.removeSystemEventTrigger.bind(reactor),
    },
    ...options,
  });
  pools.push(p);
  return {
    p,
    /** Resolves once a child waits at the gate `label`. */
    arrived: (label: string) =>
      new Promise<void>((resolve) => {
        if (gates.has(label)) resolve();
        else arrived.set(label, resolve);
      }),
    open: (label: string) => {
      gates.get(label)?.();
    },
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('ProcessPool', () => {
  describe('maxIdle', () => {
    it('retires children idle that long, oldest first, never below min; a lower min lets the rest go', async () => {
      const clock = new Clock();
      const { p, arrived, open } = timedPool(clock, { min: 1, max: 3, maxIdle: 10 });
      const calls = ['a', 'b', 'c'].map((label) => p.callRemote(Gated, { label }).asPromise());
      await Promise.all(['a', 'b', 'c'].map(arrived));
      assert.equal(p.children, 3);
      open('a');
      const a = await calls[0];
      clock.advance(4);
      open('b');
      open('c');
      const [b, c] = await Promise.all([calls[1], calls[2]]);
      const pids = [a?.pid, b?.pid, c?.pid] as number[];
      clock.advance(5); // a has been idle 9 s (the exact boundary is IdleReaper's test)
      assert.equal(p.children, 3);
      clock.advance(1);
      assert.equal(p.children, 2);
      assert.sameMembers(p.pids, [b?.pid, c?.pid]);
      clock.advance(4); // b and c reach 10 s idle: one goes, min keeps the other
      assert.equal(p.children, 1);
      const kept = p.pids[0] as number;
      p.adjustPoolsize(0, 3);
      assert.equal(p.children, 0);
      // A call after that starts a fresh child.
      const fresh = await p.callRemote(Add, { a: 1, b: 2 }).asPromise();
      assert.notInclude(pids, fresh.pid);
      await p.stop().asPromise(); // waits for every retired child to exit
      for (const pid of [...pids, kept, fresh.pid]) assert.isFalse(isAlive(pid));
    });

    it('counts idle time from the last call: a child that keeps working stays', async () => {
      const clock = new Clock();
      const { p } = timedPool(clock, { max: 1, maxIdle: 10 });
      const first = await p.callRemote(Whoami, {}).asPromise();
      clock.advance(9);
      const second = await p.callRemote(Whoami, {}).asPromise();
      assert.deepEqual([second.pid, second.calls], [first.pid, 2]);
      clock.advance(9);
      assert.equal(p.children, 1);
      clock.advance(1);
      assert.equal(p.children, 0);
      assert.notEqual((await p.callRemote(Whoami, {}).asPromise()).pid, first.pid);
    });
  });
});
