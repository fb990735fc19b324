/**
 * `HostedReactor`: a reactor that a foreign loop drives, the way Twisted's
 * GUI reactors are driven by the GUI's own loop.
 *
 * The reactor never waits on its own. Its host — a game loop, a GUI loop, a
 * worker's message loop, a test harness — calls {@link HostedReactor.iterate}
 * whenever it likes (every frame, every tick, when woken), and asks
 * {@link HostedReactor.timeout} (or listens through `onWakeup`) how long it may
 * wait before the next call is due.
 *
 * @module
 */
import { ReactorBase } from '../../src/core/reactor-base.js';

/** Options of {@link HostedReactor}. */
export interface HostedReactorOptions {
  /**
   * The host's clock, in seconds (a float, never going backwards). Default:
   * `performance.now() / 1000`. A fixed-step game loop passes its simulated
   * time here, so the reactor's delayed calls run on game time.
   */
  readonly now?: () => number;
  /**
   * Told whenever the reactor's next deadline may have changed: call
   * `iterate()` within `delaySeconds` (0: as soon as convenient), or `null`
   * when nothing is scheduled. Hosts that poll every frame can ignore it; a
   * host that sleeps (a worker waiting for messages, an idle GUI loop)
   * re-arms its own timer here. It may be called from inside `iterate()` and
   * from any `callLater` or `cancel`, so it must only record the wish, never
   * call back into the reactor.
   */
  readonly onWakeup?: (delaySeconds: number | null) => void;
}

function defaultNow(): number {
  return performance.now() / 1000;
}

/**
 * A reactor with no loop of its own: the host calls `iterate()`.
 *
 * Everything a reactor does is here — `callLater` and the delayed-call
 * queue, system event triggers, `run()`/`stop()` with before/during/after
 * shutdown — only the waiting is the host's. An iteration runs the delayed
 * calls due at its start (calls they schedule for "now" wait for the next
 * iteration, so a `callLater(0)` loop cannot starve the host), then finishes
 * a requested stop.
 *
 * Bounded work per iteration: only calls already due when `iterate()` starts
 * run, so one host frame never spins forever inside the reactor.
 *
 * @example
 * ```ts
 * import { HostedReactor } from 'weft/adapters/loops';
 *
 * // A fixed-step game loop: 60 ticks a second of simulated time.
 * let gameTime = 0;
 * const reactor = new HostedReactor({ now: () => gameTime });
 * reactor.callLater(0.5, () => console.log('half a second of game time later'));
 * for (let tick = 0; tick < 60; tick++) {
 *   gameTime += 1 / 60;
 *   reactor.iterate();
 * }
 * ```
 */
export class HostedReactor extends ReactorBase {
  readonly #now: () => number;
  readonly #onWakeup: ((delaySeconds: number | null) => void) | undefined;
  #wakeup: number | null = null;

  constructor(options: HostedReactorOptions = {}) {
    super();
    this.#now = options.now ?? defaultNow;
    this.#onWakeup = options.onWakeup;
  }

  /** The host's current time, in seconds. */
  seconds(): number {
    return this.#now();
  }

  /**
   * The delay, in seconds, last asked of the host (see
   * {@link HostedReactorOptions.onWakeup}): `0` after `stop()`, the time to the
   * soonest delayed call otherwise, `null` when nothing is scheduled.
   */
  get wakeup(): number | null {
    return this.#wakeup;
  }

  /**
   * One turn of the reactor, for the host: runs the delayed calls that are
   * due now, then, if `stop()` was called, the shutdown event. Returns the
   * seconds until the reactor next needs a turn, or `null` if nothing is
   * scheduled (the same value as {@link HostedReactor.wakeup}).
   */
  override iterate(): number | null {
    super.iterate();
    return this.#wakeup;
  }

  /**
   * Calls `iterate()` while something is due at the host's current time —
   * calls that earlier calls scheduled with `callLater(0)`, a requested
   * shutdown — at most `maxIterations` times (default 1,000), so a host can
   * settle the reactor before sleeping without risking an endless frame.
   * Returns the number of iterations run.
   */
  runPending(maxIterations: number = 1000): number {
    let n = 0;
    while (n < maxIterations && (this.#wakeup === 0 || this.timeout() === 0)) {
      this.iterate();
      n += 1;
    }
    return n;
  }

  protected scheduleWakeup(delaySeconds: number | null): void {
    this.#wakeup = delaySeconds;
    this.#onWakeup?.(delaySeconds);
  }
}
