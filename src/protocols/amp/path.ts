/**
 * AMP's operating-system argument types: `Path` (Twisted's `amp.Path`) and
 * `Descriptor` (Twisted's `amp.Descriptor`, which weft cannot carry).
 *
 * @module
 */
import { Argument, type ArgumentOptions, Unicode } from './arguments.js';
import { UnsupportedArgument } from './errors.js';

/**
 * A filesystem path, sent as its text in UTF-8 (Twisted's `amp.Path`, which
 * sends `FilePath.asTextMode().path`).
 *
 * The value is the path as a string, sent exactly as given. Twisted's side
 * differs in one way: its `FilePath` makes every path absolute, so a
 * Twisted peer sends absolute paths and turns a relative path it receives
 * into an absolute one against its own working directory. Send absolute
 * paths when the peer is Twisted. As Twisted says, a path means something
 * only where both ends share a filesystem (a subprocess, an NFS mount).
 *
 * @example
 * ```ts
 * const Open = command({ name: 'Open', arguments: { path: new Path() } });
 * ```
 */
export class Path<const O extends boolean = false> extends Unicode<O> {}

/**
 * Twisted's `amp.Descriptor` — a file descriptor passed over a UNIX socket
 * (`sendmsg` with `SCM_RIGHTS`, matched to the argument by an ordinal) — is
 * **not supported**: Node's `net` sockets cannot send or receive file
 * descriptors, and weft does not fake it. Declaring an argument with it
 * throws at once, so a command that needs one fails where it is declared,
 * not on the first call.
 *
 * To hand a file to another process, send its {@link Path}, or start the
 * process with the descriptor among its standard streams.
 */
export class Descriptor<const O extends boolean = false> extends Argument<number, O> {
  /** @throws {UnsupportedArgument} always. */
  constructor(options?: ArgumentOptions<O>) {
    super(options);
    throw new UnsupportedArgument(
      "AMP's Descriptor argument needs file descriptor passing over UNIX sockets " +
        '(SCM_RIGHTS), which Node sockets cannot do; weft does not support it',
    );
  }

  /** Unreachable: the constructor throws. */
  toWire(_value: number): Uint8Array {
    throw new UnsupportedArgument('Descriptor is not supported');
  }

  /** Unreachable: the constructor throws. */
  fromWire(_bytes: Uint8Array): number {
    throw new UnsupportedArgument('Descriptor is not supported');
  }
}
