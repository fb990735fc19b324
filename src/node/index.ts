/**
 * The Node reactor and what runs on it.
 *
 * @module
 */
export { NodeReactor, reactor } from './reactor.js';
export type { RunOptions } from './reactor.js';
export { react } from './react.js';
export { stderrLogObserver } from './log.js';
export { DEFAULT_BUFFER_SIZE, StreamTransport } from './stream-transport.js';
export type { Selectable, SocketContext } from './stream-transport.js';
export { StreamServerPort } from './port.js';
export { ConnectAttempt, Connector } from './connector.js';
export { TCPConnector, TCPPort, TCPTransport } from './tcp.js';
export { UNIXConnector, UNIXPort, UNIXTransport } from './unix.js';
export { connectErrorFrom, connectionLostFrom } from './errors.js';
export { datagramErrorFrom, DEFAULT_MAX_PACKET_SIZE, UDPPort } from './udp.js';
export { MulticastPort } from './multicast.js';
export { resolveHost } from './resolver.js';
export type { ResolvedAddress } from './resolver.js';
export { WorkerPool } from './worker-pool.js';
export type { WorkerPoolOptions } from './worker-pool.js';
export { deferToWorker } from './threads.js';
export { callFromThread, isTransfer, transfer } from './worker-side.js';
export type { Transfer } from './worker-side.js';
export { WorkerCrashError, WorkerError } from './worker-errors.js';
