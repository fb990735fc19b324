/**
 * `weft/adapters/rxjs`: Deferred ⇄ Observable and the reactor as an RxJS
 * scheduler. rxjs (^7.8) is an optional peer dependency, imported only by
 * this entry point.
 *
 * @module
 */
export { fromObservable, toObservable, type FromObservableOptions } from './deferred.js';
export { ReactorScheduler } from './scheduler.js';
