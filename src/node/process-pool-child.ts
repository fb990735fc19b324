/**
 * The child side of a `ProcessPool`: `runProcessPoolChild` answers the
 * pool's AMP commands on this process's stdin and stdout.
 *
 * @module
 */
import { globalLogBeginner } from '../core/logger.js';
import type { Failure } from '../core/failure.js';
import type { IReactorCore } from '../core/interfaces/reactor.js';
import { AMP } from '../protocols/amp/amp.js';
import { command, type Command, type NoArguments } from '../protocols/amp/command.js';
import type { ResponderLocator } from '../protocols/amp/dispatcher.js';
import { stderrLogObserver } from './log.js';
import { reactor as defaultReactor } from './reactor.js';
import { StandardIO } from './stdio.js';

/** Options of {@link runProcessPoolChild}. */
export interface ProcessPoolChildOptions {
  /**
   * Exit the process once the pool closes the connection (stdin reaches
   * EOF) or the connection fails. Default true: a retired or stopped child
   * ends even if a timer of the user's code is still pending.
   */
  readonly exitOnDisconnect?: boolean;
  /**
   * Send `console.log`, `console.info` and `console.debug` to stderr, since
   * stdout carries AMP and a stray line there would break the connection.
   * Default true.
   */
  readonly redirectConsole?: boolean;
  /**
   * Start logging weft's log events to stderr, where the pool logs what a
   * child writes, unless logging was begun already. Default true.
   */
  readonly logToStderr?: boolean;
  /** The reactor the connection belongs to. Default: weft's `reactor`. */
  readonly reactor?: IReactorCore;
}

/**
 * Child → pool, once, when the child is ready for calls (its modules are
 * loaded): the pool starts timing a call from then, not from the spawn.
 *
 * @internal
 */
export const ChildReady: Command<NoArguments, NoArguments, false> = command({
  name: '_weft_pool_child_ready',
  requiresAnswer: false,
});

/* v8 ignore start -- runs in pool children, where the test run's coverage cannot see it
   (test/node/process-pool.test.ts drives it in real children) */
/** An AMP connection that ends the process when it ends. */
class ChildAMP extends AMP {
  readonly #exitOnDisconnect: boolean;
  constructor(locator: ResponderLocator, exitOnDisconnect: boolean) {
    super({ locator });
    this.#exitOnDisconnect = exitOnDisconnect;
  }
  override connectionLost(reason: Failure): void {
    super.connectionLost(reason);
    // stderr is a pipe (written synchronously on POSIX), so nothing logged is lost.
    if (this.#exitOnDisconnect) process.exit(0);
  }
}

/**
 * Runs this process as a child of a `ProcessPool` (Ampoule's `AMPChild`):
 * answers the AMP commands that arrive on stdin with `locator`'s
 * responders (a `CommandLocator`, or any `ResponderLocator`), writing the
 * answers to stdout. Call it once, in the module the pool starts
 * (`childModule`). Returns the connection, whose `callRemote` reaches the
 * pool's own responders (its `locator` option).
 *
 * A responder that throws one of its command's declared errors answers
 * with that error; any other error is answered as `UnknownRemoteError` and
 * closes the connection, so the pool replaces this child (AMP's rule).
 *
 * @example
 * ```ts
 * // child.ts, the pool's childModule
 * const Fib = command({
 *   name: 'Fib',
 *   arguments: { n: new Integer() },
 *   response: { value: new Integer() },
 * });
 * const fib = (n: number): number => (n < 2 ? n : fib(n - 1) + fib(n - 2));
 * runProcessPoolChild(new CommandLocator().respond(Fib, ({ n }) => ({ value: fib(n) })));
 * ```
 */
export function runProcessPoolChild(
  locator: ResponderLocator,
  options: ProcessPoolChildOptions = {},
): AMP {
  if (options.redirectConsole ?? true) {
    const toStderr = (...args: unknown[]): void => {
      console.error(...args);
    };
    console.log = toStderr;
    console.info = toStderr;
    console.debug = toStderr;
  }
  if ((options.logToStderr ?? true) && !globalLogBeginner.begun)
    globalLogBeginner.beginLoggingTo([stderrLogObserver()]);
  const amp = new ChildAMP(locator, options.exitOnDisconnect ?? true);
  new StandardIO(amp, { reactor: options.reactor ?? defaultReactor });
  amp.callRemote(ChildReady, {});
  return amp;
}
/* v8 ignore stop */
