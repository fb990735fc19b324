/**
 * `react`: run a main function under the reactor and exit with its outcome
 * (Twisted's `twisted.internet.task.react`).
 *
 * @module
 */
import { maybeDeferred, type Deferred } from '../core/defer.js';
import { ReactorNotRunning, SystemExit } from '../core/errors.js';
import { Failure } from '../core/failure.js';
import { Logger } from '../core/logger.js';
import type { IReactor } from '../core/interfaces/reactor.js';
import { reactor as defaultReactor, type NodeReactor } from './reactor.js';

const log = new Logger('weft.react');

/**
 * Calls `main(reactor, ...argv)`, runs the reactor, and stops it when the
 * Deferred or promise `main` returns settles. Sets `process.exitCode`: 0 on
 * success; on failure the error is logged with its traceback and the code is
 * 1, unless the error is a {@link SystemExit}, whose `exitCode` is used.
 *
 * @returns a Deferred firing with the exit code once shutdown has completed.
 *
 * @example
 * ```ts
 * import { react, deferLater } from 'weft';
 * react(async (reactor) => {
 *   await deferLater(reactor, 1);
 *   console.log('done');
 * });
 * ```
 */
export function react<A extends unknown[] = [], R extends IReactor = NodeReactor>(
  main: (reactor: R, ...argv: A) => unknown,
  argv: A = [] as unknown as A,
  reactor: R = defaultReactor as unknown as R,
): Deferred<number> {
  let code = 0;
  let stopping = false;
  reactor.addSystemEventTrigger('before', 'shutdown', () => {
    stopping = true;
  });
  const record = (result: unknown): void => {
    if (result instanceof Failure) {
      if (result.value instanceof SystemExit) {
        code = result.value.exitCode;
      } else {
        log.failure('main function encountered error', result);
        code = 1;
      }
    }
  };
  const finish = (result: unknown): undefined => {
    if (stopping) {
      record(result);
    } else {
      reactor.callWhenRunning(() => {
        record(result);
        if (stopping) return;
        try {
          reactor.stop();
        } catch (e) {
          // main stopped the reactor itself just before its result came (before-shutdown
          // triggers have not run yet, so `stopping` is still false): nothing left to do.
          if (!(e instanceof ReactorNotRunning)) throw e;
        }
      });
    }
    return undefined;
  };
  maybeDeferred(main, reactor, ...argv).addBoth(finish);
  return reactor.run().addCallback(() => {
    process.exitCode = code;
    return code;
  });
}
