/**
 * `weft/adapters/rxjs`: Deferred ⇄ Observable, Observable ⇄ async iterable,
 * connections and listening endpoints as Observables, an Observer writing
 * into a transport, emitters' events as Observables, the reactor as an RxJS
 * scheduler, and an RxJS scheduler hosting weft's time. rxjs (^7.8) is an
 * optional peer dependency, imported only by this entry point.
 *
 * @module
 */
export {
  fromAsyncIterable,
  iterateObservable,
  ObservableOverflowError,
  type IterateObservableOptions,
} from './async-iterable.js';
export { connections$, type ConnectionsOptions } from './connections.js';
export { fromObservable, toObservable, type FromObservableOptions } from './deferred.js';
export { BufferOverflowError, type OverflowDirection } from './errors.js';
export { fromEmitter } from './events.js';
export {
  decodeUtf8,
  ObservableProtocol,
  type ObservableProtocolOptions,
  type OverflowPolicy,
} from './observable-protocol.js';
export { ReactorScheduler } from './scheduler.js';
export { SchedulerTime } from './scheduler-time.js';
export { TransportObserver, type TransportObserverOptions } from './transport-observer.js';
