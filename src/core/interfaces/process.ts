/**
 * Child processes (Twisted's `IProcessProtocol`, `IProcessTransport` and
 * `IReactorProcess`).
 *
 * @module
 */
import type { Failure } from '../failure.js';
import type { ITransport } from './transport.js';

/**
 * What the parent does with one of the child's file descriptors:
 * `'w'` — a pipe the parent writes to (the child reads it, as its stdin);
 * `'r'` — a pipe the parent reads from (the child writes it, as its stdout);
 * a number — the child gets this parent descriptor (inherited as is).
 */
export type ChildFD = 'r' | 'w' | number;

/**
 * The child's descriptors, by number (Twisted's `childFDs`). The default is
 * `{ 0: 'w', 1: 'r', 2: 'r' }`: the parent writes the child's stdin and reads
 * its stdout and stderr. Descriptors 0-2 left out are connected to
 * `/dev/null` (Node's `'ignore'`; Twisted leaves them closed); higher ones
 * left out are closed in the child.
 */
export type ChildFDs = Readonly<Record<number, ChildFD>>;

/**
 * A signal for {@link IProcessTransport.signalProcess}: Twisted's short names
 * (`'TERM'`, `'KILL'`, `'INT'`, `'HUP'`, `'STOP'`, ...), Node's full names
 * (`'SIGTERM'`) or a number.
 */
export type ProcessSignal = string | number;

/** Options of {@link IReactorProcess.spawnProcess}, Twisted's keyword arguments. */
export interface SpawnProcessOptions {
  /**
   * The child's environment. Omitted: an empty environment, as Twisted on
   * POSIX (`env={}`); `null`: this process's environment (Twisted's
   * `env=None`).
   */
  readonly env?: Readonly<Record<string, string>> | null;
  /** The child's working directory. Default: this process's. */
  readonly path?: string | null;
  /** The user id to run the child as (needs privileges). */
  readonly uid?: number | null;
  /** The group id to run the child as (needs privileges). */
  readonly gid?: number | null;
  /** The child's descriptors; see {@link ChildFDs}. */
  readonly childFDs?: ChildFDs | null;
}

/**
 * What a child process does with its pipes and its end.
 *
 * Order: `makeConnection` (once, before `spawnProcess` returns), then any
 * number of `childDataReceived(fd, ...)` and one `childConnectionLost(fd)`
 * per pipe (data of a pipe always before its loss), `processExited` once
 * when the child is reaped (before, between or after the pipe losses), and
 * `processEnded` exactly once, last, after the exit and after every pipe has
 * closed. Exceptions thrown by these are logged; one thrown by
 * `childDataReceived` also closes that pipe.
 */
export interface IProcessProtocol {
  /** The child was started (or its start is under way): `process` is its transport. */
  makeConnection(process: IProcessTransport): void;
  /** Bytes from the child's descriptor `childFD` (1: stdout, 2: stderr). */
  childDataReceived(childFD: number, data: Uint8Array): void;
  /** The parent's end of the pipe for `childFD` closed (EOF, or closed by the parent). */
  childConnectionLost(childFD: number): void;
  /**
   * The child exited: `reason` wraps `ProcessDone` (status 0),
   * `ProcessTerminated` (other status, or a signal) or `ProcessSpawnError`.
   */
  processExited(reason: Failure): void;
  /** The child exited and every pipe closed; the last call. `reason` as `processExited`'s. */
  processEnded(reason: Failure): void;
}

/**
 * The transport of a child process: writing goes to its stdin, reading
 * (pausing and resuming) applies to every pipe the parent reads.
 *
 * As every transport it is an `IConsumer` (a producer registered on it is
 * paced by the stdin pipe) and an `IPushProducer` (pausing stops reading the
 * child's output, so a child writing faster than the protocol consumes blocks
 * on a full pipe).
 */
export interface IProcessTransport extends ITransport {
  /** The child's process id; `null` once it has exited (or if it never started). */
  readonly pid: number | null;
  /** Closes the child's stdin once everything written has been sent (the child reads EOF). */
  closeStdin(): void;
  /** Closes the parent's end of the child's stdout (the child gets EPIPE on writing). */
  closeStdout(): void;
  /** Closes the parent's end of the child's stderr. */
  closeStderr(): void;
  /** Closes the parent's end of the pipe for `childFD`; a write pipe is flushed first. */
  closeChildFD(childFD: number): void;
  /** Writes `data` to the pipe the parent writes for `childFD` (ignored if there is none). */
  writeToChild(childFD: number, data: Uint8Array | string): void;
  /**
   * Sends `signal` to the child.
   *
   * @throws {ProcessExitedAlready} if the child has exited or never started.
   */
  signalProcess(signal: ProcessSignal): void;
  /** Closes stdin (flushed), stdout and stderr; the child itself is not signalled. */
  loseConnection(): void;
}

/** Running child processes (Twisted's `IReactorProcess`). */
export interface IReactorProcess {
  /**
   * Starts `executable` with the argument vector `args`, which starts with
   * the child's `argv[0]` (as Twisted's: `['ls', '-l']`), connected to
   * `processProtocol`. Never blocks and never throws for a child that
   * cannot start: that arrives as `processEnded(ProcessSpawnError)`.
   */
  spawnProcess(
    processProtocol: IProcessProtocol,
    executable: string,
    args?: readonly string[],
    options?: SpawnProcessOptions,
  ): IProcessTransport;
}
