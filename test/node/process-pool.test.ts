// ProcessPool over real child Node processes running ./fixtures/pool-child.ts (compiled once by
// tsconfig.fixtures.json). Calls that must stay busy wait on a gate: the child calls Gate back on
// the pool, and the test answers when it chooses, so nothing here sleeps. Timeouts run on a Clock.
import { pathToFileURL } from 'node:url';

import { afterEach, assert, describe, it } from 'vitest';

import { Deferred } from '../../src/core/defer.js';
import { CancelledError, InvalidStateError, TimeoutError } from '../../src/core/errors.js';
import type { Failure } from '../../src/core/failure.js';
import { ProcessSpawnError } from '../../src/core/process-errors.js';
import { ProcessPool } from '../../src/node/process-pool.js';
import type { ProcessPoolOptions } from '../../src/node/process-pool-support.js';
import {
  PoolCallTimeoutError,
  PoolChildCrashError,
  ProcessPoolFullError,
} from '../../src/node/process-pool-errors.js';
import { NodeReactor } from '../../src/node/reactor.js';
import { CommandLocator } from '../../src/protocols/amp/command-locator.js';
import { UnknownRemoteError } from '../../src/protocols/amp/errors.js';
import { Clock } from '../../src/testing/clock.js';
import { LogCapture } from '../../src/testing/log-capture.js';
import { compiledFixtures } from '../support/compiled-fixtures.js';
import {
  Add,
  BadInput,
  Exit,
  Fail,
  Gate,
  Gated,
  Hang,
  Notify,
  Shout,
  Whoami,
} from './fixtures/pool-commands.js';
import { openFds } from './process-helpers.js';

const fixture = compiledFixtures('pool', ['test/node/fixtures/pool-child.js']);
const childPath = fixture('test/node/fixtures/pool-child.js');

/** Gates children wait on: `arrived(label)` once a child is held there, `open(label)` to answer. */
class Gates {
  readonly locator = new CommandLocator().respond(Gate, ({ label }) => this.#gate(label).held);
  readonly #gates = new Map<
    string,
    { held: Deferred<Record<string, never>>; arrived: Deferred<void> }
  >();

  #gate(label: string): { held: Deferred<Record<string, never>>; arrived: Deferred<void> } {
    let gate = this.#gates.get(label);
    if (gate === undefined) {
      gate = { held: new Deferred(), arrived: new Deferred() };
      this.#gates.set(label, gate);
    }
    if (!gate.arrived.called) gate.arrived.callback(undefined);
    return gate;
  }

  /** Resolves once a child is waiting at `label`. */
  arrived(label: string): Promise<void> {
    let gate = this.#gates.get(label);
    if (gate === undefined) {
      gate = { held: new Deferred(), arrived: new Deferred() };
      this.#gates.set(label, gate);
    }
    return gate.arrived.asPromise();
  }

  open(label: string): void {
    this.#gates.get(label)?.held.callback({});
  }
}

const pools: ProcessPool[] = [];
let gates = new Gates();
let logs: LogCapture | null = null;
const reactor = new NodeReactor();

function pool(options: Partial<ProcessPoolOptions> = {}): ProcessPool {
  const p = new ProcessPool({
    childModule: pathToFileURL(childPath),
    locator: gates.locator,
    reactor,
    ...options,
  });
  pools.push(p);
  return p;
}

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.stop().asPromise()));
  logs?.stop();
  logs = null;
  gates = new Gates();
});

/** The failure `d` fails with. */
function failureOf(d: Deferred): Promise<Failure> {
  return new Promise((resolve, reject) => {
    d.addCallbacks(
      (value) => {
        reject(new Error(`expected a failure, got ${JSON.stringify(value)}`));
      },
      (failure) => {
        resolve(failure);
      },
    );
  });
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
  describe('callRemote', () => {
    it("answers with the child's typed response, starting children on demand up to max", async () => {
      const p = pool({ max: 2 });
      assert.equal(p.children, 0);
      const [one, two] = await Promise.all([
        p.callRemote(Gated, { label: 'a' }).asPromise(),
        p.callRemote(Gated, { label: 'b' }).asPromise(),
        gates
          .arrived('a')
          .then(() => gates.arrived('b'))
          .then(() => {
            assert.equal(p.children, 2);
            assert.equal(p.busy, 2);
            gates.open('a');
            gates.open('b');
          }),
      ]);
      assert.deepEqual([one.label, two.label], ['a', 'b']);
      assert.notEqual(one.pid, two.pid);
      assert.sameMembers(p.pids, [one.pid, two.pid]);
      const sum = await p.callRemote(Add, { a: 40, b: 2 }).asPromise();
      assert.equal(sum.total, 42);
      assert.equal(p.children, 2);
      assert.equal(p.busy, 0);
    });

    it('queues calls while every child is busy and max is reached, in order', async () => {
      const p = pool({ max: 1 });
      const first = p.callRemote(Gated, { label: 'first' });
      const second = p.callRemote(Add, { a: 1, b: 2 });
      const order: string[] = [];
      first.addCallback(() => order.push('first'));
      second.addCallback(() => order.push('second'));
      await gates.arrived('first');
      assert.equal(p.queued, 1);
      assert.equal(p.children, 1);
      gates.open('first');
      const [a, b] = await Promise.all([first.asPromise(), second.asPromise()]);
      assert.deepEqual(order, ['first', 'second']);
      assert.equal(a.pid, b.pid); // the one child ran both
      assert.equal(p.queued, 0);
    });

    it('fails a call with ProcessPoolFullError when maxQueued calls are already waiting', async () => {
      const p = pool({ max: 1, maxQueued: 1 });
      const running = p.callRemote(Gated, { label: 'g' });
      const queued = p.callRemote(Whoami, {});
      const refused = await failureOf(p.callRemote(Whoami, {}));
      assert.instanceOf(refused.value, ProcessPoolFullError);
      assert.equal(refused.value.maxQueued, 1);
      assert.equal(p.queued, 1);
      await gates.arrived('g');
      gates.open('g');
      await running.asPromise();
      await queued.asPromise();
    });

    it('refuses a command that asks no answer, and any call once stopping', () => {
      const p = pool();
      assert.throws(() => {
        p.callRemote(Notify as never, {} as never);
      }, TypeError);
      void p.stop();
      assert.throws(() => {
        p.callRemote(Whoami, {});
      }, InvalidStateError);
    });
  });

  describe('cancel', () => {
    it('removes a queued call from the queue; it never runs', async () => {
      const p = pool({ max: 1 });
      const running = p.callRemote(Gated, { label: 'g' });
      const queued = p.callRemote(Whoami, {});
      await gates.arrived('g');
      queued.cancel();
      assert.instanceOf((await failureOf(queued)).value, CancelledError);
      assert.equal(p.queued, 0);
      gates.open('g');
      await running.asPromise();
      // The child answered only the gated call: the cancelled one never reached it.
      assert.equal((await p.callRemote(Whoami, {}).asPromise()).calls, 2);
    });

    it('fails a running call with CancelledError at once and drops its answer; the child stays', async () => {
      const p = pool({ max: 1 });
      const running = p.callRemote(Gated, { label: 'g' });
      await gates.arrived('g');
      running.cancel();
      assert.instanceOf((await failureOf(running)).value, CancelledError);
      assert.equal(p.busy, 1);
      gates.open('g');
      const who = await p.callRemote(Whoami, {}).asPromise();
      assert.equal(who.calls, 2);
    });
  });

  describe('errors raised in a child', () => {
    it('fail the call with the declared error class, and the child keeps serving', async () => {
      const p = pool({ max: 1 });
      const before = await p.callRemote(Whoami, {}).asPromise();
      const failure = await failureOf(p.callRemote(Fail, { declared: true }));
      assert.instanceOf(failure.value, BadInput);
      assert.equal(failure.value.message, 'declared failure');
      const after = await p.callRemote(Whoami, {}).asPromise();
      assert.equal(after.pid, before.pid);
    });

    it('arrive as UnknownRemoteError when undeclared, and that child is replaced', async () => {
      const p = pool({ max: 1, stderr: 'drop' });
      const before = await p.callRemote(Whoami, {}).asPromise();
      const failure = await failureOf(p.callRemote(Fail, { declared: false }));
      assert.instanceOf(failure.value, UnknownRemoteError);
      const after = await p.callRemote(Whoami, {}).asPromise();
      assert.notEqual(after.pid, before.pid);
      assert.equal(after.calls, 1);
    });
  });

  describe('a child crashing', () => {
    it('fails its call with PoolChildCrashError, and a new child takes the next call', async () => {
      logs = new LogCapture();
      const p = pool({ max: 1 });
      const before = await p.callRemote(Whoami, {}).asPromise();
      const failure = await failureOf(p.callRemote(Exit, { code: 3 }));
      const error = failure.value as PoolChildCrashError;
      assert.instanceOf(error, PoolChildCrashError);
      assert.equal(error.exitCode, 3);
      assert.isNull(error.signal);
      assert.isFalse(isAlive(before.pid));
      const after = await p.callRemote(Whoami, {}).asPromise();
      assert.notEqual(after.pid, before.pid);
      assert.isTrue(logs.messages.some((m) => m.includes('ended unexpectedly')));
    });

    it('starts a replacement at once to keep min children', async () => {
      logs = new LogCapture();
      const p = pool({ min: 1, max: 2 });
      p.start();
      assert.equal(p.children, 1);
      const [pid] = p.pids;
      await failureOf(p.callRemote(Exit, { code: 1 }));
      assert.equal(p.children, 1);
      assert.notInclude(p.pids, pid);
      const who = await p.callRemote(Whoami, {}).asPromise();
      assert.notEqual(who.pid, pid);
    });

    it('names a child that exited with status 0 mid-call a crash too', async () => {
      const p = pool({ max: 1 });
      const error = (await failureOf(p.callRemote(Exit, { code: 0 }))).value as PoolChildCrashError;
      assert.instanceOf(error, PoolChildCrashError);
      assert.equal(error.exitCode, 0);
    });

    it('fails calls with PoolChildCrashError when children cannot start, without respawning for min', async () => {
      logs = new LogCapture();
      const p = pool({ min: 1, max: 1, path: fixture('no-such-directory') });
      const error = (await failureOf(p.callRemote(Whoami, {}))).value as PoolChildCrashError;
      assert.instanceOf(error, PoolChildCrashError);
      assert.instanceOf(error.cause, ProcessSpawnError);
      assert.isNull(error.exitCode);
      assert.match(error.message, /could not be started/);
      assert.equal(p.children, 0);
    });
  });

  describe('timeout', () => {
    it('kills a child that runs past it, failing the call with PoolCallTimeoutError', async () => {
      const clock = new Clock();
      // Real processes, but the pool's time is a Clock the test advances.
      const timed = {
        spawnProcess: reactor.spawnProcess.bind(reactor),
        callLater: clock.callLater.bind(clock),
        seconds: clock.seconds.bind(clock),
        getDelayedCalls: clock.getDelayedCalls.bind(clock),
        addSystemEventTrigger: reactor.addSystemEventTrigger.bind(reactor),
        removeSystemEventTrigger: reactor.removeSystemEventTrigger.bind(reactor),
      };
      logs = new LogCapture();
      const p = pool({ max: 1, timeout: 5, reactor: timed });
      const who = await p.callRemote(Whoami, {}).asPromise();
      assert.lengthOf(clock.getDelayedCalls(), 0); // answered: its time limit is cancelled
      const hung = p.callRemote(Hang, {});
      clock.advance(4.999);
      assert.equal(p.busy, 1);
      clock.advance(0.001);
      const error = (await failureOf(hung)).value as PoolCallTimeoutError;
      assert.instanceOf(error, PoolCallTimeoutError);
      assert.instanceOf(error, TimeoutError);
      assert.equal(error.timeout, 5);
      assert.equal(error.commandName, 'Hang');
      assert.isFalse(isAlive(who.pid));
      assert.notEqual((await p.callRemote(Whoami, {}).asPromise()).pid, who.pid);
    });
  });

  describe('maxCallsPerChild', () => {
    it('retires a child after that many calls; a fresh one takes the next', async () => {
      const p = pool({ max: 1, maxCallsPerChild: 2 });
      const a = await p.callRemote(Whoami, {}).asPromise();
      const b = await p.callRemote(Whoami, {}).asPromise();
      const c = await p.callRemote(Whoami, {}).asPromise();
      assert.deepEqual([a.calls, b.calls, c.calls], [1, 2, 1]);
      assert.equal(a.pid, b.pid);
      assert.notEqual(c.pid, a.pid);
    });
  });

  describe('adjustPoolsize', () => {
    it('starts children for queued calls up to a new max, and retires idle ones above it', async () => {
      const p = pool({ max: 1 });
      const first = p.callRemote(Gated, { label: 'one' });
      const second = p.callRemote(Gated, { label: 'two' });
      await gates.arrived('one');
      assert.equal(p.queued, 1);
      p.adjustPoolsize(0, 2);
      await gates.arrived('two');
      assert.equal(p.children, 2);
      gates.open('one');
      gates.open('two');
      await Promise.all([first.asPromise(), second.asPromise()]);
      p.adjustPoolsize(0, 1);
      assert.equal(p.children, 1);
      assert.deepEqual([p.min, p.max], [0, 1]);
      assert.throws(() => {
        p.adjustPoolsize(2, 1);
      }, RangeError);
    });
  });

  describe('stop', () => {
    it('lets running and queued calls finish, then ends every child, leaving no descriptor open', async () => {
      const fdsBefore = openFds();
      const p = new ProcessPool({
        childModule: childPath,
        locator: gates.locator,
        reactor,
        max: 2,
      });
      const running = p.callRemote(Gated, { label: 'g' });
      const other = p.callRemote(Add, { a: 1, b: 1 });
      const queued = p.callRemote(Add, { a: 2, b: 2 });
      await gates.arrived('g');
      const pids = p.pids;
      assert.lengthOf(pids, 2);
      let stopped = false;
      const stop = p.stop();
      stop.addCallback(() => {
        stopped = true;
      });
      assert.throws(() => {
        p.callRemote(Whoami, {});
      }, InvalidStateError);
      assert.equal((await queued.asPromise()).total, 4);
      assert.equal((await other.asPromise()).total, 2);
      assert.isFalse(stopped);
      gates.open('g');
      await running.asPromise();
      await stop.asPromise();
      assert.isTrue(stopped);
      assert.equal(p.children, 0);
      for (const pid of pids) assert.isFalse(isAlive(pid), `child ${String(pid)} is gone`);
      assert.equal(openFds(), fdsBefore);
      await p.stop().asPromise(); // idempotent
    });

    it("runs at the reactor's shutdown, which waits for the calls in flight", async () => {
      const r = new NodeReactor();
      const p = new ProcessPool({ childModule: childPath, locator: gates.locator, reactor: r });
      const order: string[] = [];
      const running = p.callRemote(Gated, { label: 'g' });
      running.addCallback(() => order.push('answered'));
      const done = r.run({ installSignalHandlers: false });
      r.addSystemEventTrigger('during', 'shutdown', () => order.push('during shutdown'));
      await gates.arrived('g');
      r.stop();
      gates.open('g');
      await done;
      assert.deepEqual(order, ['answered', 'during shutdown']);
      assert.equal(p.children, 0);
    });

    it('kills a retired child that does not exit within the grace period', async () => {
      const clock = new Clock();
      const timed = {
        spawnProcess: reactor.spawnProcess.bind(reactor),
        callLater: clock.callLater.bind(clock),
        seconds: clock.seconds.bind(clock),
        getDelayedCalls: clock.getDelayedCalls.bind(clock),
        addSystemEventTrigger: reactor.addSystemEventTrigger.bind(reactor),
        removeSystemEventTrigger: reactor.removeSystemEventTrigger.bind(reactor),
      };
      logs = new LogCapture();
      // exitOnDisconnect off in the child: it would stay after its stdin closes.
      const p = pool({ max: 1, exitGracePeriod: 3, reactor: timed, args: ['--stay'] });
      const who = await p.callRemote(Whoami, {}).asPromise();
      const stop = p.stop();
      clock.advance(3);
      await stop.asPromise();
      assert.isFalse(isAlive(who.pid));
      assert.isTrue(logs.messages.some((m) => m.includes('did not exit')));
    });
  });

  describe("a child's output", () => {
    it('keeps console.log off the AMP stream, and logs stderr', async () => {
      logs = new LogCapture();
      const p = pool({ max: 1 });
      await p.callRemote(Shout, { text: 'hello from the child' }).asPromise();
      assert.equal((await p.callRemote(Add, { a: 1, b: 1 }).asPromise()).total, 2);
      await p.stop().asPromise();
      assert.isTrue(logs.messages.some((m) => m.includes('hello from the child')));
    });
  });

  describe('constructor', () => {
    it('refuses a relative module path and bad bounds', () => {
      const base = { childModule: childPath, reactor, stopAtShutdown: false };
      assert.throws(() => new ProcessPool({ ...base, childModule: 'child.js' }), TypeError);
      assert.throws(() => new ProcessPool({ ...base, min: 3, max: 2 }), RangeError);
      assert.throws(() => new ProcessPool({ ...base, maxQueued: -1 }), RangeError);
      assert.throws(() => new ProcessPool({ ...base, timeout: 0 }), RangeError);
      assert.throws(() => new ProcessPool({ ...base, maxCallsPerChild: 0 }), RangeError);
      const p = new ProcessPool({ ...base, childModule: pathToFileURL(childPath).href });
      assert.isAtLeast(p.max, 1);
      assert.equal(p.min, 0);
      void p.stop();
    });
  });
});
