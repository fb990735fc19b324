/**
 * `AMP`: the Asynchronous Messaging Protocol, wire-compatible with Twisted's
 * `twisted.protocols.amp.AMP`.
 *
 * @module
 */
import type { Deferred } from '../../core/defer.js';
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

/** Options of {@link AMP}. */
export interface AMPOptions extends BoxParserOptions {
  /**
   * Where received commands find their responders (default: the AMP itself,
   * that is the responders registered with {@link AMP.respond}, then
   * {@link AMP.locateResponder} if overridden).
   */
  readonly locator?: ResponderLocator;
}

/**
 * An AMP connection: a {@link BinaryBoxProtocol} whose boxes go to a
 * {@link BoxDispatcher}, answering commands with the responders registered
 * on it. Both ends are the same class: either side may call the other.
 *
 * Subclass it and register responders in the constructor (a factory builds
 * one per connection), or build one and register on it.
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
    return this.dispatcher.callRemote(command, args);
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
   * {@link AMP.respond}, if any. Override to add others (calling `super`).
   */
  locateResponder(name: string): Responder | undefined {
    return this.#commands.locateResponder(name);
  }
}
