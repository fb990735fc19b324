/**
 * A three-phase system event (Twisted's `_ThreePhaseEvent`): before-triggers,
 * whose Deferreds are waited for, then during- and after-triggers.
 *
 * @internal
 */
import { Deferred, maybeDeferred } from './defer.js';
import { DeferredList } from './deferred-list.js';
import type { IReactorTime, SystemEventPhase, TriggerId } from './interfaces/reactor.js';
import type { Logger } from './logger.js';

/** A registered trigger; its identity is its id. */
export interface Trigger extends TriggerId {
  readonly fn: (...args: never[]) => unknown;
  readonly args: readonly unknown[];
}

const PHASES: readonly SystemEventPhase[] = ['before', 'during', 'after'];

/** Checks a phase name given at run time. */
export function checkPhase(phase: string): asserts phase is SystemEventPhase {
  if (!PHASES.includes(phase as SystemEventPhase)) {
    throw new RangeError(`Unknown system event phase ${JSON.stringify(phase)}`);
  }
}

/** Bounds the wait for before-triggers' Deferreds. */
export interface BeforeTimeout {
  readonly seconds: number;
  readonly clock: Pick<IReactorTime, 'callLater'>;
}

/** @internal */
export class ThreePhaseEvent {
  readonly #name: string;
  readonly #log: Logger;
  readonly #triggers: Record<SystemEventPhase, Trigger[]> = { before: [], during: [], after: [] };
  /** Before-triggers already run in the current firing (removing them is a no-op). */
  #finishedBefore: Trigger[] = [];
  #firing = false;

  constructor(name: string, log: Logger) {
    this.#name = name;
    this.#log = log;
  }

  add(phase: SystemEventPhase, fn: (...args: never[]) => unknown, args: unknown[]): Trigger {
    checkPhase(phase);
    const trigger: Trigger = { event: this.#name, phase, fn, args };
    this.#triggers[phase].push(trigger);
    return trigger;
  }

  remove(id: TriggerId): void {
    checkPhase(id.phase);
    const list = this.#triggers[id.phase];
    const i = list.indexOf(id as Trigger);
    if (i >= 0) {
      list.splice(i, 1);
      return;
    }
    if (this.#firing && id.phase === 'before' && this.#finishedBefore.includes(id as Trigger)) {
      return; // already ran in this firing: nothing left to remove
    }
    throw new RangeError(`System event trigger not registered for ${this.#name}/${id.phase}`);
  }

  #call(trigger: Trigger): unknown {
    try {
      return (trigger.fn as (...a: unknown[]) => unknown)(...trigger.args);
    } catch (e) {
      this.#log.failure('Error in {phase}-{event} system event trigger', e, {
        phase: trigger.phase,
        event: this.#name,
      });
      return undefined;
    }
  }

  /**
   * Runs the before-triggers, waits for the Deferreds and promises they
   * return (at most `timeout.seconds`, if given), then runs the during- and
   * after-triggers. Triggers are consumed as they run. The returned Deferred
   * fires when the after-triggers have run.
   */
  fire(timeout?: BeforeTimeout): Deferred<void> {
    this.#firing = true;
    this.#finishedBefore = [];
    const waits: Deferred[] = [];
    const before = this.#triggers.before;
    for (let t = before.shift(); t !== undefined; t = before.shift()) {
      this.#finishedBefore.push(t);
      const result = this.#call(t);
      if (result !== null && typeof result === 'object' && 'then' in result) {
        waits.push(
          maybeDeferred(() => result as PromiseLike<unknown>).addErrback((f) => {
            this.#log.failure('Error in before-{event} system event trigger', f, {
              event: this.#name,
            });
          }),
        );
      }
    }
    const done = new Deferred<void>();
    let continued = false;
    const proceed = (): void => {
      if (continued) return;
      continued = true;
      this.#continue();
      done.callback(undefined);
    };
    if (waits.length === 0) {
      proceed();
      return done;
    }
    const all = new DeferredList(waits);
    if (timeout !== undefined) {
      const call = timeout.clock.callLater(timeout.seconds, () => {
        this.#log.warn(
          'before-{event} triggers did not finish within {seconds} seconds; continuing',
          { event: this.#name, seconds: timeout.seconds },
        );
        proceed();
      });
      all.addCallback(() => {
        if (call.active()) call.cancel();
      });
    }
    all.addCallback(proceed);
    return done;
  }

  #continue(): void {
    this.#firing = false;
    this.#finishedBefore = [];
    for (const phase of ['during', 'after'] as const) {
      const list = this.#triggers[phase];
      for (let t = list.shift(); t !== undefined; t = list.shift()) this.#call(t);
    }
  }
}
