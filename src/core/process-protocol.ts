/**
 * `ProcessProtocol`, the base class for talking to a child process, and
 * `ProtocolProcessAdapter`, which runs any `IProtocol` over a child's stdin
 * and stdout (Twisted's `ProcessProtocol` and the idea of its
 * `endpoints._WrapIProtocol`).
 *
 * @module
 */
import type { IAddress } from './address.js';
import { ConnectionDone } from './errors.js';
import { Failure } from './failure.js';
import type { IProcessProtocol, IProcessTransport } from './interfaces/process.js';
import type { IProtocol } from './interfaces/protocol.js';
import { Logger } from './logger.js';
import { ProcessDone } from './process-errors.js';

const log = new Logger('weft.process');

/**
 * The address of both ends of a child process's pipes (Twisted's
 * `_ProcessAddress`): what `getPeer()` and `getHost()` of a process
 * transport return.
 */
export class ProcessAddress implements IAddress {
  equals(other: unknown): boolean {
    return other instanceof ProcessAddress;
  }
  toString(): string {
    return 'ProcessAddress()';
  }
}

/**
 * The address of both ends of standard I/O (Twisted's `PipeAddress`): what
 * `getPeer()` and `getHost()` of `StandardIO` return.
 */
export class PipeAddress implements IAddress {
  equals(other: unknown): boolean {
    return other instanceof PipeAddress;
  }
  toString(): string {
    return 'PipeAddress()';
  }
}

/**
 * The base class for child-process protocols: override the callbacks you
 * need. {@link ProcessProtocol.childDataReceived} dispatches the child's
 * stdout to `outReceived` and stderr to `errReceived`;
 * {@link ProcessProtocol.childConnectionLost} dispatches descriptors 0, 1
 * and 2 to `inConnectionLost`, `outConnectionLost` and `errConnectionLost`.
 * Override the `child*` methods themselves to handle other descriptors.
 *
 * ```
 * spawnProcess ─► makeConnection ─► connectionMade
 *                   outReceived* / errReceived*      (any order between pipes)
 *                   inConnectionLost, outConnectionLost, errConnectionLost
 *                   processExited(reason)            (anywhere after connectionMade)
 *                 processEnded(reason)               (last: exited and all pipes closed)
 * ```
 *
 * @example
 * ```ts
 * class Collect extends ProcessProtocol {
 *   out = '';
 *   override outReceived(data: Uint8Array): void {
 *     this.out += new TextDecoder().decode(data);
 *   }
 *   override processEnded(reason: Failure): void {
 *     console.log(reason.check(ProcessDone) ? this.out : reason.getErrorMessage());
 *   }
 * }
 * reactor.spawnProcess(new Collect(), 'echo', ['echo', 'hello'], { env: null });
 * ```
 */
export class ProcessProtocol implements IProcessProtocol {
  /** Whether `makeConnection` has been called. */
  connected = false;
  /** The child's transport, set by `makeConnection` (undefined before). */
  transport!: IProcessTransport;

  /** Attaches `process` and calls {@link ProcessProtocol.connectionMade}. Called once. */
  makeConnection(process: IProcessTransport): void {
    this.connected = true;
    this.transport = process;
    this.connectionMade();
  }

  /** The child was started: its stdin may be written to. Override. */
  connectionMade(): void {
    // Override.
  }

  /** Bytes from `childFD`: 1 goes to `outReceived`, 2 to `errReceived`, others are dropped. */
  childDataReceived(childFD: number, data: Uint8Array): void {
    if (childFD === 1) this.outReceived(data);
    else if (childFD === 2) this.errReceived(data);
  }

  /** Bytes from the child's stdout. Override. */
  outReceived(_data: Uint8Array): void {
    // Override.
  }

  /** Bytes from the child's stderr. Override. */
  errReceived(_data: Uint8Array): void {
    // Override.
  }

  /** The pipe of `childFD` closed: 0, 1 and 2 go to the `in`/`out`/`errConnectionLost` methods. */
  childConnectionLost(childFD: number): void {
    if (childFD === 0) this.inConnectionLost();
    else if (childFD === 1) this.outConnectionLost();
    else if (childFD === 2) this.errConnectionLost();
  }

  /** The child's stdin closed. Override. */
  inConnectionLost(): void {
    // Override.
  }

  /** The child's stdout closed. Override. */
  outConnectionLost(): void {
    // Override.
  }

  /** The child's stderr closed. Override. */
  errConnectionLost(): void {
    // Override.
  }

  /** The child exited (its pipes may still be open). Override. */
  processExited(_reason: Failure): void {
    // Override.
  }

  /** The child exited and every pipe closed: the last call. Override. */
  processEnded(_reason: Failure): void {
    // Override.
  }
}

/** Options of {@link ProtocolProcessAdapter}. */
export interface ProtocolProcessAdapterOptions {
  /**
   * What to do with the child's stderr: `'log'` (the default, as Twisted's
   * `StandardErrorBehavior.LOG`) logs each chunk at `warn`; `'drop'`
   * discards it.
   */
  readonly stderr?: 'log' | 'drop';
  /** The executable's name, for the log. */
  readonly executable?: string;
}

/**
 * Runs an ordinary {@link IProtocol} over a child process: the protocol
 * writes to the child's stdin (its `transport` is the process transport)
 * and gets the child's stdout in `dataReceived`. When the child has ended,
 * the protocol gets `connectionLost` with `ConnectionDone` if it exited
 * with status 0, otherwise with the `ProcessTerminated` reason. Any
 * line-based or framed protocol thus talks to a child as it would to a
 * socket.
 *
 * @example
 * ```ts
 * class Upper extends Protocol {
 *   override connectionMade(): void {
 *     this.transport.write('hello\n');
 *     this.transport.loseConnection(); // EOF on the child's stdin
 *   }
 *   override dataReceived(data: Uint8Array): void {
 *     console.log(new TextDecoder().decode(data)); // HELLO
 *   }
 * }
 * reactor.spawnProcess(new ProtocolProcessAdapter(new Upper()), 'tr', ['tr', 'a-z', 'A-Z'], {
 *   env: null,
 * });
 * ```
 */
export class ProtocolProcessAdapter extends ProcessProtocol {
  /** The protocol being driven. */
  readonly protocol: IProtocol;
  readonly #stderr: 'log' | 'drop';
  readonly #executable: string | undefined;

  constructor(protocol: IProtocol, options: ProtocolProcessAdapterOptions = {}) {
    super();
    this.protocol = protocol;
    this.#stderr = options.stderr ?? 'log';
    this.#executable = options.executable;
  }

  /** Connects the wrapped protocol to the process transport. */
  override makeConnection(process: IProcessTransport): void {
    this.connected = true;
    this.transport = process;
    this.protocol.makeConnection(process);
  }

  /** The child's stdout goes to the protocol's `dataReceived`; stderr is logged or dropped. */
  override childDataReceived(childFD: number, data: Uint8Array): void {
    if (childFD === 1) {
      this.protocol.dataReceived(data);
    } else if (childFD === 2 && this.#stderr === 'log') {
      log.warn('Process {executable} wrote stderr unhandled by {protocol}: {data}', {
        executable: this.#executable ?? '(child)',
        protocol: this.protocol.constructor.name,
        data: new TextDecoder().decode(data),
      });
    }
  }

  /** Ends the protocol: `ConnectionDone` for exit status 0, the process's reason otherwise. */
  override processEnded(reason: Failure): void {
    const value = reason.value;
    if (value instanceof ProcessDone && value.status === 0) {
      this.protocol.connectionLost(new Failure(new ConnectionDone()));
    } else {
      this.protocol.connectionLost(reason);
    }
  }
}
