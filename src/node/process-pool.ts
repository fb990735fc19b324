/**
 * `ProcessPool`: a bounded pool of child Node processes answering AMP
 * commands over their stdin and stdout (the idea of Twisted's Ampoule), for
 * work that must run isolated, survive a crash or be killable.
 *
 * @module
 */
import { availableParallelism } from 'node:os';
import { Deferred, fail } from '../core/defer.js';
import { InvalidStateError } from '../core/errors.js';
import { Failure } from '../core/failure.js';
import type { TriggerId } from '../core/interfaces/reactor.js';
import { Logger } from '../core/logger.js';
import { ProcessSpawnError, ProcessTerminated } from '../core/process-errors.js';
import { ProtocolProcessAdapter } from '../core/process-protocol.js';
import type { ArgumentMap } from '../protocols/amp/arguments.js';
import type { ArgumentsOf, Command, ResponseOf } from '../protocols/amp/command.js';
import { CommandLocator } from '../protocols/amp/command-locator.js';
import type { Responder } from '../protocols/amp/dispatcher.js';
import { ChildReady } from './process-pool-child.js';
import { IdleReaper } from './pool-idle.js';
import { PoolQueue } from './pool-queue.js';
import {
  modulePath,
  PoolAMP,
  type Child,
  type Job,
  type ProcessPoolOptions,
  type ProcessPoolReactor,
} from './process-pool-support.js';
import {
  PoolCallTimeoutError,
  PoolChildCrashError,
  ProcessPoolFullError,
} from './process-pool-errors.js';
import { reactor as defaultReactor } from './reactor.js';

const log = new Logger('weft.process-pool');

/**
 * A bounded pool of child Node processes that answer AMP commands (the
 * idea of Twisted's Ampoule). Each child runs `childModule`, which calls
 * `runProcessPoolChild(locator)`; the pool talks to it with AMP over the
 * child's stdin and stdout.
 *
 * - {@link ProcessPool.callRemote} sends a command to an idle child (one
 *   call per child at a time) and returns a Deferred of the typed answer.
 *   With every child busy and `max` reached the call waits in a FIFO queue;
 *   beyond `maxQueued` waiting calls it fails with
 *   {@link ProcessPoolFullError}.
 * - A declared error of the command fails the call with that error class;
 *   any other error raised in the child arrives as `UnknownRemoteError`,
 *   and that child is replaced (AMP closes the connection after it).
 * - A child dying mid-call fails the call with {@link PoolChildCrashError};
 *   a call running past `timeout` seconds kills its child (SIGKILL) and
 *   fails with {@link PoolCallTimeoutError}. Either way the pool starts a
 *   replacement when calls are waiting or fewer than `min` children are
 *   left; other calls are not affected.
 * - After `maxCallsPerChild` calls a child is retired (its stdin closed, so
 *   it exits) and a fresh one takes its place on demand.
 * - A child idle for `maxIdle` seconds is retired too, as long as more than
 *   `min` children are left (Ampoule's `maxIdle`).
 * - `cancel()` on a queued call's Deferred removes it from the queue. A
 *   running call fails with `CancelledError` at once; its child finishes
 *   it and the answer is dropped.
 * - {@link ProcessPool.stop} refuses new calls, lets every submitted call
 *   finish, closes every child's stdin and fires once all have exited: no
 *   child and no descriptor is left behind. The reactor's shutdown does the
 *   same (a before-shutdown trigger), unless `stopAtShutdown` is false.
 *
 * Children are processes: their pipes keep this process alive until the
 * pool is stopped.
 *
 * @example
 * ```ts
 * const Fib = command({
 *   name: 'Fib',
 *   arguments: { n: new Integer() },
 *   response: { value: new Integer() },
 * });
 * const pool = new ProcessPool({ childModule: new URL('./fib-child.js', import.meta.url), max: 2 });
 * const { value } = await pool.callRemote(Fib, { n: 30 });
 * await pool.stop();
 * ```
 */
export class ProcessPool {
  readonly #pool: PoolQueue<Child, Job>;
  readonly #maxQueued: number;
  readonly #timeout: number | null;
  readonly #maxCalls: number;
  readonly #grace: number;
  readonly #reactor: ProcessPoolReactor;
  readonly #options: ProcessPoolOptions;
  readonly #argv: readonly string[];
  /** Every child not yet ended: working, idle or retiring. */
  readonly #children = new Set<Child>();
  readonly #reaper: IdleReaper<Child>;
  #trigger: TriggerId | null = null;

  constructor(options: ProcessPoolOptions) {
    this.#options = options;
    // Its members are the children taking calls (busy or idle); retiring ones are only in #children.
    this.#pool = new PoolQueue(options.min ?? 0, options.max ?? availableParallelism(), {
      spawn: () => this.#spawn(),
      run: (child, job) => {
        this.#reaper.forget(child); // no longer idle
        this.#run(child, job);
      },
      park: (child) => {
        this.#makeIdle(child);
      },
      retire: (child) => {
        this.#retire(child);
      },
      drain: () => this.#drain(),
    });
    this.#maxQueued = options.maxQueued ?? Infinity;
    this.#timeout = options.timeout ?? null;
    this.#maxCalls = options.maxCallsPerChild ?? Infinity;
    this.#grace = options.exitGracePeriod ?? 10;
    if (!(this.#maxQueued >= 0)) throw new RangeError('maxQueued must be >= 0');
    if (this.#timeout !== null && !(this.#timeout > 0)) throw new RangeError('timeout must be > 0');
    if (!(this.#maxCalls >= 1)) throw new RangeError('maxCallsPerChild must be >= 1');
    this.#reactor = options.reactor ?? defaultReactor;
    this.#reaper = new IdleReaper<Child>(this.#reactor, options.maxIdle ?? null, {
      canReap: () => !this.#pool.stopping && this.#pool.members.size > this.#pool.min,
      reap: (child) => {
        this.#retire(child);
      },
    });
    this.#argv = [
      process.execPath,
      ...(options.execArgv ?? []),
      modulePath(options.childModule),
      ...(options.args ?? []),
    ];
    if (options.stopAtShutdown ?? true) {
      this.#trigger = this.#reactor.addSystemEventTrigger('before', 'shutdown', () => {
        this.#trigger = null;
        return this.stop();
      });
    }
  }

  /** Fewest children kept. */
  get min(): number {
    return this.#pool.min;
  }

  /** Most children at once. */
  get max(): number {
    return this.#pool.max;
  }

  /** Children taking calls now (busy and idle; not those retiring). */
  get children(): number {
    return this.#pool.members.size;
  }

  /** Children running a call now. */
  get busy(): number {
    return this.#pool.busy;
  }

  /** Calls waiting for a child. */
  get queued(): number {
    return this.#pool.queued;
  }

  /** The process ids of the children taking calls. */
  get pids(): number[] {
    const pids: number[] = [];
    for (const child of this.#pool.members)
      if (child.process?.pid != null) pids.push(child.process.pid);
    return pids;
  }

  /** Starts `min` children now rather than at the first call. */
  start(): void {
    this.#pool.dispatch();
  }

  /**
   * Sends `command` with `args` to an idle child: a Deferred of its typed
   * answer. Fails with the command's declared error classes,
   * `UnknownRemoteError`, {@link PoolChildCrashError},
   * {@link PoolCallTimeoutError}, {@link ProcessPoolFullError} or
   * `CancelledError`.
   *
   * @throws {TypeError} for a command that does not require an answer.
   * @throws {InvalidStateError} once the pool is stopping.
   */
  callRemote<C extends Command<ArgumentMap, ArgumentMap, true>>(
    command: C,
    args: ArgumentsOf<C>,
  ): Deferred<ResponseOf<C>> {
    if (!(command as Command).requiresAnswer) {
      throw new TypeError(`${command.name} requires no answer: a pool call needs one`);
    }
    const pool = this.#pool;
    if (pool.stopping) throw new InvalidStateError('The process pool is stopped');
    const job: Job = pool.newJob({ command, args });
    const canRunNow = pool.idle.length > 0 || pool.members.size < pool.max;
    if (!canRunNow && pool.queued >= this.#maxQueued) {
      return fail(new ProcessPoolFullError(this.#maxQueued));
    }
    pool.submit(job);
    return job.deferred as Deferred<ResponseOf<C>>;
  }

  /**
   * Changes the bounds: starts children for queued calls up to the new
   * `max` and for the new `min`; retires idle children above the new `max`
   * at once, busy ones when their call finishes.
   *
   * @throws {RangeError} if `min` > `max`, `max` < 1, or either is negative.
   */
  adjustPoolsize(min: number = this.#pool.min, max: number = this.#pool.max): void {
    this.#pool.adjust(min, max);
    this.#reaper.sweep(); // children that outstayed maxIdle while the old min kept them
  }

  /**
   * Stops the pool: new calls are refused; every call already submitted
   * (running or queued) runs to its end; then every child's stdin is closed
   * and the Deferred fires once all have exited. Idempotent.
   */
  stop(): Deferred<void> {
    if (this.#trigger !== null) {
      this.#reactor.removeSystemEventTrigger(this.#trigger);
      this.#trigger = null;
    }
    return this.#pool.stop();
  }

  // ----- children

  #spawn(): Child {
    const user = this.#options.locator;
    const own = new CommandLocator().respond(ChildReady, () => {
      child.ready = true;
      if (child.job !== null) this.#startTimer(child, child.job);
      return {};
    });
    const amp = new PoolAMP({
      locator: {
        locateResponder: (name: string): Responder | undefined =>
          own.locateResponder(name) ?? user?.locateResponder(name),
      },
    });
    const child: Child = {
      amp,
      process: null,
      job: null,
      calls: 0,
      timer: null,
      timedOut: false,
      ready: false,
      ended: null,
      whenEnded: new Deferred<void>(),
    };
    amp.onLost = (reason) => {
      this.#childEnded(child, reason);
    };
    this.#children.add(child);
    this.#pool.members.add(child);
    const adapter = new ProtocolProcessAdapter(amp, {
      stderr: this.#options.stderr ?? 'log',
      executable: this.#argv[2] ?? 'child',
    });
    child.process = this.#reactor.spawnProcess(adapter, process.execPath, this.#argv, {
      env: this.#options.env ?? null,
      ...(this.#options.path === undefined ? {} : { path: this.#options.path }),
    });
    return child;
  }

  #run(child: Child, job: Job): void {
    child.job = job;
    child.calls += 1;
    if (child.ready) this.#startTimer(child, job);
    const answer = child.amp.callRemote(job.command, job.args as never) as Deferred;
    answer.addCallbacks(
      (result) => {
        this.#answered(child, job, result, true);
      },
      (failure) => {
        if (child.ended !== null) return; // #childEnded has failed the job already
        // A declared, non-fatal error leaves the connection up; anything else closes it.
        const recoverable = Object.values(job.command.errors);
        const keep = recoverable.length > 0 && failure.check(...recoverable) !== null;
        this.#answered(child, job, failure, keep);
      },
    );
  }

  /** Times `job` on a ready `child`: past `timeout` the child is killed. */
  #startTimer(child: Child, job: Job): void {
    const timeout = this.#timeout;
    if (timeout === null || child.timer !== null) return;
    child.timer = this.#reactor.callLater(timeout, () => {
      child.timer = null;
      if (child.job !== job) return;
      child.timedOut = true;
      this.#kill(child);
    });
  }

  /** The child answered `job` (a result, or a Failure to pass on). */
  #answered(child: Child, job: Job, result: unknown, reusable: boolean): void {
    child.timer?.cancel();
    child.timer = null;
    child.job = null;
    const pool = this.#pool;
    if (!reusable || child.calls >= this.#maxCalls || pool.members.size > pool.max) {
      this.#retire(child);
    } else {
      this.#makeIdle(child);
    }
    if (!job.dropped && !job.deferred.called) {
      if (result instanceof Failure) job.deferred.errback(result);
      else job.deferred.callback(result);
    }
    pool.dispatch();
  }

  /** Puts `child` on the idle stack, timed for `maxIdle`. */
  #makeIdle(child: Child): void {
    this.#pool.idle.push(child);
    this.#reaper.idle(child);
  }

  /** Takes `child` out of service and closes its stdin: it exits; SIGKILL after the grace period. */
  #retire(child: Child): void {
    this.#pool.remove(child);
    this.#reaper.forget(child);
    if (child.ended !== null) return;
    child.process?.loseConnection();
    const killer = this.#reactor.callLater(this.#grace, () => {
      log.warn('A retired pool child did not exit within {grace} s; killing it', {
        grace: this.#grace,
      });
      this.#kill(child);
    });
    child.whenEnded.addCallback(() => {
      if (killer.active()) killer.cancel();
    });
  }

  #kill(child: Child): void {
    try {
      child.process?.signalProcess('KILL');
    } catch {
      // Exited already: its end is on its way.
    }
  }

  /** The child's process ended (and every pipe closed): fail its call, replace it. */
  #childEnded(child: Child, reason: Failure): void {
    child.ended = reason;
    child.timer?.cancel();
    child.timer = null;
    const wasLive = this.#pool.remove(child);
    this.#reaper.forget(child);
    this.#children.delete(child);
    const job = child.job;
    child.job = null;
    if (job !== null && !job.dropped && !job.deferred.called) {
      job.deferred.errback(this.#crashError(child, job, reason));
    }
    if (wasLive && !this.#pool.stopping && !child.timedOut) {
      log.warn('A pool child ended unexpectedly ({reason}); replacing it if needed', {
        reason: reason.getErrorMessage(),
      });
    }
    child.whenEnded.callback(undefined);
    // A child that could not even start would fail again: do not respawn it just to keep `min`.
    this.#pool.dispatch(reason.check(ProcessSpawnError) === null);
  }

  #crashError(child: Child, job: Job, reason: Failure): Error {
    if (child.timedOut && this.#timeout !== null) {
      return new PoolCallTimeoutError(this.#timeout, job.command.name, { cause: reason.value });
    }
    const value = reason.value;
    if (value instanceof ProcessTerminated) {
      return new PoolChildCrashError(value.exitCode, value.signal, { cause: value });
    }
    return new PoolChildCrashError(0, null, { cause: value });
  }

  /** Stopping and nothing is left to run: retires every child; settles once all exited. */
  #drain(): Promise<unknown> {
    for (const child of [...this.#pool.members]) this.#retire(child);
    return Promise.all([...this.#children].map((child) => child.whenEnded.asPromise()));
  }
}
