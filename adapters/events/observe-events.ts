/**
 * Events as an Observable, without depending on RxJS: a minimal
 * interoperable Observable (`subscribe` + `@@observable`) that RxJS's
 * `from()` — and any library reading the Observable interop protocol —
 * accepts.
 *
 * @module
 */
import { listen, remove, type EmitterLike, type Listener } from './emitter-like.js';

/** Options of {@link observeEvents}. */
export interface ObserveEventsOptions {
  /** Events that complete the subscription (e.g. `'end'`, `'close'`). */
  readonly close?: readonly (string | symbol)[];
  /** The event that errors the subscription with its first argument. Default `'error'`; `null`: none. */
  readonly errorEvent?: string | symbol | null;
}

/** What {@link EventObservable.subscribe} takes: any of the three callbacks. */
export interface EventObserver<A> {
  /** Called with each event's arguments. */
  next?(args: A): void;
  /** Called once with the error event's first argument; the listeners are gone by then. */
  error?(error: unknown): void;
  /** Called once when a close event is emitted; the listeners are gone by then. */
  complete?(): void;
}

/** The handle {@link EventObservable.subscribe} returns. */
export interface EventSubscription {
  /** Removes the listeners (idempotent). */
  unsubscribe(): void;
  /** Whether it ended: unsubscribed, errored or completed. */
  readonly closed: boolean;
}

/**
 * An emitter's events as a cold Observable (see {@link observeEvents}).
 * Implements the Observable interop protocol (`[Symbol.observable]` when
 * the runtime defines it, and RxJS's string fallback `'@@observable'`), so
 * `from(events)` in RxJS 7 makes an RxJS Observable of it.
 */
export class EventObservable<A extends unknown[] = unknown[]> {
  readonly #emitter: EmitterLike;
  readonly #event: string | symbol;
  readonly #close: readonly (string | symbol)[];
  readonly #errorEvent: string | symbol | null;

  constructor(emitter: EmitterLike, event: string | symbol, options: ObserveEventsOptions = {}) {
    this.#emitter = emitter;
    this.#event = event;
    this.#close = options.close ?? [];
    this.#errorEvent =
      options.errorEvent === undefined
        ? 'error'
        : options.errorEvent === event
          ? null
          : options.errorEvent;
  }

  /**
   * Adds the listeners; each event's arguments go to `next` (an array, as
   * `iterateEvents` yields them). A close event calls `complete`, the error
   * event `error`; either way, as on `unsubscribe()`, every listener is
   * removed before the callback runs. A callback that throws throws out of
   * the emitter's `emit`, as a listener would.
   */
  subscribe(observer: EventObserver<A> | ((args: A) => void) = {}): EventSubscription {
    const o: EventObserver<A> = typeof observer === 'function' ? { next: observer } : observer;
    const emitter = this.#emitter;
    const event = this.#event;
    const close = this.#close;
    const errorEvent = this.#errorEvent;
    let closed = false;
    const onEvent: Listener = (...args) => {
      o.next?.(args as A);
    };
    const onClose: Listener = () => {
      if (end()) o.complete?.();
    };
    const onError: Listener = (error) => {
      if (end()) o.error?.(error);
    };
    function end(): boolean {
      if (closed) return false;
      closed = true;
      remove(emitter, event, onEvent);
      for (const name of close) remove(emitter, name, onClose);
      if (errorEvent !== null) remove(emitter, errorEvent, onError);
      return true;
    }
    listen(emitter, event, onEvent);
    for (const name of close) listen(emitter, name, onClose);
    if (errorEvent !== null) listen(emitter, errorEvent, onError);
    return {
      unsubscribe(): void {
        end();
      },
      get closed(): boolean {
        return closed;
      },
    };
  }

  /** The Observable interop protocol (RxJS 7's fallback key): returns this. */
  '@@observable'(): this {
    return this;
  }
}

// Where the runtime (or a ponyfill) defines Symbol.observable, answer to it too.
const observableSymbol = (Symbol as { observable?: unknown }).observable;
if (typeof observableSymbol === 'symbol') {
  Object.defineProperty(EventObservable.prototype, observableSymbol, {
    value(this: EventObservable) {
      return this;
    },
  });
}

/**
 * The `event`s of an emitter as a cold Observable: each subscription adds
 * its own listeners and removes them when it ends — by `unsubscribe()`, by
 * a `close` event (completion) or by the `errorEvent` (an error
 * notification with the event's first argument). Works with node:events and
 * eventemitter3 alike; RxJS users wrap it with `from()` or use
 * `fromEmitter` from `weft/adapters/rxjs`.
 *
 * An emitter cannot be paused, and neither can this: values go to the
 * observer synchronously inside `emit`, with no buffer at all.
 *
 * @example
 * ```ts
 * import { EventEmitter } from 'node:events';
 * import { observeEvents } from 'weft/adapters/events';
 *
 * const server = new EventEmitter();
 * const sub = observeEvents<[string]>(server, 'request', { close: ['close'] }).subscribe({
 *   next: ([path]) => console.log('GET', path),
 *   complete: () => console.log('closed'),
 * });
 * server.emit('request', '/'); // GET /
 * server.emit('close'); // closed — and no listener is left
 * console.log(sub.closed); // true
 * ```
 */
export function observeEvents<A extends unknown[] = unknown[]>(
  emitter: EmitterLike,
  event: string | symbol,
  options: ObserveEventsOptions = {},
): EventObservable<A> {
  return new EventObservable<A>(emitter, event, options);
}
