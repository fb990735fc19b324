/**
 * `weft/protocols/policies`: wrappers that put a policy around any protocol
 * factory (Twisted's `twisted.protocols.policies`): transparent wrapping,
 * bandwidth and connection-count throttling, per-peer connection limits,
 * idle timeouts, and choosing a protocol by a connection's first bytes.
 *
 * @module
 */
export { ConnectionLimitError, PeerConnectionLimitError } from './errors.js';
export { IdleTimeout, timeoutConnection } from './idle-timeout.js';
export type { TimeoutTarget } from './idle-timeout.js';
export { LimitConnectionsByPeer } from './limit-by-peer.js';
export type { LimitConnectionsByPeerOptions } from './limit-by-peer.js';
export { matchPrefixes, ProtocolSniffer, SniffingFactory } from './sniffing.js';
export type { SniffingFactoryOptions, SniffRoute } from './sniffing.js';
export { ThrottlingFactory, ThrottlingProtocol } from './throttling.js';
export type { ThrottlingFactoryOptions } from './throttling.js';
export { TimeoutFactory, TimeoutProtocol } from './timeout.js';
export type { TimeoutFactoryOptions } from './timeout.js';
export { ProtocolWrapper, WrappingFactory, wrappedLogPrefix } from './wrapper.js';
export type { WrappableFactory } from './wrapper.js';
