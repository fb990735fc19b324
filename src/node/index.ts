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
export { TLSConnector, TLSPort } from './tls.js';
export { tlsErrorFrom } from './tls-errors.js';
export type { ClientTLSContext, ServerTLSContext } from './tls-options.js';
export { resolveHost } from './resolver.js';
export type { ResolvedAddress } from './resolver.js';
