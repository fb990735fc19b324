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
export { NodeResolver } from './resolver.js';
export type { LookupFunction, NodeResolverOptions } from './resolver.js';
export {
  TCP4ClientEndpoint,
  TCP4ServerEndpoint,
  TCP6ClientEndpoint,
  TCP6ServerEndpoint,
  UNIXClientEndpoint,
  UNIXServerEndpoint,
} from './endpoints.js';
export type {
  TCPClientEndpointOptions,
  TCPServerEndpointOptions,
  UNIXClientEndpointOptions,
  UNIXServerEndpointOptions,
} from './endpoints.js';
export { HostnameEndpoint, interleaveFamilies } from './hostname-endpoint.js';
export type { HostnameEndpointOptions, HostnameEndpointReactor } from './hostname-endpoint.js';
export { connectProtocol } from './endpoint-wrapping.js';
export { SSL4ClientEndpoint, SSL4ServerEndpoint } from './tls-endpoints.js';
export { wrapClientTLS, wrapServerTLS } from './tls-wrapping.js';
export {
  clientFromString,
  registerClientEndpointParser,
  registerServerEndpointParser,
  serverFromString,
  unregisterClientEndpointParser,
  unregisterServerEndpointParser,
} from './endpoint-strings.js';
export type {
  EndpointReactor,
  IStreamClientEndpointStringParser,
  IStreamServerEndpointStringParser,
} from './endpoint-strings.js';
export { Process } from './process.js';
export { ProcessEndpoint } from './process-endpoint.js';
export type { ProcessEndpointOptions } from './process-endpoint.js';
export { StandardIO } from './stdio.js';
export type { StandardIOOptions } from './stdio.js';
export { getProcessOutput, getProcessOutputAndValue, getProcessValue } from './process-utils.js';
export type {
  GetProcessOutputAndValueOptions,
  GetProcessOutputOptions,
  GetProcessValueOptions,
} from './process-utils.js';
export { datagramErrorFrom, DEFAULT_MAX_PACKET_SIZE, UDPPort } from './udp.js';
export { MulticastPort } from './multicast.js';
export { WorkerPool } from './worker-pool.js';
export type { WorkerPoolOptions } from './worker-pool.js';
export { deferToWorker } from './threads.js';
export { callFromThread, isTransfer, transfer } from './worker-side.js';
export type { Transfer } from './worker-side.js';
export { WorkerCrashError, WorkerError } from './worker-errors.js';
export { ProcessPool } from './process-pool.js';
export type { ProcessPoolOptions, ProcessPoolReactor } from './process-pool-support.js';
export { runProcessPoolChild } from './process-pool-child.js';
export type { ProcessPoolChildOptions } from './process-pool-child.js';
export {
  PoolCallTimeoutError,
  PoolChildCrashError,
  ProcessPoolFullError,
} from './process-pool-errors.js';
export { TLSConnector, TLSPort } from './tls.js';
export { tlsErrorFrom } from './tls-errors.js';
export type { ClientTLSContext, ServerTLSContext } from './tls-options.js';
export { DEFAULT_HANDSHAKE_TIMEOUT } from './tls-options.js';
