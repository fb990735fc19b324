// WorkerPool over real worker threads. The functions run come from ./fixtures/worker-jobs.ts,
// compiled once by tsconfig.fixtures.json. Work that must stay busy blocks on a shared flag the
// test releases (Atomics), never on a sleep.
import { pathToFileURL } from 'node:url';

import { afterEach, assert, describe, it } from 'vitest';

import { CancelledError, InvalidStateError } from '../../src/core/errors.js';
import type { IReactorThreads, IWorkerPool } from '../../src/core/interfaces/threads.js';
import { NodeReactor, reactor as defaultReactor } from '../../src/node/reactor.js';
import { deferToWorker } from '../../src/node/threads.js';
import { WorkerCrashError, WorkerError } from '../../src/node/worker-errors.js';
import { WorkerPool } from '../../src/node/worker-pool.js';
import { callFromThread, isTransfer, transfer } from '../../src/node/worker-side.js';
import { LogCapture } from '../../src/testing/log-capture.js';
import { compiledFixtures } from '../support/compiled-fixtures.js';

const jobsPath = compiledFixtures('workers', ['test/node/fixtures/worker-jobs.js'])(
  'test/node/fixtures/worker-jobs.js',
);
const jobs = pathToFileURL(jobsPath);

const pools: WorkerPool[] = [];
let logs: LogCapture | null = null;

function pool(options: ConstructorParameters<typeof WorkerPool>[0] = {}): WorkerPool {
  const p = new WorkerPool(options);
  pools.push(p);
  return p;
}

afterEach(async () => {
  logs?.stop();
  logs = null;
  await Promise.all(pools.splice(0).map((p) => p.stop().asPromise()));
});

/** A flag a fixture blocks on until {@link release}. */
function flag(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4));
}

function release(f: Int32Array): void {
  Atomics.store(f, 0, 1);
  Atomics.notify(f, 0);
}

async function failureOf(d: { asPromise(): Promise<unknown> }): Promise<unknown> {
  return d.asPromise().then(
    () => assert.fail('expected a failure'),
    (e: unknown) => e,
  );
}

describe('WorkerPool', () => {
  describe('deferToWorker', () => {
    it('runs an exported function in a worker and fires with its result', async () => {
      const p = pool({ max: 2 });
      assert.equal(await p.deferToWorker<number>(jobs, 'add', 2, 40).asPromise(), 42);
      assert.equal(p.workers, 1);
      assert.equal(p.busy, 0);
    });

    it('awaits an async function, and accepts an absolute path or a file: URL string', async () => {
      const p = pool();
      assert.equal(await p.deferToWorker(jobsPath, 'slowDouble', 21).asPromise(), 42);
      assert.equal(await p.deferToWorker(jobs.href, 'add', 1, 1).asPromise(), 2);
    });

    it('refuses a relative path with TypeError', () => {
      const p = pool();
      assert.throws(() => {
        p.deferToWorker('./worker-jobs.js', 'add');
      }, TypeError);
    });

    it('fails with WorkerError carrying the remote name, message, code and stack', async () => {
      const p = pool();
      const error = await failureOf(p.deferToWorker(jobs, 'failWithCode', 'bad input'));
      assert.instanceOf(error, WorkerError);
      const e = error;
      assert.equal(e.remoteName, 'TypeError');
      assert.equal(e.remoteMessage, 'bad input');
      assert.equal(e.code, 'E_FIXTURE');
      assert.include(e.remoteStack, 'failWithCode');
      assert.include(e.stack, 'Worker traceback:');
      assert.equal(e.message, 'TypeError in worker: bad input');
    });

    it('fails with WorkerError for a rejected promise, a thrown string, a missing export, an uncloneable result', async () => {
      const p = pool();
      const rejected = (await failureOf(p.deferToWorker(jobs, 'rejectLater', 'no'))) as WorkerError;
      assert.equal(rejected.remoteName, 'RangeError');
      const thrown = (await failureOf(p.deferToWorker(jobs, 'throwString'))) as WorkerError;
      assert.deepEqual([thrown.remoteName, thrown.remoteMessage], ['string', 'a plain string']);
      const missing = (await failureOf(p.deferToWorker(jobs, 'notAFunction'))) as WorkerError;
      assert.equal(missing.remoteName, 'TypeError');
      assert.include(missing.remoteMessage, 'notAFunction');
      const uncloneable = (await failureOf(p.deferToWorker(jobs, 'returnFunction'))) as WorkerError;
      assert.equal(uncloneable.remoteName, 'DataCloneError');
      // The worker survives all of these.
      assert.equal(p.workers, 1);
    });

    it('fails with the DataCloneError of an argument that cannot be copied, keeping the worker', async () => {
      const p = pool();
      await p.deferToWorker(jobs, 'add', 1, 2).asPromise();
      const error = await failureOf(p.deferToWorker(jobs, 'add', () => 1, 2));
      assert.equal((error as Error).name, 'DataCloneError');
      assert.equal(await p.deferToWorker(jobs, 'add', 3, 4).asPromise(), 7);
      assert.equal(p.workers, 1);
    });

    it('queues work beyond max and runs it as workers free up', async () => {
      const p = pool({ max: 2 });
      const f = flag();
      const first = p.deferToWorker(jobs, 'waitForFlag', f, 'a');
      const second = p.deferToWorker(jobs, 'waitForFlag', f, 'b');
      const third = p.deferToWorker(jobs, 'add', 1, 2);
      assert.deepEqual([p.workers, p.busy, p.queued], [2, 2, 1]);
      release(f);
      assert.deepEqual(
        await Promise.all([first.asPromise(), second.asPromise(), third.asPromise()]),
        ['a', 'b', 3],
      );
      assert.equal(p.workers, 2);
    });
  });

  describe('transfer', () => {
    it('moves an ArrayBuffer argument to the worker, detaching it in the caller', async () => {
      const p = pool();
      const buffer = new ArrayBuffer(1024);
      const d = p.deferToWorker(jobs, 'byteLength', transfer(buffer, [buffer]));
      assert.equal(buffer.byteLength, 0);
      assert.equal(await d.asPromise(), 1024);
    });

    it('copies an argument not marked for transfer', async () => {
      const p = pool();
      const buffer = new ArrayBuffer(16);
      assert.equal(await p.deferToWorker(jobs, 'byteLength', buffer).asPromise(), 16);
      assert.equal(buffer.byteLength, 16);
    });

    it('moves a result marked with transfer() back to the caller', async () => {
      const p = pool();
      const bytes = await p.deferToWorker<Uint8Array>(jobs, 'makeBytes', 8, 7).asPromise();
      assert.deepEqual([...bytes], [7, 7, 7, 7, 7, 7, 7, 7]);
      assert.isFalse(isTransfer(bytes));
      assert.isTrue(isTransfer(transfer(bytes, [])));
    });
  });

  describe('callFromThread', () => {
    it('runs the registered callable on the reactor thread, in order, before the result', async () => {
      const seen: string[] = [];
      const p = pool({
        callables: {
          progress: (i: number, n: number) => {
            seen.push(`${String(i)}/${String(n)}`);
          },
        },
      });
      const result = await p.deferToWorker(jobs, 'reportProgress', 3).asPromise();
      assert.equal(result, 'done');
      assert.deepEqual(seen, ['1/3', '2/3', '3/3']);
    });

    it('logs a call to an unregistered name, or a callable that throws, and keeps going', async () => {
      logs = new LogCapture();
      const p = pool();
      assert.equal(await p.deferToWorker(jobs, 'reportProgress', 1).asPromise(), 'done');
      p.setCallable('progress', () => {
        throw new RangeError('bad progress');
      });
      assert.equal(await p.deferToWorker(jobs, 'reportProgress', 1).asPromise(), 'done');
      const failures = logs.failures.map((f) => (f.value as Error).message);
      assert.deepEqual(failures, ['No callable registered as progress', 'bad progress']);
    });

    it('throws InvalidStateError outside a pool worker', () => {
      assert.throws(() => {
        callFromThread('progress', 1);
      }, InvalidStateError);
    });
  });

  describe('crashes', () => {
    it('fails the call with WorkerCrashError when the worker exits, and replaces the worker', async () => {
      logs = new LogCapture();
      const p = pool({ min: 1, max: 1 });
      const error = await failureOf(p.deferToWorker(jobs, 'exitNow', 3));
      assert.instanceOf(error, WorkerCrashError);
      assert.equal(error.exitCode, 3);
      assert.equal(await p.deferToWorker(jobs, 'add', 20, 22).asPromise(), 42);
      assert.equal(p.workers, 1);
      assert.include(logs.messages.join('\n'), 'exited with code 3');
    });

    it('fails the call with WorkerCrashError whose cause is an error escaping from a timer', async () => {
      logs = new LogCapture();
      const p = pool({ max: 1 });
      const queued = p.deferToWorker(jobs, 'add', 1, 1);
      const error = await failureOf(p.deferToWorker(jobs, 'throwFromTimer', 'escaped'));
      // The queued call went first; the crash took only its own call.
      assert.equal(await queued.asPromise(), 2);
      assert.instanceOf(error, WorkerCrashError);
      assert.include(error.message, 'SyntaxError: escaped');
      assert.equal((error.cause as Error).name, 'SyntaxError');
      assert.equal(await p.deferToWorker(jobs, 'add', 2, 2).asPromise(), 4);
    });
  });

  describe('cancel', () => {
    it('removes queued work from the queue: it never runs', async () => {
      const seen: number[] = [];
      const p = pool({ max: 1, callables: { progress: (i: number) => seen.push(i) } });
      const f = flag();
      const running = p.deferToWorker(jobs, 'waitForFlag', f, 'first');
      const queued = p.deferToWorker(jobs, 'reportProgress', 5);
      assert.equal(p.queued, 1);
      queued.cancel();
      assert.equal(p.queued, 0);
      assert.instanceOf(await failureOf(queued), CancelledError);
      release(f);
      assert.equal(await running.asPromise(), 'first');
      assert.equal(await p.deferToWorker(jobs, 'add', 1, 1).asPromise(), 2);
      assert.deepEqual(seen, []);
    });

    it('fails running work with CancelledError at once and drops its late answer', async () => {
      const p = pool({ max: 1 });
      const f = flag();
      const running = p.deferToWorker(jobs, 'waitForFlag', f, 'late');
      running.cancel();
      assert.instanceOf(await failureOf(running), CancelledError);
      release(f);
      assert.equal(await p.deferToWorker(jobs, 'add', 5, 5).asPromise(), 10);
    });
  });

  describe('adjustPoolsize', () => {
    it('grows to run queued work, starts min workers, and shrinks idle workers', async () => {
      const p = pool({ max: 1 });
      const f = flag();
      const a = p.deferToWorker(jobs, 'waitForFlag', f, 'a');
      const b = p.deferToWorker(jobs, 'waitForFlag', f, 'b');
      assert.deepEqual([p.workers, p.queued], [1, 1]);
      p.adjustPoolsize(0, 2);
      assert.deepEqual([p.workers, p.queued, p.max], [2, 0, 2]);
      release(f);
      assert.deepEqual(await Promise.all([a.asPromise(), b.asPromise()]), ['a', 'b']);
      p.adjustPoolsize(3, 3);
      assert.equal(p.workers, 3);
      p.adjustPoolsize(0, 1);
      assert.deepEqual([p.workers, p.min, p.max], [1, 0, 1]);
    });

    it('retires a busy worker above the new max when its call finishes', async () => {
      const p = pool({ max: 2 });
      const f = flag();
      const a = p.deferToWorker(jobs, 'waitForFlag', f, 'a');
      const b = p.deferToWorker(jobs, 'waitForFlag', f, 'b');
      p.adjustPoolsize(0, 1);
      assert.equal(p.workers, 2);
      release(f);
      await Promise.all([a.asPromise(), b.asPromise()]);
      assert.equal(p.workers, 1);
    });

    it('refuses bounds that make no sense with RangeError', () => {
      assert.throws(() => pool({ min: 2, max: 1 }), RangeError);
      const p = pool();
      assert.throws(() => {
        p.adjustPoolsize(0, 0);
      }, RangeError);
      assert.throws(() => {
        p.adjustPoolsize(-1, 2);
      }, RangeError);
    });
  });

  describe('stop', () => {
    it('lets running and queued work finish, refuses new work, then ends every worker', async () => {
      const p = pool({ max: 1, min: 1 });
      const f = flag();
      const running = p.deferToWorker(jobs, 'waitForFlag', f, 'running');
      const queued = p.deferToWorker(jobs, 'add', 1, 2);
      let stopped = false;
      const stop = p.stop().addCallback(() => {
        stopped = true;
      });
      assert.throws(() => {
        p.deferToWorker(jobs, 'add', 1, 1);
      }, InvalidStateError);
      assert.isFalse(stopped);
      release(f);
      assert.equal(await running.asPromise(), 'running');
      assert.equal(await queued.asPromise(), 3);
      await stop.asPromise();
      assert.equal(p.workers, 0);
      await p.stop().asPromise(); // idempotent
    });

    it('finishes at once when the only queued work is cancelled', async () => {
      const p = pool({ max: 1 });
      const f = flag();
      const running = p.deferToWorker(jobs, 'waitForFlag', f, 'x');
      const queued = p.deferToWorker(jobs, 'add', 1, 2);
      running.cancel();
      const stop = p.stop();
      queued.cancel();
      release(f);
      await stop.asPromise();
      assert.equal(p.workers, 0);
      await failureOf(queued);
      await failureOf(running);
    });
  });
});

describe('deferToWorker', () => {
  it("runs the call in the default reactor's pool", async () => {
    assert.equal(await deferToWorker<number>(jobs, 'add', 40, 2).asPromise(), 42);
    assert.equal(defaultReactor.getThreadPool().workers, 1);
  });
});

describe('NodeReactor.getThreadPool', () => {
  it('is made once, resized by suggestThreadPoolSize, and shutdown waits for its work in flight', async () => {
    const reactor = new NodeReactor();
    const p = reactor.getThreadPool();
    assert.strictEqual(reactor.getThreadPool(), p);
    reactor.suggestThreadPoolSize(3);
    assert.deepEqual([p.min, p.max], [0, 3]);
    const f = flag();
    const work = p.deferToWorker(jobs, 'waitForFlag', f, 'finished');
    const order: string[] = [];
    work.addCallback((v) => {
      order.push(String(v));
    });
    const done = reactor.run({ installSignalHandlers: false });
    reactor.addSystemEventTrigger('during', 'shutdown', () => {
      order.push('during shutdown');
    });
    reactor.stop();
    setImmediate(() => {
      release(f);
    });
    await done;
    assert.deepEqual(order, ['finished', 'during shutdown']);
    assert.equal(p.workers, 0);
  });
});

describe('NodeReactor as IReactorThreads', () => {
  it('is an IReactorThreads whose pool is the WorkerPool', () => {
    const reactor: IReactorThreads = new NodeReactor();
    const p: IWorkerPool = reactor.getThreadPool();
    assert.instanceOf(p, WorkerPool);
  });

  it("runs deferToWorker in the reactor's own pool", async () => {
    const reactor = new NodeReactor();
    assert.equal(await reactor.deferToWorker<number>(jobs, 'add', 1, 2).asPromise(), 3);
    assert.equal(reactor.getThreadPool().workers, 1);
    await reactor.getThreadPool().stop().asPromise();
  });

  it('runs callInThread for its effect, and logs a failure instead of dropping it', async () => {
    const reactor = new NodeReactor();
    const p = reactor.getThreadPool();
    const progress: unknown[] = [];
    p.setCallable('progress', (i: number) => {
      progress.push(i);
    });
    logs = new LogCapture();
    const captured = logs;
    reactor.callInThread(jobs, 'reportProgress', 2);
    reactor.callInThread(jobs, 'failWithCode', 'in callInThread');
    await p.stop().asPromise();
    assert.deepEqual(progress, [1, 2]);
    const failure = captured.failures.find((f) => f.value instanceof WorkerError);
    assert.isDefined(failure);
    assert.equal((failure.value as WorkerError).remoteMessage, 'in callInThread');
  });

  it('runs callFromThread calls on a later turn, in order, logging a throw without stopping the rest', async () => {
    const reactor = new NodeReactor();
    const order: string[] = [];
    logs = new LogCapture();
    const captured = logs;
    reactor.callFromThread((a: string, b: number) => order.push(`${a}${String(b)}`), 'x', 1);
    reactor.callFromThread(() => {
      throw new RangeError('from a thread call');
    });
    reactor.callFromThread(() => {
      order.push('third');
      // Queued while the queue runs: waits for the turn after.
      reactor.callFromThread(() => order.push('later'));
      assert.deepEqual(order, ['x1', 'third']);
    });
    assert.deepEqual(order, []);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(order, ['x1', 'third']);
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(order, ['x1', 'third', 'later']);
    assert.instanceOf(captured.failures[0]?.value, RangeError);
  });
});
