/**
 * `weft/adapters/rxjs`: Deferred ⇄ Observable, Observable ⇄ async iterable,
 * the reactor as an RxJS scheduler, and an RxJS scheduler hosting weft's
 * time. rxjs (^7.8) is an optional peer dependency, imported only by this
 * entry point.
 *
 * @module
 */
export {
  fromAsyncIterable,
  iterateObservable,
  ObservableOverflowError,
  type IterateObservableOptions,
} from './async-iterable.js';
export { fromObservable, toObservable, type FromObservableOptions } from './deferred.js';
export { ReactorScheduler } from './scheduler.js';
export { SchedulerTime } from './scheduler-time.js';
