/**
 * `weft/testing`: fakes and helpers for deterministic tests. For tests; not
 * for implementation code.
 *
 * @module
 */
export { AccumulatingProtocol } from './accumulating-protocol.js';
export type { AccumulatingProtocolFactory } from './accumulating-protocol.js';
export { Clock } from './clock.js';
export { ConnectionCompleter } from './connection-completer.js';
export { FakeConnector, FakePort } from './fake-port.js';
export { FakeTransport } from './fake-transport.js';
export type { FakeTransportOptions } from './fake-transport.js';
export { connect, connectedServerAndClient, IOPump } from './iosim.js';
export type {
  ConnectedServerAndClient,
  ConnectedServerAndClientOptions,
  ConnectOptions,
  IOPumpOptions,
  ProtocolSource,
  PumpClock,
} from './iosim.js';
export { capturedLogs, LogCapture } from './log-capture.js';
export {
  collapsingPumpPolicy,
  identityPumpPolicy,
  loopbackAsync,
  LoopbackQueue,
} from './loopback.js';
export type { LoopbackOptions, PumpPolicy } from './loopback.js';
export { MemoryReactor, MemoryReactorClock } from './memory-reactor.js';
export type {
  TCPClientRecord,
  TCPServerRecord,
  UNIXClientRecord,
  UNIXServerRecord,
} from './memory-reactor.js';
export {
  assertNoResult,
  failureResultOf,
  ResultAssertionError,
  successResultOf,
} from './results.js';
export { StringTransport, StringTransportWithDisconnection } from './string-transport.js';
export type { ProducerState, StringTransportOptions } from './string-transport.js';
export { MemoryResolver, PendingResolution } from './memory-resolver.js';
export type { ResolutionRequest } from './memory-resolver.js';
