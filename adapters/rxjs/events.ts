/**
 * An emitter's events as an RxJS Observable.
 *
 * @module
 */
import { Observable } from 'rxjs';

import type { EmitterLike } from '../events/emitter-like.js';
import { observeEvents, type ObserveEventsOptions } from '../events/observe-events.js';

/**
 * The `event`s of an emitter (node:events or eventemitter3) as a cold RxJS
 * Observable of argument arrays: each subscription adds its listeners and
 * removes them when it ends. Unlike RxJS's `fromEvent`, the `errorEvent`
 * (default `'error'`) is an error notification and `close` events complete
 * it — so `'error'` is seen even on eventemitter3, which otherwise drops an
 * unhandled one. Built on `observeEvents` from `weft/adapters/events`.
 *
 * @example
 * ```ts
 * import { EventEmitter } from 'node:events';
 * import { map, take } from 'rxjs';
 * import { fromEmitter } from 'weft/adapters/rxjs';
 *
 * const job = new EventEmitter();
 * fromEmitter<[number]>(job, 'progress', { close: ['done'] })
 *   .pipe(
 *     map(([percent]) => `${percent}%`),
 *     take(10),
 *   )
 *   .subscribe({ next: console.log, error: (e: unknown) => console.error('failed', e) });
 * job.emit('progress', 50); // 50%
 * ```
 */
export function fromEmitter<A extends unknown[] = unknown[]>(
  emitter: EmitterLike,
  event: string | symbol,
  options: ObserveEventsOptions = {},
): Observable<A> {
  const events = observeEvents<A>(emitter, event, options);
  return new Observable<A>((subscriber) => events.subscribe(subscriber));
}
