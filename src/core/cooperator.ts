/**
 * `Cooperator`: runs many iterators a step at a time, round-robin, in time
 * slices, so long computations share the reactor (Twisted's
 * `twisted.internet.task.Cooperator`).
 *
 * @module
 */
import { Deferred } from './defer.js';
import {
  NotPaused,
  SchedulerStopped,
  TaskDone,
  TaskFailed,
  TaskStopped,
  type SchedulerError,
} from './errors.js';
import { Failure } from './failure.js';
import { getGlobalReactor } from './global-reactor.js';
import type { IReactorTime } from './interfaces/reactor.js';

/** What {@link Cooperator.cooperate} accepts: an iterator (a generator object) or an iterable. */
export type CooperativeIterator = Iterator<unknown> | Iterable<unknown>;

/**
 * Schedules one tick of a {@link Cooperator}: calls `tick` later and returns
 * something that can cancel that (an `IDelayedCall` does).
 */
export type CooperatorScheduler = (tick: () => void) => { cancel(): void };

/**
 * Makes, at the start of each tick, a predicate that says when the tick has
 * used its time: it is asked after every step and the tick ends when it
 * returns true.
 */
export type TerminationPredicateFactory = () => () => boolean;

/** Options of {@link Cooperator}. */
export interface CooperatorOptions {
  /**
   * The time source for time slices and the default scheduler. Unset: the
   * global reactor, looked up when first needed.
   */
  readonly clock?: IReactorTime | undefined;
  /**
   * Seconds of work per tick (default 0.01), measured with `clock.seconds()`.
   * 0 makes each tick a single step. With a `Clock`, time moves during a tick
   * only if the steps advance it, so one tick runs every task until each
   * finishes or waits.
   */
  readonly timeSlice?: number | undefined;
  /** Replaces the time-slice rule (Twisted's hook, for tests and special policies). */
  readonly terminationPredicateFactory?: TerminationPredicateFactory | undefined;
  /** Replaces the default scheduler, `(tick) => clock.callLater(0, tick)`. */
  readonly scheduler?: CooperatorScheduler | undefined;
  /** Whether ticks run from the start (default true), or only after {@link Cooperator.start}. */
  readonly started?: boolean | undefined;
}

/** Is `value` something whose settling a task should wait for? */
function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    value !== null &&
    (typeof value === 'object' || typeof value === 'function') &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

// Private access between the two classes, bound in their static blocks (as
// `followDeferred` in defer.ts): users see only the public methods.
let taskStep: (task: CooperativeTask) => void;
let taskFinished: (task: CooperativeTask) => boolean;
let taskComplete: (task: CooperativeTask, state: SchedulerError, result: Failure) => void;
let cooperatorAdd: (c: Cooperator, task: CooperativeTask) => void;
let cooperatorRemove: (c: Cooperator, task: CooperativeTask) => void;
let cooperatorForget: (c: Cooperator, task: CooperativeTask, wasActive: boolean) => void;

function toIterator(source: CooperativeIterator): Iterator<unknown> {
  if (typeof (source as Partial<Iterator<unknown>>).next === 'function') {
    return source as Iterator<unknown>;
  }
  const iterable = source as Partial<Iterable<unknown>>;
  if (typeof iterable[Symbol.iterator] === 'function') {
    return (iterable as Iterable<unknown>)[Symbol.iterator]();
  }
  throw new TypeError('cooperate() needs an iterator or an iterable');
}

/**
 * One iterator running in a {@link Cooperator}: it can be paused, resumed and
 * stopped, and its end waited for.
 *
 * Made by {@link Cooperator.cooperate}; never constructed directly.
 *
 * ```
 *  runnable ──pause() / waiting on a yielded Deferred──► paused
 *     │   ◄────────── resume() brings the count to 0 ───────┘ │
 *     ▼                                                        ▼
 *  finished (TaskDone | TaskFailed | TaskStopped | SchedulerStopped)
 * ```
 * A task finishes when `next()` says done (TaskDone), throws or yields a
 * Deferred that fails (TaskFailed), on `stop()` (TaskStopped), or when the
 * Cooperator stops (SchedulerStopped); later `pause()` and `stop()` throw
 * that error.
 *
 * @typeParam I - the iterator (or iterable) given to `cooperate`.
 */
export class CooperativeTask<I extends CooperativeIterator = CooperativeIterator> {
  readonly #source: I;
  readonly #iterator: Iterator<unknown>;
  readonly #cooperator: Cooperator;
  #waiting: Deferred<I>[] = [];
  #pauseCount = 0;
  /** Why the task is over (thrown by later `pause`/`stop`), or null while it is not. */
  #state: SchedulerError | null = null;
  #result: I | Failure | undefined = undefined;

  /**
   * @internal Use {@link Cooperator.cooperate}.
   * @throws {TypeError} if `source` is neither an iterator nor an iterable.
   */
  constructor(source: I, cooperator: Cooperator) {
    this.#source = source;
    this.#iterator = toIterator(source);
    this.#cooperator = cooperator;
  }

  static {
    taskStep = (task) => {
      task.#oneWorkUnit();
    };
    taskFinished = (task) => task.#state !== null;
    taskComplete = (task, state, result) => {
      task.#completeWith(state, result);
    };
  }

  /**
   * A new Deferred for the end of the task: it fires with the iterator (as
   * given to `cooperate`) once it is exhausted, or fails with the error its
   * `next()` threw or a Deferred it yielded failed with, with
   * {@link TaskStopped} after `stop()`, or with {@link SchedulerStopped} after
   * the Cooperator's `stop()`. Each call returns a separate Deferred.
   */
  whenDone(): Deferred<I> {
    const d = new Deferred<I>();
    if (this.#state === null) this.#waiting.push(d);
    else d.callback(this.#result as I | Failure);
    return d;
  }

  /**
   * Stops taking steps until {@link CooperativeTask.resume}; counted, so two
   * pauses need two resumes.
   *
   * @throws {TaskFinished} (the subclass saying how) if the task is over.
   */
  pause(): void {
    this.#checkFinish();
    this.#pauseCount += 1;
    if (this.#pauseCount === 1) cooperatorRemove(this.#cooperator, this);
  }

  /**
   * Undoes one {@link CooperativeTask.pause}. Steps start again at the next
   * tick, not during this call. On a task that is over it does nothing.
   *
   * @throws {NotPaused} if the task is not paused.
   */
  resume(): void {
    if (this.#pauseCount === 0) throw new NotPaused();
    this.#pauseCount -= 1;
    if (this.#pauseCount === 0 && this.#state === null) cooperatorAdd(this.#cooperator, this);
  }

  /**
   * Ends the task: no more steps; {@link CooperativeTask.whenDone} Deferreds
   * fail with {@link TaskStopped}. A Deferred the task is waiting on is left
   * alone (not cancelled); its result is ignored.
   *
   * @throws {TaskFinished} (the subclass saying how) if the task is over.
   */
  stop(): void {
    this.#checkFinish();
    const error = new TaskStopped();
    this.#completeWith(error, new Failure(error));
  }

  #checkFinish(): void {
    if (this.#state !== null) throw this.#state;
  }

  #completeWith(state: SchedulerError, result: I | Failure): void {
    this.#state = state;
    this.#result = result;
    cooperatorForget(this.#cooperator, this, this.#pauseCount === 0);
    // Fire only now that the Cooperator has forgotten the task: a callback may
    // stop the Cooperator or add tasks, and must not find this one still there.
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const d of waiting) d.callback(result);
  }

  /** One step: `next()`, then finish, fail, or wait on what was yielded. */
  #oneWorkUnit(): void {
    let step: IteratorResult<unknown>;
    try {
      step = this.#iterator.next();
    } catch (e) {
      this.#completeWith(new TaskFailed(), Failure.from(e));
      return;
    }
    // The step may have stopped this task (or the Cooperator) itself.
    if (this.#state !== null) return;
    if (step.done === true) {
      this.#completeWith(new TaskDone(), this.#source);
      return;
    }
    const value = step.value;
    if (value instanceof Deferred || isThenable(value)) {
      const d: Deferred = value instanceof Deferred ? value : Deferred.fromPromise(value);
      this.pause();
      d.addCallbacks(
        () => {
          this.resume();
        },
        (failure) => {
          // Stopped meanwhile: the task's outcome is already decided; drop this one.
          if (this.#state === null) this.#completeWith(new TaskFailed(), failure);
        },
      );
    }
  }
}

/**
 * A cooperative task scheduler: runs iterators, each step of which is one
 * unit of work, sharing time between them (Twisted's `Cooperator`).
 *
 * - Each tick takes one step from each runnable task in turn (round-robin,
 *   continuing next tick where this one stopped) until the time slice is
 *   used, then schedules the next tick; nothing runs while no task is
 *   runnable.
 * - A step that yields a Deferred or a promise pauses its task until that
 *   settles; a failure ends the task with that error.
 * - {@link Cooperator.stop} fails every unfinished task with
 *   {@link SchedulerStopped}; tasks added afterwards fail at once.
 *
 * @example
 * ```ts
 * const clock = new Clock();
 * const coop = new Cooperator({ clock });
 * const seen: number[] = [];
 * function* count() {
 *   for (let i = 0; i < 3; i++) yield seen.push(i);
 * }
 * const d = coop.coiterate(count());
 * clock.advance(0); // runs the ticks due now: d fires with the generator
 * ```
 */
export class Cooperator {
  /** Runnable tasks: not paused, not finished. Round-robin order. */
  readonly #active: CooperativeTask[] = [];
  /** Where the next step is taken from in `#active`. */
  #cursor = 0;
  /** Every unfinished task, paused or not, so `stop()` reaches them all. */
  readonly #live = new Set<CooperativeTask>();
  readonly #clock: IReactorTime | undefined;
  readonly #timeSlice: number;
  readonly #terminationPredicateFactory: TerminationPredicateFactory | undefined;
  readonly #scheduler: CooperatorScheduler | undefined;
  #delayedCall: { cancel(): void } | null = null;
  #started: boolean;
  #stopped = false;
  #mustScheduleOnStart = false;
  #ticking = false;

  constructor(options: CooperatorOptions = {}) {
    this.#clock = options.clock;
    this.#timeSlice = options.timeSlice ?? 0.01;
    if (!(this.#timeSlice >= 0)) {
      throw new RangeError(`timeSlice must be >= 0, got ${String(this.#timeSlice)}`);
    }
    this.#terminationPredicateFactory = options.terminationPredicateFactory;
    this.#scheduler = options.scheduler;
    this.#started = options.started ?? true;
  }

  static {
    cooperatorAdd = (c, task) => {
      c.#add(task);
    };
    cooperatorRemove = (c, task) => {
      c.#remove(task);
    };
    cooperatorForget = (c, task, wasActive) => {
      c.#live.delete(task);
      if (wasActive) c.#remove(task);
    };
  }

  /** Whether ticks run: started and not stopped. */
  get running(): boolean {
    return this.#started && !this.#stopped;
  }

  /**
   * Adds `iterator` as a task; its steps start at the next tick.
   *
   * @throws {TypeError} if `iterator` is neither an iterator nor an iterable.
   */
  cooperate<I extends CooperativeIterator>(iterator: I): CooperativeTask<I> {
    const task = new CooperativeTask(iterator, this);
    this.#live.add(task);
    if (this.#stopped) {
      const error = new SchedulerStopped();
      taskComplete(task, error, new Failure(error));
    } else {
      this.#add(task);
    }
    return task;
  }

  /**
   * Like {@link Cooperator.cooperate}, but returns only the task's
   * {@link CooperativeTask.whenDone} Deferred.
   */
  coiterate<I extends CooperativeIterator>(iterator: I): Deferred<I> {
    return this.cooperate(iterator).whenDone();
  }

  /** Starts ticking (after `started: false`, or again after `stop()`). */
  start(): void {
    this.#stopped = false;
    this.#started = true;
    if (this.#mustScheduleOnStart) {
      this.#mustScheduleOnStart = false;
      this.#reschedule();
    }
  }

  /**
   * Stops ticking and fails every unfinished task, paused or not, with
   * {@link SchedulerStopped}; tasks added until the next `start()` fail at
   * once.
   */
  stop(): void {
    this.#stopped = true;
    // A copy: completing a task removes it, and its callbacks may add tasks (which fail at once).
    for (const task of [...this.#live]) {
      if (!taskFinished(task)) {
        const error = new SchedulerStopped();
        taskComplete(task, error, new Failure(error));
      }
    }
    this.#active.length = 0;
    this.#cursor = 0;
    this.#cancelTick();
  }

  #add(task: CooperativeTask): void {
    this.#active.push(task);
    this.#reschedule();
  }

  #remove(task: CooperativeTask): void {
    const i = this.#active.indexOf(task);
    if (i < 0) return;
    this.#active.splice(i, 1);
    if (i < this.#cursor) this.#cursor -= 1;
    // Nothing left to run: leave nothing scheduled (tests check the clock is empty).
    if (this.#active.length === 0) this.#cancelTick();
  }

  #cancelTick(): void {
    if (this.#delayedCall !== null) {
      this.#delayedCall.cancel();
      this.#delayedCall = null;
    }
  }

  #getClock(): IReactorTime {
    return this.#clock ?? getGlobalReactor();
  }

  #reschedule(): void {
    if (!this.#started) {
      this.#mustScheduleOnStart = true;
      return;
    }
    // While ticking, the tick reschedules itself when it ends.
    if (this.#delayedCall !== null || this.#ticking || this.#active.length === 0) return;
    const tick = (): void => {
      this.#tick();
    };
    this.#delayedCall =
      this.#scheduler === undefined ? this.#getClock().callLater(0, tick) : this.#scheduler(tick);
  }

  #newTerminationPredicate(): () => boolean {
    if (this.#terminationPredicateFactory !== undefined) return this.#terminationPredicateFactory();
    const clock = this.#getClock();
    const end = clock.seconds() + this.#timeSlice;
    return () => clock.seconds() >= end;
  }

  /** One tick: steps from the runnable tasks in turn until the slice is used or none is left. */
  #tick(): void {
    this.#delayedCall = null;
    // No tick is scheduled while this one runs (see #reschedule), so a step
    // that advances a test Clock cannot run a tick inside this one.
    this.#ticking = true;
    try {
      const done = this.#newTerminationPredicate();
      const active = this.#active;
      while (active.length > 0) {
        if (this.#cursor >= active.length) this.#cursor = 0;
        const task = active[this.#cursor] as CooperativeTask;
        this.#cursor += 1;
        taskStep(task);
        if (done()) break;
      }
    } finally {
      this.#ticking = false;
      if (!this.#stopped) this.#reschedule();
    }
  }
}

/** One Cooperator per clock, for the module-level {@link cooperate} and {@link coiterate}. */
const sharedCooperators = new WeakMap<IReactorTime, Cooperator>();

function sharedCooperator(clock: IReactorTime): Cooperator {
  let coop = sharedCooperators.get(clock);
  if (coop === undefined) {
    coop = new Cooperator({ clock });
    sharedCooperators.set(clock, coop);
  }
  return coop;
}

/**
 * Runs `iterator` as a task of the shared Cooperator of `clock` (default: the
 * global reactor), so it shares time with every other task given to it.
 *
 * @throws {ReactorNotInstalledError} if no clock is given and no global
 *   reactor is installed.
 */
export function cooperate<I extends CooperativeIterator>(
  iterator: I,
  clock?: IReactorTime,
): CooperativeTask<I> {
  return sharedCooperator(clock ?? getGlobalReactor()).cooperate(iterator);
}

/**
 * Iterates `iterator` cooperatively on the shared Cooperator of `clock`
 * (default: the global reactor); the Deferred fires with the iterator when it
 * is exhausted, or fails as {@link CooperativeTask.whenDone} does.
 *
 * @example
 * ```ts
 * const handle = (item: string) => console.log(item);
 * function* work(items: string[]) {
 *   for (const item of items) yield handle(item); // one item per step
 * }
 * await coiterate(work(['a', 'b', 'c']));
 * ```
 *
 * @throws {ReactorNotInstalledError} if no clock is given and no global
 *   reactor is installed.
 */
export function coiterate<I extends CooperativeIterator>(
  iterator: I,
  clock?: IReactorTime,
): Deferred<I> {
  return cooperate(iterator, clock).whenDone();
}
