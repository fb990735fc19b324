/**
 * `ProtocolWrapper` and `WrappingFactory`: a protocol that stands between a
 * transport and another protocol, and the factory that puts one around every
 * protocol of a wrapped factory (Twisted's `twisted.protocols.policies`).
 *
 * Every other policy (throttling, per-peer limits, idle timeouts) is one of
 * these with a few methods overridden.
 *
 * @module
 */
import type { IAddress } from '../../core/address.js';
import type { Failure } from '../../core/failure.js';
import type { IPullProducer, IPushProducer } from '../../core/interfaces/producer.js';
import { forwardOptionalHooks } from '../../core/forward-hooks.js';
import type { IProtocol, IProtocolFactory } from '../../core/interfaces/protocol.js';
import type { IConnector, ITransport } from '../../core/interfaces/transport.js';
import type { IClientFactoryCallbacks, ProtocolClass } from '../../core/protocol.js';
import { ClientFactory } from '../../core/protocol.js';

/**
 * What a {@link WrappingFactory} can wrap: any protocol factory. The
 * `ClientFactory` callbacks and `logPrefix` are forwarded when it has them.
 */
export type WrappableFactory = IProtocolFactory &
  IClientFactoryCallbacks & {
    logPrefix?(): string;
  };

/**
 * Transport methods a wrapper forwards only when its transport has them,
 * so that feature tests (`typeof transport.startTLS === 'function'`) see
 * through the wrapper: TCP options, the Node handle and TLS. Half-close and
 * abort are handled apart, since they change the wrapper's own state.
 */
const OPTIONAL_TRANSPORT_METHODS = [
  'getTcpNoDelay',
  'setTcpNoDelay',
  'getTcpKeepAlive',
  'setTcpKeepAlive',
  'getHandle',
  'startTLS',
  'getPeerCertificate',
] as const;

type Methods = Record<string, unknown>;

/** `obj[name]` bound to `obj`, when it is a method. */
function methodOf(obj: object, name: string): ((...args: unknown[]) => unknown) | undefined {
  const fn = (obj as Methods)[name];
  return typeof fn === 'function' ? (fn as (...args: unknown[]) => unknown).bind(obj) : undefined;
}

/** `"<wrapped's prefix> (<wrapper's class>)"`, as Twisted names wrappers in logs. */
export function wrappedLogPrefix(wrapper: object, wrapped: object): string {
  const prefix = methodOf(wrapped, 'logPrefix');
  const inner = prefix === undefined ? wrapped.constructor.name : String(prefix());
  return `${inner} (${wrapper.constructor.name})`;
}

/**
 * A protocol that wraps another and is that protocol's transport: it sits
 * between the real transport and the wrapped protocol and, unless a subclass
 * says otherwise, passes everything through unchanged.
 *
 * Transparency, in detail:
 * - Transport side: `write`, `writeSequence`, `loseConnection`, `getPeer`,
 *   `getHost`, `registerProducer`/`unregisterProducer` (the very producer
 *   object reaches the real transport) and `pauseProducing`/
 *   `resumeProducing`/`stopProducing` (reading) go to the real transport.
 *   `loseWriteConnection`, `abortConnection`, the TCP options, `getHandle`,
 *   `startTLS` and `getPeerCertificate` exist on the wrapper only when the
 *   real transport has them (they are installed by `makeConnection`), so
 *   feature tests on the wrapper give the real transport's answer.
 * - Protocol side: `dataReceived` and `connectionLost` (same reason object)
 *   go to the wrapped protocol. `readConnectionLost`/`writeConnectionLost`
 *   exist only when the wrapped protocol is an `IHalfCloseableProtocol`, and
 *   `handshakeCompleted` only when it has one, so the real transport treats
 *   the wrapper exactly as it would treat the wrapped protocol.
 *
 * `makeConnection` registers the wrapper with its factory
 * ({@link WrappingFactory.registerProtocol}) before the wrapped protocol's
 * `connectionMade`; `connectionLost` unregisters it before the wrapped
 * protocol's `connectionLost`.
 *
 * @example
 * ```ts
 * // A wrapper that counts the bytes going each way.
 * class Counting extends ProtocolWrapper {
 *   received = 0;
 *   override dataReceived(data: Uint8Array): void {
 *     this.received += data.byteLength;
 *     super.dataReceived(data);
 *   }
 * }
 * class CountingFactory extends WrappingFactory<Counting> {
 *   override wrapProtocol(wrapped: IProtocol): Counting {
 *     return new Counting(this, wrapped);
 *   }
 * }
 * ```
 */
export class ProtocolWrapper implements IProtocol, ITransport {
  /** The factory that built this wrapper; told when it connects and disconnects. */
  readonly factory: WrappingFactory;
  /** The protocol this wrapper is the transport of. */
  readonly wrappedProtocol: IProtocol;
  /** The real transport, set by `makeConnection`. */
  transport!: ITransport;
  /** Whether `makeConnection` has been called. */
  connected = false;

  /** Closes the real transport's write side; present when the real transport has it. */
  loseWriteConnection?(): void;
  /** Aborts the real transport; present when the real transport has it. */
  abortConnection?(): void;
  /** The real transport's `getTcpNoDelay`, when it has one. */
  getTcpNoDelay?(): boolean;
  /** The real transport's `setTcpNoDelay`, when it has one. */
  setTcpNoDelay?(enabled: boolean): void;
  /** The real transport's `getTcpKeepAlive`, when it has one. */
  getTcpKeepAlive?(): boolean;
  /** The real transport's `setTcpKeepAlive`, when it has one. */
  setTcpKeepAlive?(enabled: boolean): void;
  /** The real transport's `getHandle` (the Node socket), when it has one. */
  getHandle?(): unknown;
  /** The real transport's `startTLS`, when it has one (TLS transports). */
  startTLS?(...args: unknown[]): unknown;
  /** The real transport's `getPeerCertificate`, when it has one (TLS transports). */
  getPeerCertificate?(): unknown;
  /** Forwards to the wrapped protocol; present when it is half-closeable. */
  readConnectionLost?(): void;
  /** Forwards to the wrapped protocol; present when it is half-closeable. */
  writeConnectionLost?(): void;
  /** Forwards to the wrapped protocol; present when it has one. */
  handshakeCompleted?(): void;

  #disconnecting = false;

  /**
   * @param factory - the factory to register with (usually the one building this wrapper).
   * @param wrappedProtocol - the protocol to wrap; its transport will be this wrapper.
   */
  constructor(factory: WrappingFactory, wrappedProtocol: IProtocol) {
    this.factory = factory;
    this.wrappedProtocol = wrappedProtocol;
    forwardOptionalHooks(this, wrappedProtocol);
  }

  /**
   * Whether this wrapper's `loseConnection()` or `abortConnection()` has
   * been called, or the real transport is disconnecting.
   */
  get disconnecting(): boolean {
    return this.#disconnecting || (this.connected && this.transport.disconnecting);
  }

  /** A name for logs: the wrapped protocol's, followed by this wrapper's class name. */
  logPrefix(): string {
    return wrappedLogPrefix(this, this.wrappedProtocol);
  }

  // ----- IProtocol, from the real transport ---------------------------------------------------

  /**
   * Keeps `transport`, installs the optional transport methods it has,
   * calls {@link ProtocolWrapper.connectionMade}, registers with the
   * factory, then connects the wrapped protocol to this wrapper.
   */
  makeConnection(transport: ITransport): void {
    this.connected = true;
    this.transport = transport;
    this.#installTransportMethods(transport);
    this.connectionMade();
    this.factory.registerProtocol(this);
    this.wrappedProtocol.makeConnection(this);
  }

  /** Called by `makeConnection` before the wrapped protocol connects. Override to act on it. */
  connectionMade(): void {
    // Override.
  }

  /** Passes `data` to the wrapped protocol. */
  dataReceived(data: Uint8Array): void {
    this.wrappedProtocol.dataReceived(data);
  }

  /** Unregisters from the factory, then passes `reason` to the wrapped protocol. */
  connectionLost(reason: Failure): void {
    this.factory.unregisterProtocol(this);
    this.wrappedProtocol.connectionLost(reason);
  }

  // ----- ITransport, from the wrapped protocol ------------------------------------------------

  /** Writes `data` to the real transport. */
  write(data: Uint8Array | string): void {
    this.transport.write(data);
  }

  /** Writes each element of `data` to the real transport. */
  writeSequence(data: Iterable<Uint8Array | string>): void {
    this.transport.writeSequence(data);
  }

  /** Sets `disconnecting` and closes the real transport. */
  loseConnection(): void {
    this.#disconnecting = true;
    this.transport.loseConnection();
  }

  /** The real transport's peer address. */
  getPeer(): IAddress {
    return this.transport.getPeer();
  }

  /** The real transport's host address. */
  getHost(): IAddress {
    return this.transport.getHost();
  }

  /** Registers `producer` (itself, not a proxy) with the real transport. */
  registerProducer(producer: IPushProducer | IPullProducer, streaming: boolean): void {
    this.transport.registerProducer(producer, streaming);
  }

  /** Unregisters the producer from the real transport. */
  unregisterProducer(): void {
    this.transport.unregisterProducer();
  }

  /** Stops reading from the peer (pauses the real transport). */
  pauseProducing(): void {
    this.transport.pauseProducing();
  }

  /** Resumes reading from the peer. */
  resumeProducing(): void {
    this.transport.resumeProducing();
  }

  /** Stops the real transport as a producer. */
  stopProducing(): void {
    this.transport.stopProducing();
  }

  #installTransportMethods(transport: ITransport): void {
    const self = this as unknown as Methods;
    const loseWrite = methodOf(transport, 'loseWriteConnection');
    if (loseWrite !== undefined && !('loseWriteConnection' in this)) {
      this.loseWriteConnection = () => {
        loseWrite();
      };
    }
    const abort = methodOf(transport, 'abortConnection');
    if (abort !== undefined && !('abortConnection' in this)) {
      this.abortConnection = () => {
        this.#disconnecting = true;
        abort();
      };
    }
    for (const name of OPTIONAL_TRANSPORT_METHODS) {
      const fn = methodOf(transport, name);
      // A subclass defining the method itself wins over the forwarder.
      if (fn !== undefined && !(name in this)) self[name] = fn;
    }
  }
}

/**
 * Wraps a factory: each protocol it builds is put inside a
 * {@link ProtocolWrapper} (or what {@link WrappingFactory.wrapProtocol}
 * returns), and the live wrappers are kept in
 * {@link WrappingFactory.protocols}.
 *
 * `doStart`/`doStop` start and stop the wrapped factory too (so its
 * `startFactory`/`stopFactory` run), and the `ClientFactory` callbacks
 * are forwarded when the wrapped factory has them, so a wrapping factory
 * can be given to `listenTCP` and `connectTCP` alike. When the wrapped
 * factory's `buildProtocol` returns `null`, so does this one (the
 * connection is refused). Wrappers compose: a `WrappingFactory` can wrap
 * another.
 *
 * `noisy` is false: the wrapped factory already logs its start and stop.
 *
 * @typeParam W - the wrapper class this factory builds.
 *
 * @example
 * ```ts
 * class Echo extends Protocol {
 *   override dataReceived(data: Uint8Array): void {
 *     this.transport.write(data);
 *   }
 * }
 * const wrapping = new WrappingFactory(Factory.forProtocol(Echo));
 * // reactor.listenTCP(8000, wrapping); then wrapping.protocols.size is the live connection count.
 * ```
 */
export class WrappingFactory<W extends ProtocolWrapper = ProtocolWrapper> extends ClientFactory<W> {
  /** The factory whose protocols are wrapped. */
  readonly wrappedFactory: WrappableFactory;
  /** The connected wrappers: added at `makeConnection`, removed at `connectionLost`. */
  readonly protocols: Set<W>;
  override noisy = false;
  /**
   * Not used: {@link WrappingFactory.wrapProtocol} builds the wrappers, and
   * the wrapped factory builds what they wrap.
   */
  override protocol: ProtocolClass<W> | null = null;

  /** @param wrappedFactory - the factory whose protocols to wrap. */
  constructor(wrappedFactory: WrappableFactory) {
    super();
    this.wrappedFactory = wrappedFactory;
    this.protocols = new Set();
  }

  /** Starts the wrapped factory, then counts this one's start. */
  override doStart(): void {
    this.wrappedFactory.doStart();
    super.doStart();
  }

  /** Stops the wrapped factory, then counts this one's stop. */
  override doStop(): void {
    this.wrappedFactory.doStop();
    super.doStop();
  }

  /** Forwards to the wrapped factory, if it has the method. */
  override startedConnecting(connector: IConnector): void {
    this.wrappedFactory.startedConnecting?.(connector);
  }

  /** Forwards to the wrapped factory, if it has the method. */
  override clientConnectionFailed(connector: IConnector, reason: Failure): void {
    this.wrappedFactory.clientConnectionFailed?.(connector, reason);
  }

  /** Forwards to the wrapped factory, if it has the method. */
  override clientConnectionLost(connector: IConnector, reason: Failure): void {
    this.wrappedFactory.clientConnectionLost?.(connector, reason);
  }

  /**
   * The wrapped factory's protocol for `addr` inside a wrapper, or `null`
   * when the wrapped factory refuses the connection.
   */
  override buildProtocol(addr: IAddress): W | null {
    const wrapped = this.wrappedFactory.buildProtocol(addr);
    if (wrapped === null) return null;
    return this.wrapProtocol(wrapped, addr);
  }

  /**
   * Puts `wrapped` inside a new wrapper. Override to build a subclass of
   * {@link ProtocolWrapper} (Twisted sets the factory's `protocol` class
   * instead; a wrapper's constructor needs arguments, so weft asks a method).
   */
  wrapProtocol(wrapped: IProtocol, _addr: IAddress): W {
    return new ProtocolWrapper(this, wrapped) as W;
  }

  /** Called by a wrapper when it connects: adds it to {@link WrappingFactory.protocols}. */
  registerProtocol(p: W): void {
    this.protocols.add(p);
  }

  /** Called by a wrapper when its connection is lost: removes it from {@link WrappingFactory.protocols}. */
  unregisterProtocol(p: W): void {
    this.protocols.delete(p);
  }

  /** A name for logs: the wrapped factory's, followed by this factory's class name. */
  override logPrefix(): string {
    return wrappedLogPrefix(this, this.wrappedFactory);
  }
}
