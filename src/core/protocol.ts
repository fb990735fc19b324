/**
 * `Protocol`, `Factory` and `ClientFactory`: the base classes applications
 * extend (Twisted's `twisted.internet.protocol`).
 *
 * @module
 */
import type { IAddress } from './address.js';
import type { Failure } from './failure.js';
import type { IProtocol, IProtocolFactory } from './interfaces/protocol.js';
import type { IConnector, ITransport } from './interfaces/transport.js';
import { Logger } from './logger.js';

const log = new Logger('weft.protocol');

/**
 * The base class for connection protocols: override the callbacks you need.
 *
 * @typeParam T - the transport type, e.g. `ITCPTransport` for
 *   `abortConnection` and TCP options.
 *
 * @example
 * ```ts
 * class Echo extends Protocol {
 *   override dataReceived(data: Uint8Array): void {
 *     this.transport.write(data);
 *   }
 * }
 * ```
 */
export class Protocol<T extends ITransport = ITransport> implements IProtocol {
  /** Whether `makeConnection` has been called. */
  connected = false;
  /**
   * The connection's transport, set by `makeConnection` (undefined before:
   * do not write from the constructor).
   */
  transport!: T;
  /** The factory that built this protocol, set by `Factory.buildProtocol`. */
  factory: IProtocolFactory | null = null;

  /** Attaches `transport` and calls `connectionMade`. Called once, by the transport. */
  makeConnection(transport: T): void {
    this.connected = true;
    this.transport = transport;
    this.connectionMade();
  }

  /** The connection is up. Override to greet the peer or set up state. */
  connectionMade(): void {
    // Override.
  }

  /** Bytes arrived; chunking is arbitrary. Override to handle them. */
  dataReceived(_data: Uint8Array): void {
    // Override.
  }

  /**
   * The connection is gone (exactly once). Override to clean up. `reason`
   * wraps `ConnectionDone`, `ConnectionLost` or what a callback threw.
   */
  connectionLost(_reason: Failure): void {
    // Override.
  }
}

/** A protocol class a factory can build: constructible without arguments. */
export type ProtocolClass<P extends IProtocol = IProtocol> = new () => P;

/**
 * Builds a protocol per connection and keeps state shared between them.
 *
 * `doStart`/`doStop` are counted across the ports and connectors using the
 * factory, so {@link Factory.startFactory} runs when the first starts and
 * {@link Factory.stopFactory} when the last stops.
 *
 * @example
 * ```ts
 * class Echo extends Protocol {
 *   override dataReceived(data: Uint8Array): void {
 *     this.transport.write(data);
 *   }
 * }
 * const factory = Factory.forProtocol(Echo);
 * // or, as in Twisted: const f = new Factory(); f.protocol = Echo;
 * ```
 */
export class Factory<P extends IProtocol = IProtocol> implements IProtocolFactory {
  /** The protocol class {@link Factory.buildProtocol} instantiates. */
  protocol: ProtocolClass<P> | null = null;
  /** How many ports/connectors currently use this factory. */
  numPorts = 0;
  /** Whether starting and stopping are logged (at `info`). */
  noisy = true;

  /**
   * A factory (of this class, built with `args`) whose `protocol` is
   * `protocol`.
   */
  static forProtocol<F extends Factory<P>, P extends IProtocol, A extends unknown[]>(
    this: new (...args: A) => F,
    protocol: ProtocolClass<P>,
    ...args: A
  ): F {
    const factory = new this(...args);
    factory.protocol = protocol;
    return factory;
  }

  /**
   * A new `protocol` instance with its `factory` set to this factory.
   * Override to return `null` (refusing the connection) or to pass state.
   *
   * @throws {TypeError} if no `protocol` class is set.
   */
  buildProtocol(_addr: IAddress): P | null {
    const cls = this.protocol;
    if (cls === null) throw new TypeError(`${this.logPrefix()} has no protocol class set`);
    const p = new cls();
    (p as { factory?: unknown }).factory = this;
    return p;
  }

  /** Counts a user; on the first, calls {@link Factory.startFactory}. */
  doStart(): void {
    if (this.numPorts === 0) {
      if (this.noisy) log.info('Starting factory {factory}', { factory: this.logPrefix() });
      this.startFactory();
    }
    this.numPorts += 1;
  }

  /** Uncounts a user; on the last, calls {@link Factory.stopFactory}. Extra calls do nothing. */
  doStop(): void {
    if (this.numPorts === 0) return;
    this.numPorts -= 1;
    if (this.numPorts === 0) {
      if (this.noisy) log.info('Stopping factory {factory}', { factory: this.logPrefix() });
      this.stopFactory();
    }
  }

  /** The first port or connector started using this factory. Override to acquire resources. */
  startFactory(): void {
    // Override.
  }

  /** The last port or connector stopped using this factory. Override to release resources. */
  stopFactory(): void {
    // Override.
  }

  /** A name for logs: the class name. */
  logPrefix(): string {
    return this.constructor.name;
  }
}

/**
 * A factory for client connections, told how each attempt goes. Calling
 * `connector.connect()` from `clientConnectionFailed` or
 * `clientConnectionLost` retries.
 */
export class ClientFactory<P extends IProtocol = IProtocol> extends Factory<P> {
  /** An attempt started. */
  startedConnecting(_connector: IConnector): void {
    // Override.
  }

  /** An attempt failed before connecting; `reason` wraps a `ConnectError`. */
  clientConnectionFailed(_connector: IConnector, _reason: Failure): void {
    // Override.
  }

  /** An established connection ended (after the protocol's `connectionLost`). */
  clientConnectionLost(_connector: IConnector, _reason: Failure): void {
    // Override.
  }
}

/** What a factory used by a connector may implement: the `ClientFactory` callbacks. */
export interface IClientFactoryCallbacks {
  startedConnecting?(connector: IConnector): void;
  clientConnectionFailed?(connector: IConnector, reason: Failure): void;
  clientConnectionLost?(connector: IConnector, reason: Failure): void;
}
