/**
 * `ProcessEndpoint`: a client endpoint whose "connection" is a child
 * process, the protocol talking to its stdin and stdout (Twisted's
 * `twisted.internet.endpoints.ProcessEndpoint`).
 *
 * @module
 */
import { Deferred, fail } from '../core/defer.js';
import { NoProtocol } from '../core/errors.js';
import type { Failure } from '../core/failure.js';
import type { IStreamClientEndpoint, ProtocolFactoryOf } from '../core/interfaces/endpoint.js';
import type {
  IProcessTransport,
  IReactorProcess,
  SpawnProcessOptions,
} from '../core/interfaces/process.js';
import type { IProtocol } from '../core/interfaces/protocol.js';
import { ProcessAddress, ProtocolProcessAdapter } from '../core/process-protocol.js';

/** Options of {@link ProcessEndpoint}: `spawnProcess`'s, and what to do with stderr. */
export interface ProcessEndpointOptions extends SpawnProcessOptions {
  /**
   * The child's stderr: `'log'` (the default, Twisted's
   * `StandardErrorBehavior.LOG`) logs each chunk at `warn`; `'drop'`
   * discards it.
   */
  readonly stderr?: 'log' | 'drop';
}

/**
 * Connects the user's protocol once the child is known to have started,
 * and settles the endpoint's Deferred: with the protocol after its
 * `connectionMade`, or with the spawn error.
 */
class EndpointProcessProtocol<P extends IProtocol> extends ProtocolProcessAdapter {
  readonly #connected: Deferred<P>;
  #spawnFailed = false;

  constructor(
    protocol: P,
    connected: Deferred<P>,
    options: { stderr: 'log' | 'drop'; executable: string },
  ) {
    super(protocol, options);
    this.#connected = connected;
  }

  override makeConnection(process: IProcessTransport): void {
    if (process.pid === null) {
      // The child never started: the reason comes with processEnded, on a later turn.
      this.#spawnFailed = true;
      this.connected = true;
      this.transport = process;
      return;
    }
    super.makeConnection(process);
    if (!this.#connected.called) this.#connected.callback(this.protocol as P);
  }

  override processEnded(reason: Failure): void {
    if (this.#spawnFailed) {
      if (!this.#connected.called) this.#connected.errback(reason);
      return;
    }
    super.processEnded(reason);
  }
}

/**
 * A client endpoint that starts a child process: `connect(factory)` builds
 * a protocol, spawns `executable` with `args` (starting with its
 * `argv[0]`, as `spawnProcess`'s) and runs the protocol over the child's
 * stdin (what it writes) and stdout (its `dataReceived`). The child's
 * stderr is logged or dropped (`stderr` option). When the child has ended
 * and its pipes have closed, the protocol gets `connectionLost`:
 * `ConnectionDone` for exit status 0, the `ProcessTerminated` reason
 * otherwise. The protocol's transport is the process's
 * (`IProcessTransport`): `loseConnection()` closes every pipe, as Twisted's,
 * without signalling the child; `closeStdin()` sends EOF and keeps reading
 * the child's answer.
 *
 * The Deferred fires with the protocol after its `connectionMade`, or fails
 * with `ProcessSpawnError` (carrying the platform `code`, `ENOENT`, ...)
 * when the child cannot start, with `NoProtocol` when the factory builds
 * none, or with what `buildProtocol` threw.
 *
 * @example
 * ```ts
 * class Upper extends Protocol {
 *   override connectionMade(): void {
 *     this.transport.write('hello\n');
 *     (this.transport as IProcessTransport).closeStdin(); // EOF; the answer still comes
 *   }
 *   override dataReceived(data: Uint8Array): void {
 *     console.log(new TextDecoder().decode(data)); // HELLO
 *   }
 * }
 * const endpoint = new ProcessEndpoint(reactor, 'tr', ['tr', 'a-z', 'A-Z'], { env: null });
 * await connectProtocol(endpoint, new Upper());
 * ```
 */
export class ProcessEndpoint implements IStreamClientEndpoint {
  /** The reactor processes are spawned on. */
  readonly reactor: IReactorProcess;
  /** The program started. */
  readonly executable: string;
  /** Its argument vector, `argv[0]` first. */
  readonly args: readonly string[];
  /** `spawnProcess`'s options, and `stderr`. */
  readonly options: ProcessEndpointOptions;

  constructor(
    reactor: IReactorProcess,
    executable: string,
    args: readonly string[] = [],
    options: ProcessEndpointOptions = {},
  ) {
    this.reactor = reactor;
    this.executable = executable;
    this.args = args;
    this.options = options;
  }

  /** Spawns the child with a protocol from `factory`; see the class comment. */
  connect<P extends IProtocol>(factory: ProtocolFactoryOf<P>): Deferred<P> {
    let protocol: P | null;
    try {
      protocol = factory.buildProtocol(new ProcessAddress());
    } catch (e) {
      return fail(e);
    }
    if (protocol === null) return fail(new NoProtocol());
    const connected = new Deferred<P>();
    const { stderr, ...spawnOptions } = this.options;
    const adapter = new EndpointProcessProtocol(protocol, connected, {
      stderr: stderr ?? 'log',
      executable: this.executable,
    });
    try {
      this.reactor.spawnProcess(adapter, this.executable, this.args, spawnOptions);
    } catch (e) {
      if (!connected.called) connected.errback(e);
    }
    return connected;
  }

  /** A string naming the endpoint, for logs. */
  toString(): string {
    return `ProcessEndpoint(${JSON.stringify(this.executable)})`;
  }
}
