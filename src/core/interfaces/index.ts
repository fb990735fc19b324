/**
 * The contract interfaces, one file per area (Twisted's `interfaces.py`, split).
 *
 * @module
 */
export type {
  IHalfCloseableProtocol,
  IHandshakeListener,
  IProtocol,
  IProtocolFactory,
} from './protocol.js';
export { isHalfCloseableProtocol, isHandshakeListener } from './protocol.js';
export type { IConsumer, IProducer, IPullProducer, IPushProducer } from './producer.js';
export { isPushProducer } from './producer.js';
export { isStartTLSTransport } from './tls.js';
export type {
  ConnectorState,
  IConnector,
  IListeningPort,
  IStreamTransport,
  ITCPTransport,
  ITransport,
} from './transport.js';
export type {
  ConnectTCPOptions,
  ConnectUNIXOptions,
  IDelayedCall,
  IReactor,
  IReactorCore,
  IReactorTCP,
  IReactorTime,
  IReactorUNIX,
  ListenTCPOptions,
  ListenUNIXOptions,
  SystemEventPhase,
  SystemEventType,
  TriggerId,
} from './reactor.js';
export type {
  AddressType,
  IHostnameResolver,
  IHostResolution,
  IReactorPluggableNameResolver,
  IResolutionReceiver,
  ResolveOptions,
  TransportSemantics,
} from './resolver.js';
export type {
  IStreamClientEndpoint,
  IStreamServerEndpoint,
  ProtocolFactoryOf,
} from './endpoint.js';
export type {
  ChildFD,
  ChildFDs,
  IProcessProtocol,
  IProcessTransport,
  IReactorProcess,
  ProcessSignal,
  SpawnProcessOptions,
} from './process.js';
export type {
  DatagramAddress,
  IDatagramProtocol,
  IMulticastTransport,
  IReactorMulticast,
  IReactorUDP,
  IUDPTransport,
  ListenMulticastOptions,
  ListenUDPOptions,
} from './udp.js';
export type {
  ClientAuthenticationMode,
  ClientTLSOptions,
  IReactorSSL,
  IStartTLSTransport,
  ITLSTransport,
  PEMSource,
  ServerTLSOptions,
  StartTLSOptions,
  TLSCommonOptions,
  TLSKeyPair,
  TLSPeerCertificate,
  TLSVersion,
} from './tls.js';
export type {
  IReactorFromThreads,
  IReactorInThreads,
  IReactorThreads,
  IWorkerPool,
} from './threads.js';
