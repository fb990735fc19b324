/**
 * The scheduling `WorkerPool` and `ProcessPool` share: bounds, the FIFO
 * queue of calls, idle members, dispatching, and the stop that lets every
 * submitted call finish. Internal: not exported from `weft/node`.
 *
 * @module
 */
import { Deferred } from '../core/defer.js';

/** A submitted call as the queue sees it. */
export interface PoolJob {
  /** Fires with the call's answer; cancelling it takes a queued call off the queue. */
  readonly deferred: Deferred;
  /** Cancelled while running: its answer is dropped. */
  dropped: boolean;
}

/** What a pool does with its members (worker threads, child processes) for {@link PoolQueue}. */
export interface PoolHooks<S, J extends PoolJob> {
  /** Starts a member; it must be added to {@link PoolQueue.members} before this returns. */
  spawn(): S;
  /** Hands `job` to `slot`, which is not idle. */
  run(slot: S, job: J): void;
  /** Marks `slot` idle (pushes it on {@link PoolQueue.idle}). */
  park(slot: S): void;
  /** Takes `slot` out of service (it must leave {@link PoolQueue.members}) and ends it. */
  retire(slot: S): void;
  /** Stopping, and every call has run: ends every member; settles once all are gone. */
  drain(): Promise<unknown>;
}

/** Throws unless `0 <= min <= max`, `max >= 1`, both whole numbers. */
export function checkSizes(min: number, max: number): void {
  if (!(Number.isInteger(min) && Number.isInteger(max) && min >= 0 && max >= 1 && min <= max)) {
    throw new RangeError(
      `Pool sizes need 0 <= min <= max and max >= 1, got min ${String(min)}, max ${String(max)}`,
    );
  }
}

/**
 * A bounded pool's queue and members: calls wait in FIFO order for an idle
 * member, members are started on demand up to `max` and kept down to
 * `min`, and {@link PoolQueue.stop} fires once every submitted call has run
 * and every member is gone.
 */
export class PoolQueue<S, J extends PoolJob> {
  /** Members taking calls (busy or idle). */
  readonly members: Set<S> = new Set<S>();
  /** Members waiting for a call. */
  readonly idle: S[] = [];
  #min: number;
  #max: number;
  readonly #queue: J[] = [];
  readonly #hooks: PoolHooks<S, J>;
  #stopping: Deferred<void> | null = null;
  #stopped = false;

  /** @throws {RangeError} for bad sizes (see {@link checkSizes}). */
  constructor(min: number, max: number, hooks: PoolHooks<S, J>) {
    checkSizes(min, max);
    this.#min = min;
    this.#max = max;
    this.#hooks = hooks;
  }

  /** Fewest members kept. */
  get min(): number {
    return this.#min;
  }

  /** Most members at once. */
  get max(): number {
    return this.#max;
  }

  /** Members running a call now. */
  get busy(): number {
    return this.members.size - this.idle.length;
  }

  /** Calls waiting for a member. */
  get queued(): number {
    return this.#queue.length;
  }

  /** Whether {@link PoolQueue.stop} was called. */
  get stopping(): boolean {
    return this.#stopping !== null;
  }

  /**
   * `fields` made a job: not dropped, with a Deferred whose cancel takes the
   * job off the queue if it waits there, or drops its answer if it runs.
   */
  newJob<F extends object>(fields: F): F & PoolJob {
    const job: F & PoolJob = {
      ...fields,
      dropped: false,
      deferred: new Deferred<unknown>(() => {
        const at = (this.#queue as PoolJob[]).indexOf(job);
        if (at >= 0) {
          this.#queue.splice(at, 1);
          this.drainIfDone();
        } else {
          job.dropped = true;
        }
      }),
    };
    return job;
  }

  /** Queues `job` and runs it if a member is free or may be started. */
  submit(job: J): void {
    this.#queue.push(job);
    this.dispatch();
  }

  /**
   * Changes the bounds: retires idle members above the new `max` at once,
   * then starts members for queued calls and for the new `min`.
   *
   * @throws {RangeError} for bad sizes (see {@link checkSizes}).
   */
  adjust(min: number, max: number): void {
    checkSizes(min, max);
    this.#min = min;
    this.#max = max;
    while (this.members.size > max && this.idle.length > 0)
      this.#hooks.retire(this.idle.pop() as S);
    this.dispatch();
  }

  /** Refuses nothing itself; fires once every submitted call has run and every member is gone. Idempotent. */
  stop(): Deferred<void> {
    if (this.#stopping === null) {
      this.#stopping = new Deferred<void>();
      this.drainIfDone();
    }
    const d = new Deferred<void>();
    this.#stopping.addCallback(() => {
      d.callback(undefined);
    });
    return d;
  }

  /**
   * Hands queued calls to idle members, starting members up to `max`; then,
   * unless stopping or `keepMin` is false, starts members up to `min`.
   */
  dispatch(keepMin = true): void {
    const hooks = this.#hooks;
    while (this.#queue.length > 0) {
      let slot = this.idle.pop();
      if (slot === undefined) {
        if (this.members.size >= this.#max) break;
        slot = hooks.spawn();
      }
      hooks.run(slot, this.#queue.shift() as J);
    }
    if (this.#stopping === null && keepMin) {
      while (this.members.size < this.#min) hooks.park(hooks.spawn());
    }
    this.drainIfDone();
  }

  /** Takes `slot` out of the members and the idle list; whether it was a member. */
  remove(slot: S): boolean {
    const was = this.members.delete(slot);
    const at = this.idle.indexOf(slot);
    if (at >= 0) this.idle.splice(at, 1);
    return was;
  }

  /** Once stopping and nothing is left to run: drain the members, then fire. */
  drainIfDone(): void {
    const stopping = this.#stopping;
    if (stopping === null || this.#stopped || this.#queue.length > 0 || this.busy > 0) return;
    this.#stopped = true;
    void this.#hooks.drain().then(() => {
      stopping.callback(undefined);
    });
  }
}
