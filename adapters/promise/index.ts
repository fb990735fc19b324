/**
 * `weft/adapters/promise`: weft's Deferreds and connections in the
 * promise world — `AbortSignal` ⇄ cancel, `for await` over connections and
 * queues, async iterables and WHATWG streams written with backpressure.
 *
 * The plain conversions live on `Deferred` itself (`await d`,
 * `d.asPromise({ signal })`, `Deferred.fromPromise(p)`); this entry point
 * adds what builds on them.
 *
 * @module
 */
export {
  abortSignalFor,
  cancelOnAbort,
  runAbortable,
  timeoutSignal,
  type RunAbortableOptions,
} from './abort.js';
export {
  asyncHandlerFactory,
  IterableProtocol,
  type IterableProtocolOptions,
} from './iterable-protocol.js';
export { iterateQueue, type IterateQueueOptions } from './queue-iterator.js';
export { WebStreamProtocol, type WebStreamProtocolOptions } from './web-streams.js';
export { writeIterable, type Chunk } from './write-iterable.js';
export { FrameIterableProtocol } from './frame-iterable-protocol.js';
