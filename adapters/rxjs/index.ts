/**
 * `weft/adapters/rxjs`: Deferred ⇄ Observable, connections and listening
 * endpoints as Observables, an Observer writing into a transport, emitters'
 * events as Observables, and the reactor as an RxJS scheduler. rxjs (^7.8)
 * is an optional peer dependency, imported only by this entry point.
 *
 * @module
 */
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
export { TransportObserver, type TransportObserverOptions } from './transport-observer.js';
