/**
 * `IdleReaper`: the idle timeout of a pool (Ampoule's `maxIdle`), shared by
 * `ProcessPool` (children) and `WorkerPool` (worker threads): each
 * member that goes idle is timed on the pool's clock, and once it has been
 * idle for `maxIdle` seconds the pool is asked to stop it, unless that
 * would leave fewer than `min` members.
 *
 * Kept apart from the pool's scheduling: the pool only says when a member
 * goes idle ({@link IdleReaper.idle}) and when it stops being idle
 * ({@link IdleReaper.forget}: it took a call, was retired or ended).
 *
 * @module
 */
import type { IDelayedCall, IReactorTime } from '../core/interfaces/reactor.js';

/** What the reaper asks of its pool. */
export interface IdleReaperHost<M> {
  /** Whether a member may be stopped now without going below `min`. */
  canReap(): boolean;
  /** Stops the idle member `member` (the pool retires it, which calls `forget`). */
  reap(member: M): void;
}

/**
 * Times idle members and stops those idle longer than `maxIdle` seconds.
 *
 * Unlike Ampoule, which sweeps every `maxIdle` seconds (so a member may
 * stay idle for up to twice that), each member has its own timer: it is
 * stopped `maxIdle` seconds after it went idle, to the tick of the clock.
 * A member that expires while the pool is at `min` is kept and remembered;
 * {@link IdleReaper.sweep} (called when `min` is lowered) stops those.
 */
export class IdleReaper<M> {
  readonly #clock: IReactorTime;
  readonly #maxIdle: number | null;
  readonly #host: IdleReaperHost<M>;
  /** Idle members and their timers; `null` once expired but kept for `min`. */
  readonly #timers = new Map<M, IDelayedCall | null>();

  /**
   * @param clock - the pool's clock (a `Clock` in tests).
   * @param maxIdle - seconds a member may stay idle; `null` never stops one.
   * @throws {RangeError} if `maxIdle` is not a positive number.
   */
  constructor(clock: IReactorTime, maxIdle: number | null, host: IdleReaperHost<M>) {
    if (maxIdle !== null && !(maxIdle > 0)) throw new RangeError('maxIdle must be > 0');
    this.#clock = clock;
    this.#maxIdle = maxIdle;
    this.#host = host;
  }

  /** How many members are being timed or have expired. */
  get size(): number {
    return this.#timers.size;
  }

  /** `member` has just gone idle: start its timer (restarting any it had). */
  idle(member: M): void {
    const maxIdle = this.#maxIdle;
    if (maxIdle === null) return;
    this.#timers.get(member)?.cancel();
    this.#timers.set(
      member,
      this.#clock.callLater(maxIdle, () => {
        this.#timers.set(member, null);
        this.#expire(member);
      }),
    );
  }

  /** `member` is no longer idle (it took a call, was retired or ended): stop timing it. */
  forget(member: M): void {
    const timer = this.#timers.get(member);
    if (timer === undefined) return;
    this.#timers.delete(member);
    if (timer?.active() === true) timer.cancel();
  }

  /** Stops the members that expired while the pool was at `min`, as far as `min` now allows. */
  sweep(): void {
    for (const [member, timer] of [...this.#timers]) {
      if (timer === null) this.#expire(member);
    }
  }

  #expire(member: M): void {
    if (this.#host.canReap()) {
      this.forget(member);
      this.#host.reap(member);
    }
  }
}
