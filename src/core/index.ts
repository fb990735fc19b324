/**
 * `weft/core`: the environment-agnostic core (no `node:` imports): Deferreds,
 * Failure, errors, the logger and the interfaces.
 *
 * @module
 */
export {
  Deferred,
  fail,
  getDebugging,
  maybeDeferred,
  passthru,
  setDebugging,
  succeed,
} from './defer.js';
export type { AddCallbacksOptions, AsPromiseOptions, Canceller, Settled } from './defer.js';
export { DeferredList, gatherResults, race } from './deferred-list.js';
export type { DeferredListEntry, DeferredListOptions, ResultsOf } from './deferred-list.js';
export { DeferredLock, DeferredQueue, DeferredSemaphore } from './deferred-queue.js';
export { ensureDeferred, inlineCallbacks } from './inline-callbacks.js';
export type { InlineGenerator } from './inline-callbacks.js';
export { Failure } from './failure.js';
export type { ErrorType } from './failure.js';
export { DelayedCall } from './delayed-call.js';
export type { DelayedCallOwner } from './delayed-call.js';
export { getGlobalReactor, installReactor } from './global-reactor.js';
export { deferLater, LoopingCall } from './task.js';
export { coiterate, cooperate, CooperativeTask, Cooperator } from './cooperator.js';
export type {
  CooperativeIterator,
  CooperatorOptions,
  CooperatorScheduler,
  TerminationPredicateFactory,
} from './cooperator.js';
export { globalLogBeginner, globalLogPublisher, Logger } from './logger.js';
export type { LogFields } from './logger.js';
export { wallClock } from './log-event.js';
export type { ILogObserver, LogClock, LogEvent } from './log-event.js';
export { compareLogLevels, isLogLevel, levelWithName, LOG_LEVELS, LogLevel } from './log-levels.js';
export {
  eventAsText,
  flattenEvent,
  formatEvent,
  formatEventAsClassicLogText,
  formatTime,
} from './log-format.js';
export type { EventAsTextOptions } from './log-format.js';
export { LogPublisher } from './log-publisher.js';
export {
  consoleErrorObserver,
  LimitedHistoryLogObserver,
  textLogObserver,
} from './log-observers.js';
export type { TextLogObserverOptions } from './log-observers.js';
export {
  FilteringLogObserver,
  LogLevelFilterPredicate,
  PredicateResult,
  shouldLogEvent,
} from './log-filter.js';
export type { ILogFilterPredicate } from './log-filter.js';
export { eventAsJSON, eventFromJSON, eventsFromJSONLines, jsonLogObserver } from './log-json.js';
export type { FailureJSON } from './log-json.js';
export { LogBeginner } from './log-beginner.js';
export type { BeginLoggingOptions, LogBeginnerOptions } from './log-beginner.js';
export type {
  AddressType,
  ClientAuthenticationMode,
  ClientTLSOptions,
  ConnectorState,
  ConnectTCPOptions,
  IHostnameResolver,
  IHostResolution,
  IReactorPluggableNameResolver,
  IResolutionReceiver,
  IStreamClientEndpoint,
  IStreamServerEndpoint,
  ProtocolFactoryOf,
  ResolveOptions,
  TransportSemantics,
  ConnectUNIXOptions,
  IConnector,
  IConsumer,
  IDelayedCall,
  IHalfCloseableProtocol,
  IHandshakeListener,
  IListeningPort,
  IProducer,
  IProtocol,
  IProtocolFactory,
  IPullProducer,
  IPushProducer,
  IReactor,
  IReactorCore,
  IReactorSSL,
  IReactorTCP,
  IReactorTime,
  IReactorUNIX,
  IStreamTransport,
  ChildFD,
  ChildFDs,
  IProcessProtocol,
  IProcessTransport,
  IReactorProcess,
  ProcessSignal,
  SpawnProcessOptions,
  IStartTLSTransport,
  ITCPTransport,
  ITLSTransport,
  ITransport,
  ListenTCPOptions,
  ListenUNIXOptions,
  PEMSource,
  ServerTLSOptions,
  StartTLSOptions,
  SystemEventPhase,
  SystemEventType,
  TLSCommonOptions,
  TLSKeyPair,
  TLSPeerCertificate,
  TLSVersion,
  TriggerId,
} from './interfaces/index.js';
export type {
  DatagramAddress,
  IDatagramProtocol,
  IMulticastTransport,
  IReactorMulticast,
  IReactorUDP,
  IUDPTransport,
  ListenMulticastOptions,
  ListenUDPOptions,
} from './interfaces/index.js';
export type {
  IReactorFromThreads,
  IReactorInThreads,
  IReactorThreads,
  IWorkerPool,
} from './interfaces/index.js';
export {
  isHalfCloseableProtocol,
  isHandshakeListener,
  isPushProducer,
  isStartTLSTransport,
} from './interfaces/index.js';
export { HostnameAddress, IPv4Address, IPv6Address, ipAddress, UNIXAddress } from './address.js';
export type { IAddress, IPTransportType } from './address.js';
export { ClientFactory, Factory, Protocol } from './protocol.js';
export {
  HostResolution,
  IPLiteralResolver,
  isIPv4Literal,
  isIPv6Literal,
  literalAddress,
  resolveToDeferred,
} from './resolver.js';
export {
  ConnectAttemptsFailedError,
  DNSLookupTimeoutError,
  EndpointArgumentError,
  EndpointStringError,
  UnknownEndpointTypeError,
} from './endpoint-errors.js';
export type { FailedAttempt } from './endpoint-errors.js';
export {
  bindEndpointArguments,
  parseEndpointDescription,
  parseFlagArgument,
  parseIntegerArgument,
  parseOctalArgument,
  parsePortArgument,
  parseSecondsArgument,
  quoteStringArgument,
  requireEndpointArgument,
} from './endpoint-parser.js';
export type { ParsedEndpointDescription } from './endpoint-parser.js';
export { normalVariate, ReconnectingClientFactory } from './reconnecting-client-factory.js';
export { backoffPolicy, ClientService } from './client-service.js';
export type {
  BackoffPolicyOptions,
  ClientServiceOptions,
  RetryPolicy,
  WhenConnectedOptions,
} from './client-service.js';
export type { ClientState } from './client-machine.js';
export { DatagramProtocol } from './datagram-protocol.js';
export { DatagramError, MulticastJoinError } from './udp-errors.js';
export type { IClientFactoryCallbacks, ProtocolClass } from './protocol.js';
export { ReactorBase } from './reactor-base.js';
export {
  AlreadyCalledError,
  AlreadyCancelledError,
  BadFileError,
  BindError,
  CancelledError,
  CannotListenError,
  ConnectBindError,
  ConnectError,
  ConnectingCancelledError,
  ConnectingTimeoutError,
  ConnectionAborted,
  ConnectionClosed,
  ConnectionDone,
  ConnectionLost,
  ConnectionRefusedError,
  DNSLookupError,
  FailureGroup,
  FirstError,
  InvalidAddressError,
  InvalidLogLevelError,
  InvalidStateError,
  MessageLengthError,
  NoCurrentExceptionError,
  NoProtocol,
  NoRouteError,
  NotACoroutineError,
  NotConnectingError,
  NotListeningError,
  NotPaused,
  QueueOverflow,
  QueueUnderflow,
  ReactorAlreadyInstalledError,
  ReactorAlreadyRunning,
  ReactorNotInstalledError,
  ReactorNotRestartable,
  ReactorNotRunning,
  SchedulerError,
  SchedulerStopped,
  SSLError,
  SystemExit,
  TaskDone,
  TaskFailed,
  TaskFinished,
  TaskStopped,
  TCPTimedOutError,
  TimeoutError,
  UnknownHostError,
  UserError,
  WeftError,
} from './errors.js';
export type { WeftErrorOptions } from './errors.js';
export {
  ProcessDone,
  ProcessExitedAlready,
  ProcessSignalledError,
  ProcessSpawnError,
  ProcessTerminated,
  UnexpectedErrorOutput,
} from './process-errors.js';
export {
  PipeAddress,
  ProcessAddress,
  ProcessProtocol,
  ProtocolProcessAdapter,
} from './process-protocol.js';
export type { ProtocolProcessAdapterOptions } from './process-protocol.js';
export {
  CertificateVerificationError,
  TLSError,
  TLSHandshakeError,
  TLSHandshakeTimeoutError,
  TLSOptionsError,
} from './tls-errors.js';
