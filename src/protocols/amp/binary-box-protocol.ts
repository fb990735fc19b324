/**
 * `BinaryBoxProtocol`: AMP boxes over a byte stream, handed to a
 * {@link BoxReceiver}; and the two interfaces that separate AMP's layers.
 *
 * @module
 */
import { concatBytes } from '../../core/bytes.js';
import { ConnectionLost } from '../../core/errors.js';
import { Failure } from '../../core/failure.js';
import type { IProtocol } from '../../core/interfaces/protocol.js';
import type { ClientTLSOptions, ServerTLSOptions } from '../../core/interfaces/tls.js';
import type { ITransport } from '../../core/interfaces/transport.js';
import { Logger } from '../../core/logger.js';
import { Protocol } from '../../core/protocol.js';
import {
  AmpBox,
  ANSWER,
  BoxParser,
  type BoxParserOptions,
  ERROR,
  ERROR_CODE,
  ERROR_DESCRIPTION,
  QuitBox,
} from './box.js';
import { type OnlyOneTLS, ProtocolSwitched, TLS_ERROR_CODE, TLSNotAvailable } from './errors.js';
import { SwitchBox } from './protocol-switch.js';
import { isTLSTransport, TLSBox, tlsProblem } from './start-tls.js';

const log = new Logger('weft.protocols.amp');

/** Where a box receiver sends boxes (Twisted's `IBoxSender`). */
export interface BoxSender {
  /**
   * Sends `box` to the peer; a {@link QuitBox} closes the connection once
   * sent.
   *
   * @throws {ConnectionLost} once the connection is gone.
   * @throws {TooLong} if a key or value is too long (nothing is sent).
   */
  sendBox(box: AmpBox): void;
  /** An error nobody handled: log it and drop the connection. */
  unhandledError(failure: Failure): void;
}

/** What receives boxes from a connection (Twisted's `IBoxReceiver`). */
export interface BoxReceiver {
  /** Boxes are about to arrive; `sender` sends boxes back. Called once, first. */
  startReceivingBoxes(sender: BoxSender): void;
  /**
   * A box arrived. Throwing is a protocol error: it is logged and the
   * connection is closed, with the error as the reason.
   */
  ampBoxReceived(box: AmpBox): void;
  /** No more boxes will arrive; `reason` says why. Called once, last. */
  stopReceivingBoxes(reason: Failure): void;
}

/**
 * A protocol that parses AMP boxes from the stream and sends boxes
 * (Twisted's `BinaryBoxProtocol`), whatever receives them.
 *
 * Hostile input never escapes as an exception and never buffers without
 * bound: a key length over 255 ({@link TooLong}), a box over
 * `maxBoxLength` ({@link MalformedAmpBox}) or an error thrown by the
 * receiver is logged and closes the connection; the receiver's
 * `stopReceivingBoxes` then gets that error as the reason.
 *
 * It can also stop carrying boxes between two boxes, which is how
 * {@link StartTLS} and protocol switches ({@link protocolSwitchCommand})
 * work: the bytes after the last box go to TLS or to the new protocol, and
 * nothing sent after the switch goes out before it.
 *
 * @example
 * ```ts
 * // Print every box; answer nothing.
 * const printer: BoxReceiver = {
 *   startReceivingBoxes() {},
 *   ampBoxReceived(box) { console.log([...box.keys()]); },
 *   stopReceivingBoxes() {},
 * };
 * const proto = new BinaryBoxProtocol(printer);
 * ```
 */
export class BinaryBoxProtocol<T extends ITransport = ITransport>
  extends Protocol<T>
  implements BoxSender
{
  /** Who gets the boxes. */
  boxReceiver: BoxReceiver;
  readonly #parser: BoxParser;
  /** The protocol error that closed the connection; given to the receiver as the reason. */
  #failReason: Failure | null = null;
  #lost = false;
  /** Data that arrived while boxes were being delivered (a receiver made us re-enter). */
  #queued: Uint8Array[] | null = null;
  /** Whether TLS has been asked for, started or answered on this connection (once only). */
  #tls = false;
  /**
   * Serialized boxes held until TLS starts (each with whether it closes the
   * connection): sent after the switch, so encrypted. Non-null from
   * `prepareTLS` (or a TLS answer) until TLS has started or was refused.
   */
  #held: [Uint8Array, boolean][] | null = null;
  /** Set once a protocol switch is asked for: sending boxes throws {@link ProtocolSwitched}. */
  #locked = false;
  /** The protocol the connection was switched to; it gets every later byte. */
  #inner: IProtocol | null = null;

  constructor(boxReceiver: BoxReceiver, options?: BoxParserOptions) {
    super();
    this.boxReceiver = boxReceiver;
    this.#parser = new BoxParser(options);
  }

  /** The protocol the connection was switched to, or `null`. */
  get innerProtocol(): IProtocol | null {
    return this.#inner;
  }

  /** Attaches `transport`, starts the receiver, then calls `connectionMade`. */
  override makeConnection(transport: T): void {
    this.connected = true;
    this.transport = transport;
    this.boxReceiver.startReceivingBoxes(this);
    this.connectionMade();
  }

  /**
   * Parses `data`, delivering each complete box, in order, to the receiver;
   * after a protocol switch, hands `data` to the new protocol.
   */
  override dataReceived(data: Uint8Array): void {
    if (this.#inner !== null) {
      this.#inner.dataReceived(data);
      return;
    }
    if (this.#failReason !== null) return;
    if (this.#queued !== null) {
      this.#queued.push(data);
      return;
    }
    this.#queued = [data];
    try {
      for (let chunk = this.#queued.shift(); chunk !== undefined; chunk = this.#queued.shift()) {
        if (!this.#deliver(chunk)) return;
      }
    } finally {
      this.#queued = null;
    }
  }

  /** Parses and delivers one chunk; false once a protocol error closed the connection. */
  #deliver(data: Uint8Array): boolean {
    try {
      return this.#parser.pushEach(data, this.#onBox);
    } catch (e) {
      this.#protocolError(e);
      return false;
    }
  }

  /** Delivers one box; false to stop parsing (the receiver closed the connection). */
  readonly #onBox = (box: AmpBox): boolean => {
    // A receiver that closed the connection (a fatal error answer) gets no more boxes.
    if (this.transport.disconnecting) return false;
    this.boxReceiver.ampBoxReceived(box);
    return true;
  };

  /**
   * The bytes received and not parsed: after the box being delivered (the
   * parser stops there), with any chunk queued behind it; they belong to
   * TLS or to the new protocol.
   *
   * @throws {MalformedAmpBox} if they start with part of a box.
   */
  #takeUnparsed(): Uint8Array {
    return concatBytes([this.#parser.remainder(), ...(this.#queued?.splice(0) ?? [])]);
  }

  #protocolError(error: unknown): void {
    const failure = Failure.from(error);
    this.#failReason = failure;
    log.failure('AMP protocol error; dropping the connection', failure, {}, 'error');
    this.transport.loseConnection();
  }

  /**
   * Tells the receiver the connection is gone (with the protocol error if
   * one closed it), or, after a switch, the new protocol.
   */
  override connectionLost(reason: Failure): void {
    this.#lost = true;
    if (this.#inner !== null) {
      this.#inner.connectionLost(reason);
      return;
    }
    if (this.#failReason === null && this.#parser.pending > 0) {
      log.warn('AMP connection lost in the middle of a box ({bytes} bytes)', {
        bytes: this.#parser.pending,
      });
    }
    this.boxReceiver.stopReceivingBoxes(this.#failReason ?? reason);
  }

  /**
   * Writes `box`; after a {@link QuitBox}, closes the connection. While
   * TLS is being started, boxes are held and sent once it has. An answer
   * box from a StartTLS responder ({@link TLSBox}) is sent, then TLS
   * starts; one from a protocol switch ({@link SwitchBox}) is sent, then
   * the connection goes to the new protocol.
   *
   * @throws {ProtocolSwitched} once a protocol switch was asked for.
   * @throws {ConnectionLost} if not connected, or no longer.
   * @throws {TooLong} if a key or value is too long (nothing is sent).
   */
  sendBox(box: AmpBox): void {
    if (this.#locked) {
      throw new ProtocolSwitched('This connection has switched: no AMP traffic allowed');
    }
    if (this.#lost || !this.connected) throw new ConnectionLost('AMP connection is not open');
    if (box instanceof TLSBox) {
      this.#sendTLSAnswer(box);
      return;
    }
    const bytes = box.serialize();
    const quit = box instanceof QuitBox;
    if (this.#held !== null) {
      this.#held.push([bytes, quit]);
      return;
    }
    this.transport.write(bytes);
    if (quit) this.transport.loseConnection();
    if (box instanceof SwitchBox) this.#sendSwitchAnswer(box);
  }

  /** A StartTLS answer: sent in clear, then TLS; or a `TLS_ERROR` answer if TLS cannot start. */
  #sendTLSAnswer(box: TLSBox): void {
    const problem = this.tlsUnavailable();
    if (problem !== null) {
      const error = new AmpBox();
      error.set(ERROR, box.get(ANSWER) ?? new Uint8Array(0));
      error.setValue(ERROR_CODE, TLS_ERROR_CODE);
      error.setValue(ERROR_DESCRIPTION, problem.message);
      this.sendBox(error);
      return;
    }
    this.transport.write(box.serialize());
    this.startTLS(box.options);
  }

  /** A protocol switch answer was sent: lock, and switch after this box. */
  #sendSwitchAnswer(box: SwitchBox): void {
    const protocol = box.protocol;
    this.lockForSwitch();
    if (protocol === null) {
      // Unreachable through a typed responder (it must return a protocol); a hand-made box.
      this.transport.loseConnection();
      return;
    }
    this.switchTo(protocol);
  }

  /**
   * Why TLS cannot start on this connection now ({@link TLSNotAvailable}:
   * the transport has no `startTLS`; {@link OnlyOneTLS}: TLS was already
   * asked for), or `null` if it can.
   */
  tlsUnavailable(): TLSNotAvailable | OnlyOneTLS | null {
    return tlsProblem(this.transport, this.#tls);
  }

  /**
   * Caller side of StartTLS, right after sending the command (Twisted's
   * `_prepareTLS`): holds every box sent from now on until
   * {@link BinaryBoxProtocol.startTLS} or {@link BinaryBoxProtocol.abandonTLS}.
   *
   * @throws {OnlyOneTLS} if TLS was already asked for on this connection.
   * @throws {TLSNotAvailable} if the transport cannot start TLS.
   */
  prepareTLS(): void {
    const problem = this.tlsUnavailable();
    if (problem !== null) throw problem;
    this.#tls = true;
    this.#held = [];
  }

  /**
   * Starts TLS with `options` now (Twisted's `_startTLS`): the bytes
   * received after the box being delivered are handed to TLS (and no more
   * boxes are parsed from them), then the held boxes are sent, encrypted. If the transport refuses (no server
   * certificate, unusable PEM data), the held boxes are dropped and the
   * connection is closed with a {@link TLSNotAvailable} reason.
   */
  startTLS(options: ClientTLSOptions | ServerTLSOptions): void {
    this.#tls = true;
    this.#held ??= [];
    const transport = this.transport;
    if (!isTLSTransport(transport) || this.#lost) return;
    try {
      const rest = this.#takeUnparsed();
      transport.startTLS(options, rest.length > 0 ? { received: rest } : undefined);
    } catch (e) {
      this.#held = null;
      const message = e instanceof Error ? e.message : String(e);
      this.#protocolError(new TLSNotAvailable(`Cannot start TLS: ${message}`, { cause: e }));
      return;
    }
    this.#flushHeld();
  }

  /**
   * The peer refused StartTLS (Twisted leaves held boxes held forever):
   * with nothing held, AMP goes on in clear; boxes meant to go encrypted are
   * never sent in clear, so with some held the connection is closed with
   * `reason`, failing their calls.
   */
  abandonTLS(reason: Failure): void {
    const held = this.#held;
    this.#held = null;
    this.#tls = false;
    if (held === null || held.length === 0 || this.#lost) return;
    this.#failReason = reason;
    this.transport.loseConnection();
  }

  #flushHeld(): void {
    const held = this.#held ?? [];
    this.#held = null;
    for (const [bytes, quit] of held) {
      this.transport.write(bytes);
      if (quit) {
        this.transport.loseConnection();
        return;
      }
    }
  }

  /**
   * Stops sending boxes: every `sendBox` from now on throws
   * {@link ProtocolSwitched} (Twisted's `_lockForSwitch`). The caller of a
   * protocol switch locks when it sends the command.
   */
  lockForSwitch(): void {
    this.#locked = true;
  }

  /**
   * Sends boxes again after a protocol switch was refused (Twisted's
   * `_unlockFromSwitch`).
   *
   * @throws {ProtocolSwitched} if the connection has already switched.
   */
  unlockFromSwitch(): void {
    if (this.#inner !== null)
      throw new ProtocolSwitched('Protocol already switched; cannot unlock');
    this.#locked = false;
  }

  /**
   * Hands the connection to `protocol` now (Twisted's `_switchTo`): no more boxes are parsed or sent; the receiver
   * gets `stopReceivingBoxes(ProtocolSwitched)`, failing calls still waiting
   * for an answer; `protocol` is connected to the transport and gets the
   * bytes received after that box, then every later byte and, in the end,
   * `connectionLost`. Bytes received after the box being delivered are
   * not parsed: they are the new protocol's.
   */
  switchTo(protocol: IProtocol): void {
    this.#locked = true;
    if (this.#lost) return;
    let rest: Uint8Array;
    try {
      rest = this.#takeUnparsed();
    } catch (e) {
      this.#protocolError(e);
      return;
    }
    this.#inner = protocol;
    this.boxReceiver.stopReceivingBoxes(
      new Failure(new ProtocolSwitched('The connection switched to another protocol')),
    );
    protocol.makeConnection(this.transport);
    if (rest.length > 0) protocol.dataReceived(rest);
  }

  /** Logs `failure` and drops the connection: an error reached the end of a chain unhandled. */
  unhandledError(failure: Failure): void {
    log.failure(
      'AMP server or network failure unhandled by client application; dropping connection. ' +
        'To avoid, add errbacks to all remote calls.',
      failure,
      {},
      'error',
    );
    if (!this.#lost && this.connected) this.transport.loseConnection();
  }
}
