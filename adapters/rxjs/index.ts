/**
 * `weft/adapters/rxjs`: Deferred ⇄ Observable, the reactor as an RxJS
 * scheduler, and an RxJS scheduler hosting weft's time. rxjs (^7.8) is an
 * optional peer dependency, imported only by this entry point.
 *
 * @module
 */
export { fromObservable, toObservable, type FromObservableOptions } from './deferred.js';
export { ReactorScheduler } from './scheduler.js';
export { SchedulerTime } from './scheduler-time.js';
