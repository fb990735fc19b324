/**
 * `protocolSwitchCommand`: AMP commands that hand the connection to another
 * protocol once answered (Twisted's `amp.ProtocolSwitchCommand`).
 *
 * @module
 */
import type { IAddress } from '../../core/address.js';
import type { IProtocol } from '../../core/interfaces/protocol.js';
import { LocalArgument, type ArgumentMap } from './arguments.js';
import { AmpBox } from './box.js';
import {
  command,
  type Command,
  type CommandSpec,
  type NoArguments,
  type WithLocal,
} from './command.js';

/** What builds the caller's new protocol: any protocol factory (only `buildProtocol` is used). */
export interface SwitchProtocolFactory {
  /** The protocol for the connection to `addr` (the peer), or `null` to drop the connection. */
  buildProtocol(addr: IAddress): IProtocol | null;
}

/** The caller's local argument of a protocol switch: the factory of its new protocol. */
// A type, not an interface: only type literals are assignable to ArgumentMap's index signature.
// eslint-disable-next-line @typescript-eslint/consistent-type-definitions
export type ProtocolSwitchArguments = {
  /**
   * Builds the protocol this side switches to once the peer answers
   * (Twisted's `_protoToSwitchToFactory`); never sent.
   */
  readonly _protoToSwitchToFactory: LocalArgument<SwitchProtocolFactory>;
};

/**
 * The response of a protocol switch: the protocol the connection now
 * belongs to. A responder returns the protocol to switch to; the caller
 * gets the one its factory built. Nothing goes on the wire: the answer box
 * is empty, as Twisted's.
 */
// A type, not an interface: only type literals are assignable to ArgumentMap's index signature.
// eslint-disable-next-line @typescript-eslint/consistent-type-definitions
export type ProtocolSwitchResponse = {
  /** The new protocol. */
  readonly protocol: LocalArgument<IProtocol>;
};

/** A protocol switch command with the arguments `A`. */
export type ProtocolSwitchCommand<A extends ArgumentMap = NoArguments> = Command<
  WithLocal<A, ProtocolSwitchArguments>,
  ProtocolSwitchResponse,
  true
>;

const SWITCH_ARGUMENTS: ProtocolSwitchArguments = Object.freeze({
  _protoToSwitchToFactory: new LocalArgument<SwitchProtocolFactory>(),
});

const SWITCH_RESPONSE: ProtocolSwitchResponse = Object.freeze({
  protocol: new LocalArgument<IProtocol>(),
});

/**
 * An answer box that hands the connection to `protocol` once sent
 * (Twisted's `_SwitchBox`).
 */
export class SwitchBox extends AmpBox {
  /** The protocol the connection goes to; set before the box is sent. */
  protocol: IProtocol | null = null;
}

/**
 * Declares a command that switches the connection to another protocol
 * (Twisted's `ProtocolSwitchCommand` subclasses), for example to negotiate
 * with AMP, then speak a bulk protocol on the same connection.
 *
 * - The caller passes `_protoToSwitchToFactory` with the arguments. Once the
 *   command is sent it may send no more boxes ({@link ProtocolSwitched} is
 *   thrown). On the answer, it builds its new protocol with the factory
 *   (with the peer's address), connects it to the transport and hands it
 *   the bytes that followed the answer; the Deferred fires with
 *   `{ protocol }`. On an error answer, nothing switches and AMP goes on.
 * - The responder returns `{ protocol }`: its answer is sent, then the
 *   connection goes to that protocol, with the bytes that followed the
 *   command.
 * - On both sides no further box is parsed, and calls still waiting for an
 *   answer fail with {@link ProtocolSwitched} at the switch (Twisted leaves
 *   them waiting until the connection closes). The new protocol gets
 *   `connectionLost` when the connection ends.
 *
 * @throws {TypeError} as {@link command}, and if `requiresAnswer` is false.
 *
 * @example
 * ```ts
 * const SwitchToLines = protocolSwitchCommand({
 *   name: 'SwitchToLines',
 *   arguments: { greeting: new Unicode() },
 * });
 * ```
 */
export function protocolSwitchCommand<const A extends ArgumentMap = NoArguments>(
  spec: Omit<CommandSpec<A, NoArguments, true>, 'response'>,
): ProtocolSwitchCommand<A> {
  if ((spec.requiresAnswer as boolean | undefined) === false) {
    throw new TypeError('a protocol switch command requires an answer');
  }
  const base = command({
    ...spec,
    arguments: { ...spec.arguments, ...SWITCH_ARGUMENTS } as WithLocal<A, ProtocolSwitchArguments>,
    response: SWITCH_RESPONSE,
    requiresAnswer: true,
  });
  return Object.freeze({
    ...base,
    kind: 'protocolSwitch' as const,
    responseType: (values: Readonly<Record<string, unknown>>): AmpBox => {
      const box = new SwitchBox();
      box.protocol = (values.protocol as IProtocol | undefined) ?? null;
      return box;
    },
  });
}
