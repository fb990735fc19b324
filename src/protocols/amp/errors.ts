/**
 * AMP's errors (Twisted's `twisted.protocols.amp` exceptions), in the
 * {@link WeftError} tree.
 *
 * @module
 */
import { nameError } from '../../core/brand.js';
import { WeftError, type WeftErrorOptions } from '../../core/errors.js';
import type { Failure } from '../../core/failure.js';

/** The `_error_code` of an error no declared error class matches: `UNKNOWN`. */
export const UNKNOWN_ERROR_CODE = 'UNKNOWN';
/** The `_error_code` answering a command nobody responds to: `UNHANDLED`. */
export const UNHANDLED_ERROR_CODE = 'UNHANDLED';

/** Base of every AMP error. */
export class AmpError extends WeftError {}
nameError(AmpError, 'AmpError');

/**
 * An error answer from the peer: its wire `_error_code` and
 * `_error_description`.
 *
 * A responder may throw one itself to choose the code; with `fatal` true the
 * connection is closed once the error box is sent.
 */
export class RemoteAmpError extends AmpError {
  /** The `_error_code` (ASCII on the wire). */
  readonly errorCode: string;
  /** The `_error_description`, decoded as UTF-8. */
  readonly description: string;
  /** Whether sending this error closes the connection. */
  readonly fatal: boolean;
  /** The local failure this error stands for, when there is one. */
  readonly local: Failure | undefined;

  constructor(
    errorCode: string,
    description: string,
    options?: WeftErrorOptions & { fatal?: boolean; local?: Failure },
  ) {
    const local = options?.local;
    super(`Code<${errorCode}>${local === undefined ? '' : ' (local)'}: ${description}`, options);
    this.errorCode = errorCode;
    this.description = description;
    this.fatal = options?.fatal ?? false;
    this.local = local;
  }
}
nameError(RemoteAmpError, 'RemoteAmpError');

/** The peer failed with an error this command does not declare (code `UNKNOWN` or any unknown code). */
export class UnknownRemoteError extends RemoteAmpError {
  constructor(description: string) {
    super(UNKNOWN_ERROR_CODE, description);
  }
}
nameError(UnknownRemoteError, 'UnknownRemoteError');

/** The peer has no responder for a command we sent (it answered `UNHANDLED`). */
export class UnhandledCommand extends AmpError {
  /** Always `UNHANDLED`. */
  readonly errorCode: string;
  /** The peer's description, such as `Unhandled Command: b'Nope'`. */
  readonly description: string;

  constructor(description = 'Unhandled Command', errorCode: string = UNHANDLED_ERROR_CODE) {
    super(description);
    this.errorCode = errorCode;
    this.description = description;
  }
}
nameError(UnhandledCommand, 'UnhandledCommand');

/**
 * A key or value is longer than AMP allows (a key 255 bytes, a value 65,535).
 * `isLocal` says whether we tried to send it (thrown at once) or the peer did
 * (the connection is closed).
 */
export class TooLong extends AmpError {
  /** Whether the key (rather than a value) was too long. */
  readonly isKey: boolean;
  /** Whether we were sending it (true) or receiving it. */
  readonly isLocal: boolean;
  /** The key of the over-long value, when known. */
  readonly keyName: string | undefined;

  constructor(isKey: boolean, isLocal: boolean, length: number, keyName?: string) {
    const what = isKey ? 'key' : `value${keyName === undefined ? '' : ` of ${keyName}`}`;
    const limit = isKey ? MAX_KEY_LENGTH : MAX_VALUE_LENGTH;
    super(
      `${isLocal ? 'local' : 'remote'} ${what} too long: ${String(length)} bytes (at most ${String(limit)})`,
    );
    this.isKey = isKey;
    this.isLocal = isLocal;
    this.keyName = keyName;
  }
}
nameError(TooLong, 'TooLong');

/** The bytes received are not AMP: a box was cut short, or an answer names no call we made. */
export class MalformedAmpBox extends AmpError {}
nameError(MalformedAmpBox, 'MalformedAmpBox');

/** A box arrived with none of `_answer`, `_error` and `_command`. */
export class NoEmptyBoxes extends AmpError {}
nameError(NoEmptyBoxes, 'NoEmptyBoxes');

/** `callRemote` got an argument the command does not declare, or lacks a required one. */
export class InvalidSignature extends AmpError {}
nameError(InvalidSignature, 'InvalidSignature');

/** A responder's return value could not be serialized as the command's response. */
export class BadLocalReturn extends AmpError {}
nameError(BadLocalReturn, 'BadLocalReturn');

/** The `_error_code` of a StartTLS refused because this side cannot start TLS: `TLS_ERROR`. */
export const TLS_ERROR_CODE = 'TLS_ERROR';

/**
 * TLS cannot be started on this connection: its transport has no
 * `startTLS` (a UNIX socket, a process's pipes, a test transport), or it
 * failed to start (the TLS server side has no certificate, the PEM data is
 * unusable). The responder answers it as `TLS_ERROR`; the caller gets it
 * from `callRemote(StartTLS, ...)`.
 */
export class TLSNotAvailable extends AmpError {}
nameError(TLSNotAvailable, 'TLSNotAvailable');

/** TLS may be started once per connection; a second StartTLS fails with this. */
export class OnlyOneTLS extends AmpError {}
nameError(OnlyOneTLS, 'OnlyOneTLS');

/**
 * The connection was handed to another protocol (a `ProtocolSwitchCommand`
 * succeeded, or one is waiting for its answer): it carries no more AMP
 * boxes. Sending one throws this; calls still waiting for an answer when
 * the switch happens fail with it.
 */
export class ProtocolSwitched extends AmpError {}
nameError(ProtocolSwitched, 'ProtocolSwitched');

/**
 * An argument type weft cannot carry was used: {@link Descriptor} (file
 * descriptors over a UNIX socket, which Node's sockets cannot pass).
 */
export class UnsupportedArgument extends AmpError {}
nameError(UnsupportedArgument, 'UnsupportedArgument');

/** The longest key AMP allows, in bytes. */
export const MAX_KEY_LENGTH = 0xff;
/** The longest value AMP allows, in bytes. */
export const MAX_VALUE_LENGTH = 0xffff;
