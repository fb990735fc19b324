/**
 * `AMP`: the Asynchronous Messaging Protocol, wire-compatible with Twisted's
 * `twisted.protocols.amp.AMP`.
 *
 * @module
 */
import { type Deferred, fail } from '../../core/defer.js';
import { ConnectionLost } from '../../core/errors.js';
import type { Failure } from '../../core/failure.js';
import type { ITransport } from '../../core/interfaces/transport.js';
import { BinaryBoxProtocol } from './binary-box-protocol.js';
import type { AmpBox, BoxParserOptions } from './box.js';
import type { ArgumentsOf, Command } from './command.js';
import { CommandLocator, type TypedResponder } from './command-locator.js';
import {
  BoxDispatcher,
  type CallResult,
  type Responder,
  type ResponderLocator,
} from './dispatcher.js';
import { ProtocolSwitched } from './errors.js';
import type { SwitchProtocolFactory } from './protocol-switch.js';
import { tlsOptions, type StartTLSValues } from './start-tls.js';
import { locateStringResponder } from './string-locator.js';

/** Options of {@link AMP}. */
export interface AMPOptions extends BoxParserOptions {
  /**
   * Where received commands find their responders (default: the AMP itself,
   * that is {@link AMP.locateResponder}: the responders registered with
   * {@link AMP.respond}, then its `amp_NAME` methods).
   */
  readonly locator?: ResponderLocator;
}

/**
 * An AMP connection: a {@link BinaryBoxProtocol} whose boxes go to a
 * {@link BoxDispatcher}, answering commands with the responders registered
 * on it. Both ends are the same class: either side may call the other.
 *
 * Subclass it and register responders in the constructor (a factory builds
 * one per connection), or build one and register on it. As in Twisted, a
 * command nobody registered a responder for falls back to a method named
 * `amp_` + its name in upper case, which gets and returns raw boxes (see
 * {@link SimpleStringLocator}).
 *
 * @example
 * ```ts
 * const Sum = command({
 *   name: 'Sum',
 *   arguments: { a: new Integer(), b: new Integer() },
 *   response: { total: new Integer() },
 * });
 *
 * class Calculator extends AMP {
 *   constructor() {
 *     super();
 *     this.respond(Sum, ({ a, b }) => ({ total: a + b }));
 *   }
 * }
 *
 * // On the calling side, once connected:
 * const callSum = (amp: AMP) =>
 *   amp.callRemote(Sum, { a: 13, b: 81 }).addCallback(({ total }) => total);
 * ```
 */
export class AMP<T extends ITransport = ITransport>
  extends BinaryBoxProtocol<T>
  implements ResponderLocator
{
  /** The request/response layer: outstanding calls, tags, dispatch. */
  readonly dispatcher: BoxDispatcher;
  /** The prefix of raw responder method names (Twisted's `baseDispatchPrefix`): `amp_NAME`. */
  baseDispatchPrefix = 'amp_';
  readonly #commands = new CommandLocator();

  constructor(options?: AMPOptions) {
    const dispatcher = new BoxDispatcher(new CommandLocator());
    super(dispatcher, options);
    dispatcher.locator = options?.locator ?? this;
    this.dispatcher = dispatcher;
  }

  /**
   * Calls `command` on the peer: a Deferred of its typed response (see
   * {@link BoxDispatcher.callRemote} for how it fails), or nothing when
   * the command does not require an answer.
   */
  callRemote<C extends Command>(command: C, args: ArgumentsOf<C>): CallResult<C> {
    switch (command.kind) {
      case 'startTLS':
        return this.#callStartTLS(command, args) as CallResult<C>;
      case 'protocolSwitch':
        return this.#callSwitch(command, args) as CallResult<C>;
      default:
        return this.dispatcher.callRemote(command, args);
    }
  }

  /**
   * StartTLS, caller side: send the command, hold every later box, and on
   * the answer start TLS (before anyone sees the answer) and send them.
   */
  #callStartTLS(command: Command, args: unknown): Deferred<Record<string, unknown>> {
    const problem = this.tlsUnavailable();
    if (problem !== null) return fail(problem);
    const d = this.dispatcher.callRemote(command, args as never) as Deferred<
      Record<string, unknown>
    >;
    if (d.called) return d; // failed at once: the connection is gone or the signature is wrong
    this.prepareTLS();
    return d.addCallbacks(
      (response) => {
        this.startTLS(tlsOptions(args as StartTLSValues));
        return response;
      },
      (failure: Failure) => {
        this.abandonTLS(failure);
        return failure;
      },
    );
  }

  /**
   * A protocol switch, caller side: send the command and lock; on the
   * answer switch to the factory's protocol, on an error unlock.
   */
  #callSwitch(command: Command, args: unknown): Deferred<Record<string, unknown>> {
    const factory = (args as { _protoToSwitchToFactory?: SwitchProtocolFactory })
      ._protoToSwitchToFactory;
    const d = this.dispatcher.callRemote(command, args as never) as Deferred<
      Record<string, unknown>
    >;
    if (d.called || factory === undefined) return d;
    this.lockForSwitch();
    return d.addCallbacks(
      (response) => {
        const protocol = factory.buildProtocol(this.transport.getPeer());
        if (protocol === null) {
          this.transport.loseConnection();
          throw new ProtocolSwitched('The protocol factory refused the switched connection');
        }
        this.switchTo(protocol);
        return { ...response, protocol };
      },
      (failure: Failure) => {
        if (failure.check(ConnectionLost) === null) this.unlockFromSwitch();
        return failure;
      },
    );
  }

  /** Sends a command from raw values; see {@link BoxDispatcher.callRemoteString}. */
  callRemoteString(
    name: string,
    values?: Readonly<Record<string, string | Uint8Array>>,
    requiresAnswer?: boolean,
  ): Deferred<AmpBox> | undefined {
    return this.dispatcher.callRemoteString(name, values, requiresAnswer);
  }

  /** Answers `command` with `fn` on this connection from now on; returns this. */
  respond<C extends Command>(command: C, fn: TypedResponder<C>): this {
    this.#commands.respond(command, fn);
    return this;
  }

  /**
   * The responder for the command `name`: the one registered with
   * {@link AMP.respond} for exactly that name; failing that, this object's
   * method `amp_` + `NAME` (Twisted's `SimpleStringLocator` fallback, see
   * {@link locateStringResponder}); failing that, none (answered
   * `UNHANDLED`). Override to add others (calling `super`).
   */
  locateResponder(name: string): Responder | undefined {
    return (
      this.#commands.locateResponder(name) ??
      locateStringResponder(this, name, this.baseDispatchPrefix)
    );
  }
}
