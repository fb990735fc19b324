/**
 * Child processes on `node:child_process` (Twisted's `process.Process`):
 * `spawnProcess` and the `Process` transport.
 *
 * @module
 */
import { spawn, type ChildProcess, type StdioOptions } from 'node:child_process';
import { constants } from 'node:os';
import type { Readable, Writable } from 'node:stream';
import { ConnectionLost } from '../core/errors.js';
import { Failure } from '../core/failure.js';
import type {
  ChildFDs,
  IProcessProtocol,
  IProcessTransport,
  ProcessSignal,
  SpawnProcessOptions,
} from '../core/interfaces/process.js';
import type { IPullProducer, IPushProducer } from '../core/interfaces/producer.js';
import { Logger } from '../core/logger.js';
import {
  ProcessDone,
  ProcessExitedAlready,
  ProcessSpawnError,
  ProcessTerminated,
} from '../core/process-errors.js';
import { ProcessAddress } from '../core/process-protocol.js';
import { errorCode } from './errors.js';
import { PipeReader, PipeWriter } from './pipe.js';
import type { Selectable, SocketContext } from './stream-transport.js';

const log = new Logger('weft.process');

const DEFAULT_CHILD_FDS: ChildFDs = { 0: 'w', 1: 'r', 2: 'r' };

/** The reason a child that exited with `code` or was killed by `signal` ended with. */
function exitReason(code: number | null, signal: NodeJS.Signals | null): Failure {
  if (signal !== null) {
    const number = (constants.signals as Record<string, number | undefined>)[signal] ?? null;
    return new Failure(new ProcessTerminated(null, signal, number));
  }
  const status = code ?? 0;
  if (status === 0) return new Failure(new ProcessDone(0));
  return new Failure(new ProcessTerminated(status, null, status << 8));
}

/** Node's `stdio` array for Twisted's `childFDs`. */
function stdioFor(childFDs: ChildFDs): StdioOptions {
  const fds = Object.keys(childFDs).map(Number);
  for (const fd of fds) {
    if (!Number.isInteger(fd) || fd < 0)
      throw new TypeError(`childFDs: bad descriptor ${String(fd)}`);
  }
  const highest = Math.max(2, ...fds);
  const stdio: ('pipe' | 'ignore' | number)[] = [];
  for (let fd = 0; fd <= highest; fd++) {
    const target = childFDs[fd];
    if (target === undefined) stdio.push('ignore');
    else if (target === 'r' || target === 'w') {
      // Node's pipe for descriptor 0 can only be written by the parent.
      if (fd === 0 && target === 'r') {
        throw new TypeError("childFDs: descriptor 0 can only be 'w' (a pipe the parent writes)");
      }
      stdio.push('pipe');
    } else if (Number.isInteger(target) && target >= 0) stdio.push(target);
    else throw new TypeError(`childFDs[${String(fd)}]: expected 'r', 'w' or a descriptor number`);
  }
  return stdio;
}

/** `'TERM'` → `'SIGTERM'`; full names and numbers pass through. */
function signalFor(signal: ProcessSignal): NodeJS.Signals | number {
  if (typeof signal === 'number') return signal;
  return (signal.startsWith('SIG') ? signal : `SIG${signal}`) as NodeJS.Signals;
}

/**
 * A running (or ended) child process: the {@link IProcessTransport} that
 * `spawnProcess` returns and its protocol gets in `makeConnection`.
 *
 * Pipes are Node's (libuv's) non-blocking pipes. Reading: each chunk read
 * goes to `childDataReceived` at once; `pauseProducing()` stops reading
 * every output pipe, so a child writing more than the protocol takes blocks
 * on a full pipe (Node buffers at most one `highWaterMark` per pipe).
 * Writing: `write` and `writeToChild` queue without blocking; a producer
 * registered on the transport is paced by the stdin pipe's buffer.
 *
 * The child is reaped by Node as soon as it exits, so no zombie is left;
 * every pipe is closed once it reaches EOF, is closed by the parent, or the
 * child exits (write pipes), so no descriptor is left open.
 */
export class Process implements IProcessTransport, Selectable {
  /** The protocol this process reports to. */
  readonly protocol: IProcessProtocol;
  /** The executable that was started. */
  readonly executable: string;
  #pid: number | null = null;
  readonly #context: SocketContext;
  readonly #child: ChildProcess | null;
  readonly #pipes = new Map<number, PipeReader | PipeWriter>();
  #exitReason: Failure | null = null;
  #ended = false;
  #disconnecting = false;

  /** @internal Use `reactor.spawnProcess`. */
  constructor(
    context: SocketContext,
    protocol: IProcessProtocol,
    executable: string,
    args: readonly string[],
    options: SpawnProcessOptions,
  ) {
    this.#context = context;
    this.protocol = protocol;
    this.executable = executable;
    const childFDs = options.childFDs ?? DEFAULT_CHILD_FDS;
    const stdio = stdioFor(childFDs);
    let child: ChildProcess | null = null;
    let syncError: unknown = null;
    try {
      child = spawn(executable, args.slice(1), {
        argv0: args[0] ?? executable,
        env: options.env === null ? process.env : { ...options.env },
        stdio,
        ...(options.path == null ? {} : { cwd: options.path }),
        ...(options.uid == null ? {} : { uid: options.uid }),
        ...(options.gid == null ? {} : { gid: options.gid }),
      });
    } catch (e) {
      // Node throws (instead of emitting 'error') for some start failures (EPERM for uid, ...).
      if (errorCode(e) === undefined || errorCode(e)?.startsWith('ERR_') === true) throw e;
      syncError = e;
    }
    this.#child = child;
    this.#pid = child?.pid ?? null;
    for (const [key, target] of Object.entries(childFDs)) {
      const fd = Number(key);
      const stream = (child?.stdio[fd] ?? null) as (Readable & Writable) | null;
      if (target === 'r') {
        this.#pipes.set(
          fd,
          new PipeReader(
            stream,
            (data) => {
              this.#childDataReceived(fd, data);
            },
            () => {
              this.#childConnectionLost(fd);
            },
          ),
        );
      } else if (target === 'w') {
        this.#pipes.set(
          fd,
          new PipeWriter(stream, () => {
            this.#childConnectionLost(fd);
          }),
        );
      }
    }
    if (child !== null) {
      child.on('exit', (code, signal) => {
        this.#processExited(exitReason(code, signal));
      });
      child.on('error', (err) => {
        this.#childError(err);
      });
    } else {
      setImmediate(() => {
        this.#childError(syncError);
      });
    }
    context.selectables.add(this);
    try {
      protocol.makeConnection(this);
    } catch (e) {
      log.failure('Unhandled error in {protocol}.makeConnection', e, {
        protocol: protocol.constructor.name,
      });
    }
  }

  /** The child's process id; `null` once it has exited, or if it never started. */
  get pid(): number | null {
    return this.#pid;
  }

  /** Whether `loseConnection()` was called or the process has ended. */
  get disconnecting(): boolean {
    return this.#disconnecting || this.#ended;
  }

  /** Writes to the child's stdin (ignored when there is no stdin pipe, as in Twisted). */
  write(data: Uint8Array | string): void {
    this.writeToChild(0, data);
  }

  /** Writes each chunk to the child's stdin, in order. */
  writeSequence(data: Iterable<Uint8Array | string>): void {
    for (const chunk of data) this.writeToChild(0, chunk);
  }

  /** Writes to the pipe the parent writes for `childFD`; ignored if there is none. */
  writeToChild(childFD: number, data: Uint8Array | string): void {
    const pipe = this.#pipes.get(childFD);
    if (pipe instanceof PipeWriter) pipe.write(data);
  }

  /** Closes the parent's end of `childFD`'s pipe (a write pipe after flushing); no-op if closed. */
  closeChildFD(childFD: number): void {
    this.#pipes.get(childFD)?.loseConnection();
  }

  /** Closes the child's stdin once everything written is sent. */
  closeStdin(): void {
    this.closeChildFD(0);
  }

  /** Closes the parent's end of the child's stdout. */
  closeStdout(): void {
    this.closeChildFD(1);
  }

  /** Closes the parent's end of the child's stderr. */
  closeStderr(): void {
    this.closeChildFD(2);
  }

  /** Closes stdin (flushed), stderr and stdout, in Twisted's order; the child is not signalled. */
  loseConnection(): void {
    this.#disconnecting = true;
    this.closeStdin();
    this.closeStderr();
    this.closeStdout();
  }

  /**
   * Sends `signal` (`'TERM'`, `'SIGTERM'`, 15, ...) to the child.
   *
   * @throws {ProcessExitedAlready} if it has exited or never started.
   * @throws {TypeError} for an unknown signal name.
   */
  signalProcess(signal: ProcessSignal): void {
    const pid = this.#pid;
    if (pid === null) throw new ProcessExitedAlready();
    try {
      process.kill(pid, signalFor(signal));
    } catch (e) {
      if (errorCode(e) === 'ESRCH') throw new ProcessExitedAlready(undefined, { cause: e });
      throw e;
    }
  }

  /** Registers `producer` on the stdin pipe; with no stdin it is stopped at once. */
  registerProducer(producer: IPushProducer | IPullProducer, streaming: boolean): void {
    const stdin = this.#pipes.get(0);
    if (stdin instanceof PipeWriter) stdin.registerProducer(producer, streaming);
    else producer.stopProducing();
  }

  /** Unregisters the stdin pipe's producer. */
  unregisterProducer(): void {
    const stdin = this.#pipes.get(0);
    if (stdin instanceof PipeWriter) stdin.unregisterProducer();
  }

  /** Stops reading every output pipe (the child blocks once a pipe is full). */
  pauseProducing(): void {
    for (const pipe of this.#pipes.values()) if (pipe instanceof PipeReader) pipe.pause();
  }

  /** Reads every output pipe again. */
  resumeProducing(): void {
    for (const pipe of this.#pipes.values()) if (pipe instanceof PipeReader) pipe.resume();
  }

  /** As `loseConnection()`. */
  stopProducing(): void {
    this.loseConnection();
  }

  /** A {@link ProcessAddress}. */
  getPeer(): ProcessAddress {
    return new ProcessAddress();
  }

  /** A {@link ProcessAddress}. */
  getHost(): ProcessAddress {
    return new ProcessAddress();
  }

  /**
   * Bytes written to the child's stdin and not yet taken by the operating
   * system (0 without a stdin pipe).
   */
  get stdinBufferedBytes(): number {
    const stdin = this.#pipes.get(0);
    return stdin instanceof PipeWriter ? stdin.bufferedBytes : 0;
  }

  /**
   * At reactor shutdown, as Twisted's `disconnectAll`: every pipe closes now
   * (`childConnectionLost` for each, before this returns). The child keeps
   * running but no longer keeps this process alive.
   *
   * @internal
   */
  closeAtShutdown(): void {
    this.#disconnecting = true;
    this.#child?.unref();
    const lost = new Failure(new ConnectionLost());
    for (const pipe of [...this.#pipes.values()]) pipe.abortNow(lost);
  }

  /** A string naming the process, for logs. */
  toString(): string {
    return `Process(${JSON.stringify(this.executable)}, pid=${String(this.#pid)})`;
  }

  // ----- events

  #childDataReceived(fd: number, data: Uint8Array): void {
    try {
      this.protocol.childDataReceived(fd, data);
    } catch (e) {
      // As Twisted: the failing pipe is closed; the process goes on.
      log.failure('Unhandled error in {protocol}.childDataReceived; closing descriptor {fd}', e, {
        protocol: this.protocol.constructor.name,
        fd,
      });
      this.#pipes.get(fd)?.loseConnection();
    }
  }

  #childConnectionLost(fd: number): void {
    this.#pipes.delete(fd);
    try {
      this.protocol.childConnectionLost(fd);
    } catch (e) {
      log.failure('Unhandled error in {protocol}.childConnectionLost', e, {
        protocol: this.protocol.constructor.name,
      });
    }
    this.#maybeEnded();
  }

  #childError(err: unknown): void {
    if (this.#exitReason !== null) return;
    if (this.#child !== null && this.#child.pid !== undefined) {
      // A started child: Node reports failures of kill() this way; the exit still comes.
      log.failure('Error from child process {process}', err, { process: this.toString() });
      return;
    }
    // The child never started: Node made no pipes that could report their end.
    const reason = new Failure(
      new ProcessSpawnError(this.executable, { code: errorCode(err), cause: err }),
    );
    for (const pipe of [...this.#pipes.values()]) pipe.abortNow(reason);
    this.#processExited(reason);
  }

  #processExited(reason: Failure): void {
    if (this.#exitReason !== null) return;
    this.#exitReason = reason;
    this.#pid = null;
    // Nobody reads the write pipes any more (Node closes stdin itself on exit).
    for (const pipe of this.#pipes.values()) if (pipe instanceof PipeWriter) pipe.abort();
    try {
      this.protocol.processExited(reason);
    } catch (e) {
      log.failure('Unhandled error in {protocol}.processExited', e, {
        protocol: this.protocol.constructor.name,
      });
    }
    this.#maybeEnded();
  }

  #maybeEnded(): void {
    const reason = this.#exitReason;
    if (this.#ended || reason === null || this.#pipes.size > 0) return;
    this.#ended = true;
    this.#context.selectables.delete(this);
    try {
      this.protocol.processEnded(reason);
    } catch (e) {
      log.failure('Unhandled error in {protocol}.processEnded', e, {
        protocol: this.protocol.constructor.name,
      });
    }
  }
}
