/**
 * Running a child to completion and collecting what it did (Twisted's
 * `twisted.internet.utils`): `getProcessOutput`, `getProcessValue`,
 * `getProcessOutputAndValue`.
 *
 * Unlike `spawnProcess`, these take the arguments *without* `argv[0]`
 * (the executable's name is used), as Twisted's.
 *
 * @module
 */
import { concatBytes } from '../core/bytes.js';
import { Deferred } from '../core/defer.js';
import { Failure } from '../core/failure.js';
import type { IReactorProcess } from '../core/interfaces/process.js';
import {
  ProcessDone,
  ProcessSignalledError,
  ProcessSpawnError,
  ProcessTerminated,
  UnexpectedErrorOutput,
} from '../core/process-errors.js';
import { ProcessProtocol } from '../core/process-protocol.js';
import { reactor as defaultReactor } from './reactor.js';

/** Options of {@link getProcessValue}. */
export interface GetProcessValueOptions {
  /** The child's environment: omitted, empty (as Twisted); `null`, this process's. */
  readonly env?: Readonly<Record<string, string>> | null;
  /** The child's working directory. */
  readonly path?: string | null;
  /** The reactor to spawn on. Default: weft's `reactor`. */
  readonly reactor?: IReactorProcess;
}

/** Options of {@link getProcessOutput}. */
export interface GetProcessOutputOptions extends GetProcessValueOptions {
  /**
   * Include stderr in the output (interleaved as it arrives). Without it,
   * anything on stderr fails the result with {@link UnexpectedErrorOutput}.
   */
  readonly errortoo?: boolean;
}

/** Options of {@link getProcessOutputAndValue}. */
export interface GetProcessOutputAndValueOptions extends GetProcessValueOptions {
  /** Bytes written to the child's stdin, which is then closed. Default: stdin stays open. */
  readonly stdinBytes?: Uint8Array | string;
}

/**
 * The chunks joined into a fresh plain `Uint8Array`, even for one chunk (unlike core's
 * `concatBytes`): a child's output comes as `Buffer`s, whose `slice()` shares memory, and callers
 * get a `Uint8Array` they own.
 */
function copyBytes(chunks: readonly Uint8Array[]): Uint8Array {
  const joined = concatBytes(chunks);
  return chunks.length === 1 ? new Uint8Array(joined) : joined;
}

function spawn(
  protocol: ProcessProtocol,
  executable: string,
  args: readonly string[],
  options: GetProcessValueOptions,
): void {
  const reactor = options.reactor ?? defaultReactor;
  reactor.spawnProcess(protocol, executable, [executable, ...args], {
    ...(options.env === undefined ? {} : { env: options.env }),
    ...(options.path == null ? {} : { path: options.path }),
  });
}

/** Collects stdout (and stderr with `errortoo`); Twisted's `_BackRelay`. */
class BackRelay extends ProcessProtocol {
  readonly #chunks: Uint8Array[] = [];
  #deferred: Deferred<Uint8Array> | null;
  #onProcessEnded: Deferred<never> | null = null;
  readonly #errortoo: boolean;

  constructor(deferred: Deferred<Uint8Array>, errortoo: boolean) {
    super();
    this.#deferred = deferred;
    this.#errortoo = errortoo;
  }

  override outReceived(data: Uint8Array): void {
    this.#chunks.push(data);
  }

  override errReceived(data: Uint8Array): void {
    if (this.#errortoo) {
      this.#chunks.push(data);
      return;
    }
    const deferred = this.#deferred;
    if (deferred === null) return;
    this.#deferred = null;
    const ended = new Deferred<never>();
    this.#onProcessEnded = ended;
    deferred.errback(new Failure(new UnexpectedErrorOutput(data, ended)));
    this.transport.loseConnection();
  }

  override processEnded(reason: Failure): void {
    const deferred = this.#deferred;
    if (deferred !== null) {
      this.#deferred = null;
      if (reason.value instanceof ProcessSpawnError) deferred.errback(reason);
      else deferred.callback(copyBytes(this.#chunks));
    } else {
      this.#onProcessEnded?.errback(reason);
    }
  }
}

/**
 * Runs `executable` with `args` (without `argv[0]`) and fires with
 * everything it wrote to stdout once it has ended, whatever its exit
 * status (as Twisted's).
 *
 * Fails with {@link UnexpectedErrorOutput} as soon as the child writes to
 * stderr, unless `errortoo` is set (then stderr is part of the output); the
 * child's pipes are then closed, and the error's `processEnded` fails once it
 * has ended. Fails with `ProcessSpawnError` if the child cannot start.
 *
 * @example
 * ```ts
 * const out = await getProcessOutput('/bin/echo', ['hello']);
 * console.log(new TextDecoder().decode(out)); // "hello\n"
 * ```
 */
export function getProcessOutput(
  executable: string,
  args: readonly string[] = [],
  options: GetProcessOutputOptions = {},
): Deferred<Uint8Array> {
  const deferred = new Deferred<Uint8Array>();
  spawn(new BackRelay(deferred, options.errortoo ?? false), executable, args, options);
  return deferred;
}

/** Fires with the exit code; Twisted's `_ValueGetter`. */
class ValueGetter extends ProcessProtocol {
  readonly #deferred: Deferred<number | null>;
  constructor(deferred: Deferred<number | null>) {
    super();
    this.#deferred = deferred;
  }
  override processEnded(reason: Failure): void {
    const value = reason.value;
    if (value instanceof ProcessSpawnError) this.#deferred.errback(reason);
    else if (value instanceof ProcessDone || value instanceof ProcessTerminated) {
      this.#deferred.callback(value.exitCode);
    } else this.#deferred.errback(reason);
  }
}

/**
 * Runs `executable` with `args` (without `argv[0]`) and fires with its exit
 * status once it has ended: `null` if a signal killed it (as Twisted's
 * `None`). Its output is read and dropped; its stdin stays open. Fails with
 * `ProcessSpawnError` if the child cannot start.
 *
 * @example
 * ```ts
 * const code = await getProcessValue('/bin/sh', ['-c', 'exit 3']);
 * console.log(code); // 3
 * ```
 */
export function getProcessValue(
  executable: string,
  args: readonly string[] = [],
  options: GetProcessValueOptions = {},
): Deferred<number | null> {
  const deferred = new Deferred<number | null>();
  spawn(new ValueGetter(deferred), executable, args, options);
  return deferred;
}

/** Collects both outputs and the exit code; Twisted's `_EverythingGetter`. */
class EverythingGetter extends ProcessProtocol {
  readonly #out: Uint8Array[] = [];
  readonly #err: Uint8Array[] = [];
  readonly #deferred: Deferred<[Uint8Array, Uint8Array, number]>;
  readonly #stdinBytes: Uint8Array | string | undefined;

  constructor(
    deferred: Deferred<[Uint8Array, Uint8Array, number]>,
    stdinBytes: Uint8Array | string | undefined,
  ) {
    super();
    this.#deferred = deferred;
    this.#stdinBytes = stdinBytes;
  }

  override connectionMade(): void {
    if (this.#stdinBytes === undefined) return;
    this.transport.writeToChild(0, this.#stdinBytes);
    this.transport.closeStdin();
  }

  override outReceived(data: Uint8Array): void {
    this.#out.push(data);
  }

  override errReceived(data: Uint8Array): void {
    this.#err.push(data);
  }

  override processEnded(reason: Failure): void {
    const value = reason.value;
    const out = copyBytes(this.#out);
    const err = copyBytes(this.#err);
    if (value instanceof ProcessSpawnError) {
      this.#deferred.errback(reason);
    } else if (value instanceof ProcessTerminated && value.signal !== null) {
      this.#deferred.errback(
        new Failure(new ProcessSignalledError(out, err, value.signal, { cause: value })),
      );
    } else if (value instanceof ProcessDone || value instanceof ProcessTerminated) {
      this.#deferred.callback([out, err, value.exitCode ?? 0]);
    } else {
      this.#deferred.errback(reason);
    }
  }
}

/**
 * Runs `executable` with `args` (without `argv[0]`) and fires with
 * `[stdout, stderr, exitCode]` once it has ended. Fails with
 * {@link ProcessSignalledError} (carrying the output so far) if a signal
 * killed it, and with `ProcessSpawnError` if it cannot start. With
 * `stdinBytes`, those bytes are written to the child's stdin, which is then
 * closed.
 *
 * @example
 * ```ts
 * const [out, err, code] = await getProcessOutputAndValue('/bin/sh', ['-c', 'echo hi; exit 2']);
 * console.log(new TextDecoder().decode(out), err.length, code); // "hi\n" 0 2
 * ```
 */
export function getProcessOutputAndValue(
  executable: string,
  args: readonly string[] = [],
  options: GetProcessOutputAndValueOptions = {},
): Deferred<[Uint8Array, Uint8Array, number]> {
  const deferred = new Deferred<[Uint8Array, Uint8Array, number]>();
  spawn(new EverythingGetter(deferred, options.stdinBytes), executable, args, options);
  return deferred;
}
