/**
 * `SniffingFactory` and `ProtocolSniffer`: one listening port, several
 * protocols; the first bytes of each connection decide which protocol
 * serves it.
 *
 * @module
 */
import type { IAddress } from '../../core/address.js';
import type { Failure } from '../../core/failure.js';
import { getGlobalReactor } from '../../core/global-reactor.js';
import {
  isHalfCloseableProtocol,
  isHandshakeListener,
  type IProtocol,
  type IProtocolFactory,
} from '../../core/interfaces/protocol.js';
import type { IDelayedCall, IReactorTime } from '../../core/interfaces/reactor.js';
import type { ITransport } from '../../core/interfaces/transport.js';
import { Factory } from '../../core/protocol.js';
import { Logger } from '../../core/logger.js';

const log = new Logger('weft.protocols.policies');

/**
 * One destination of a {@link SniffingFactory}: a test on the first bytes
 * of a connection, and the factory that serves the connections it accepts.
 */
export interface SniffRoute {
  /**
   * Whether a connection starting with `head` belongs to this route:
   * `true`, `false`, or `undefined` when it cannot tell yet. It is called
   * again with more bytes until it answers (at most `maxBytes` of them).
   *
   * It must be prefix-stable: once it answers `true` or `false` for some
   * bytes, it gives the same answer for any longer bytes that start with
   * them. That is what makes the choice independent of how the bytes are
   * cut into chunks. `head` is only valid during the call.
   */
  match(head: Uint8Array): boolean | undefined;
  /** The factory whose protocol serves the connections this route takes. */
  readonly factory: IProtocolFactory;
}

/** Options of {@link SniffingFactory}. */
export interface SniffingFactoryOptions {
  /**
   * The factory for connections no route takes: every route said `false`,
   * or could not tell within `maxBytes` bytes, before `timeout`, or before
   * the peer's end of stream. `null` (the default) closes such connections.
   */
  readonly fallback?: IProtocolFactory | null;
  /**
   * The most bytes a connection may send before the choice is made, and
   * the most the routes are shown: the buffer holding them is bounded by
   * this plus one chunk. Default 64.
   */
  readonly maxBytes?: number;
  /**
   * Seconds to wait, from the connection, for enough bytes to choose; then
   * the choice is made with what came (nothing, for a peer waiting for the
   * server to speak first), routes that cannot tell counting as `false`.
   * `null`: wait for ever. Default 5.
   */
  readonly timeout?: number | null;
  /** The clock the timeout runs on. Default: the global reactor, looked up when first needed. */
  readonly reactor?: IReactorTime;
}

/** `text` as bytes: UTF-8 for a string. */
function bytesOf(prefix: string | Uint8Array): Uint8Array {
  return typeof prefix === 'string' ? new TextEncoder().encode(prefix) : prefix;
}

/**
 * A prefix-stable {@link SniffRoute.match} test: `true` once the bytes
 * start with one of `prefixes`, `undefined` while they are still the start
 * of one, `false` otherwise. Strings are taken as UTF-8.
 *
 * @example
 * ```ts
 * const looksLikeHTTP = matchPrefixes(['GET ', 'HEAD ', 'POST ', 'PUT ', 'DELETE ']);
 * looksLikeHTTP(new TextEncoder().encode('GE')); // undefined
 * looksLikeHTTP(new TextEncoder().encode('GET /')); // true
 * looksLikeHTTP(new TextEncoder().encode('hello')); // false
 * ```
 */
export function matchPrefixes(
  prefixes: readonly (string | Uint8Array)[],
): (head: Uint8Array) => boolean | undefined {
  const candidates = prefixes.map(bytesOf);
  return (head) => {
    let pending = false;
    for (const prefix of candidates) {
      const n = Math.min(prefix.length, head.length);
      let same = true;
      for (let i = 0; i < n && same; i++) same = head[i] === prefix[i];
      if (!same) continue;
      if (head.length >= prefix.length) return true;
      pending = true;
    }
    return pending ? undefined : false;
  };
}

/** The choice: a factory, `null` to close, or `undefined` to wait for more bytes. */
type Choice = IProtocolFactory | null | undefined;

/**
 * The protocol {@link SniffingFactory} gives each connection: it holds the
 * first bytes until a route takes them, then builds that route's protocol,
 * connects it to the very same transport (the chosen protocol writes to the
 * transport directly, and registers its producers there) and hands it the
 * bytes held, then every later event.
 *
 * What the chosen protocol sees is what it would see alone on the
 * connection: `connectionMade`, the bytes in order, then
 * `readConnectionLost`/`writeConnectionLost` if it is half-closeable (if it
 * is not, the sniffer stops looking half-closeable to the transport, which
 * then closes on the peer's end as it would), `handshakeCompleted` on TLS,
 * and `connectionLost`. A peer ending its side before the choice makes it
 * at once; the chosen protocol then gets the bytes and the end.
 */
export class ProtocolSniffer implements IProtocol {
  /** The factory that built this sniffer. */
  readonly factory: SniffingFactory;
  /** The transport, once connected. */
  transport: ITransport | null = null;
  /** Forwards the peer's end of stream (or, before the choice, makes the choice). */
  readConnectionLost?: () => void;
  /** Forwards to the chosen protocol when it is half-closeable. */
  writeConnectionLost?: () => void;
  #protocol: IProtocol | null = null;
  #head: Uint8Array = new Uint8Array(0);
  #sniffing = true;
  #lost = false;
  #ended = false;
  #handshake = false;
  #timer: IDelayedCall | null = null;

  constructor(factory: SniffingFactory) {
    this.factory = factory;
    this.readConnectionLost = () => {
      this.#readConnectionLost();
    };
    this.writeConnectionLost = () => {
      const p = this.#protocol;
      if (p !== null && isHalfCloseableProtocol(p)) p.writeConnectionLost();
    };
  }

  /** The protocol the first bytes chose, once chosen (`null` before, or when the choice was to close). */
  get protocol(): IProtocol | null {
    return this.#protocol;
  }

  makeConnection(transport: ITransport): void {
    this.transport = transport;
    this.connectionMade();
  }

  /** Starts the timeout, if one is set. */
  connectionMade(): void {
    const timeout = this.factory.timeout;
    if (timeout === null) return;
    this.#timer = this.factory.reactor.callLater(timeout, () => {
      this.#timer = null;
      this.#choose(true);
    });
  }

  dataReceived(data: Uint8Array): void {
    if (!this.#sniffing) {
      this.#protocol?.dataReceived(data);
      return;
    }
    if (this.#head.length === 0) {
      this.#head = data.slice();
    } else {
      const head = new Uint8Array(this.#head.length + data.length);
      head.set(this.#head);
      head.set(data, this.#head.length);
      this.#head = head;
    }
    this.#choose(false);
  }

  /** Tells the chosen protocol, if any; a TLS handshake before the choice is told after its `connectionMade`. */
  handshakeCompleted(): void {
    const p = this.#protocol;
    if (this.#sniffing) this.#handshake = true;
    else if (p !== null && isHandshakeListener(p)) p.handshakeCompleted();
  }

  connectionLost(reason: Failure): void {
    this.#lost = true;
    this.#cancelTimer();
    this.#sniffing = false;
    this.#protocol?.connectionLost(reason);
  }

  #readConnectionLost(): void {
    if (this.#sniffing) {
      this.#ended = true;
      this.#choose(true);
      return;
    }
    const p = this.#protocol;
    if (p !== null && isHalfCloseableProtocol(p)) p.readConnectionLost();
  }

  /** Asks the routes; with `final`, a route that cannot tell counts as `false`. */
  #decide(final: boolean): Choice {
    const max = this.factory.maxBytes;
    const full = this.#head.length >= max;
    const head = full ? this.#head.subarray(0, max) : this.#head;
    for (const route of this.factory.routes) {
      const answer = route.match(head);
      if (answer === true) return route.factory;
      if (answer === undefined && !final && !full) return undefined;
    }
    return this.factory.fallback;
  }

  #choose(final: boolean): void {
    if (!this.#sniffing) return;
    let choice: Choice;
    try {
      choice = this.#decide(final);
    } catch (e) {
      this.#give(null);
      log.failure('A route of {factory} failed to match; connection closed', e, {
        factory: this.factory.constructor.name,
      });
      return;
    }
    if (choice !== undefined) this.#give(choice);
  }

  #give(factory: IProtocolFactory | null): void {
    this.#sniffing = false;
    this.#cancelTimer();
    const transport = this.transport;
    if (transport === null) return;
    const head = this.#head;
    this.#head = new Uint8Array(0);
    let protocol: IProtocol | null = null;
    try {
      protocol = factory?.buildProtocol(transport.getPeer()) ?? null;
    } catch (e) {
      log.failure('Unhandled error in buildProtocol of a sniffed route; connection closed', e);
    }
    if (protocol === null) {
      transport.loseConnection();
      return;
    }
    this.#protocol = protocol;
    if (!isHalfCloseableProtocol(protocol)) {
      // From now on the transport treats this connection as the chosen protocol's own.
      delete this.readConnectionLost;
      delete this.writeConnectionLost;
    }
    protocol.makeConnection(transport);
    if (this.#handshake && isHandshakeListener(protocol)) protocol.handshakeCompleted();
    // Each call may close the connection (connectionLost can come synchronously, in tests).
    if (this.#isLost()) return;
    if (head.length > 0) protocol.dataReceived(head);
    if (!this.#ended || this.#isLost()) return;
    if (isHalfCloseableProtocol(protocol)) protocol.readConnectionLost();
    else transport.loseConnection();
  }

  #isLost(): boolean {
    return this.#lost;
  }

  #cancelTimer(): void {
    const timer = this.#timer;
    this.#timer = null;
    if (timer?.active() === true) timer.cancel();
  }
}

/**
 * A factory that serves several protocols on one port, choosing for each
 * connection by its first bytes (a "port unification" or protocol sniffing
 * server): HTTP and a binary protocol and a line protocol behind one
 * `listenTCP`. Each connection gets a {@link ProtocolSniffer}, which holds
 * what the peer sends until the first route (in order) whose `match` says
 * `true`; a route that cannot tell yet holds the choice for the routes after
 * it, so the choice never depends on how the bytes were chunked. When no
 * route takes the connection, the `fallback` factory does (or it is closed).
 *
 * Bounded: at most `maxBytes` are looked at; after that many bytes, or
 * `timeout` seconds, or the peer's end of stream, the routes that still
 * cannot tell count as `false`.
 *
 * Starting and stopping this factory starts and stops the routes' factories.
 *
 * @example
 * ```ts
 * class Hello extends Protocol {
 *   override connectionMade(): void {
 *     this.transport.write('hello, silent one\n');
 *   }
 * }
 * class Echo extends Protocol {
 *   override dataReceived(data: Uint8Array): void {
 *     this.transport.write(data);
 *   }
 * }
 * // "ECHO ..." is echoed; a client that says something else, or nothing for 2 s, is greeted.
 * const factory = new SniffingFactory(
 *   [{ match: matchPrefixes(['ECHO ']), factory: Factory.forProtocol(Echo) }],
 *   { fallback: Factory.forProtocol(Hello), timeout: 2 },
 * );
 * ```
 */
export class SniffingFactory extends Factory<ProtocolSniffer> {
  /** The routes, asked in order. */
  readonly routes: readonly SniffRoute[];
  /** The factory for connections no route takes; `null` closes them. */
  readonly fallback: IProtocolFactory | null;
  /** The most bytes the routes are shown (see {@link SniffingFactoryOptions.maxBytes}). */
  readonly maxBytes: number;
  /** Seconds to wait for the choice, or `null` (see {@link SniffingFactoryOptions.timeout}). */
  readonly timeout: number | null;
  #reactor: IReactorTime | undefined;

  /**
   * @throws {RangeError} if `maxBytes` is not a positive integer, or
   *   `timeout` is negative, infinite or NaN.
   */
  constructor(routes: readonly SniffRoute[], options: SniffingFactoryOptions = {}) {
    super();
    this.routes = [...routes];
    this.fallback = options.fallback ?? null;
    this.maxBytes = options.maxBytes ?? 64;
    this.timeout = options.timeout === undefined ? 5 : options.timeout;
    if (!Number.isInteger(this.maxBytes) || this.maxBytes < 1) {
      throw new RangeError(`maxBytes must be a positive integer, not ${String(this.maxBytes)}`);
    }
    if (this.timeout !== null && !(this.timeout >= 0 && Number.isFinite(this.timeout))) {
      throw new RangeError(
        `timeout must be a finite number of seconds ≥ 0, not ${String(this.timeout)}`,
      );
    }
    this.#reactor = options.reactor;
  }

  /** The clock the timeouts run on: the one given, else the global reactor. */
  get reactor(): IReactorTime {
    this.#reactor ??= getGlobalReactor();
    return this.#reactor;
  }

  /** A new {@link ProtocolSniffer}. */
  override buildProtocol(_addr: IAddress): ProtocolSniffer {
    return new ProtocolSniffer(this);
  }

  /** Starts every route's factory (and the fallback), once each. */
  override startFactory(): void {
    for (const f of this.#factories()) f.doStart();
  }

  /** Stops every route's factory (and the fallback). */
  override stopFactory(): void {
    for (const f of this.#factories()) f.doStop();
  }

  #factories(): Set<IProtocolFactory> {
    const all = new Set(this.routes.map((r) => r.factory));
    if (this.fallback !== null) all.add(this.fallback);
    return all;
  }
}
