/**
 * The pieces of `ProcessPool` that are not its scheduling: its options, its
 * records of calls and children, the parent's AMP end, and argument checks.
 *
 * @module
 */
import { isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { Deferred } from '../core/defer.js';
import type { Failure } from '../core/failure.js';
import type { IProcessTransport, IReactorProcess } from '../core/interfaces/process.js';
import type { IDelayedCall, IReactorCore, IReactorTime } from '../core/interfaces/reactor.js';
import { AMP } from '../protocols/amp/amp.js';
import type { Command } from '../protocols/amp/command.js';
import type { ResponderLocator } from '../protocols/amp/dispatcher.js';
import type { PoolJob } from './pool-queue.js';

/** What a {@link ProcessPool} needs of a reactor: processes, time and shutdown triggers. */
export type ProcessPoolReactor = IReactorProcess &
  IReactorTime &
  Pick<IReactorCore, 'addSystemEventTrigger' | 'removeSystemEventTrigger'>;

/** Options of {@link ProcessPool}. */
export interface ProcessPoolOptions {
  /**
   * The JavaScript module each child runs (a URL or an absolute path); it
   * calls `runProcessPoolChild(locator)`.
   */
  readonly childModule: string | URL;
  /** Arguments after the module (the child's `process.argv.slice(2)`). Default none. */
  readonly args?: readonly string[];
  /** Node options before the module (`['--max-old-space-size=256']`). Default none. */
  readonly execArgv?: readonly string[];
  /** The children's environment. Default (`null`): this process's. */
  readonly env?: Readonly<Record<string, string>> | null;
  /** The children's working directory. Default: this process's. */
  readonly path?: string;
  /** Children kept even when idle, started by {@link ProcessPool.start} or the first call. Default 0. */
  readonly min?: number;
  /** Most children at once. Default `os.availableParallelism()`. */
  readonly max?: number;
  /** Most calls waiting for a child; one more fails with {@link ProcessPoolFullError}. Default unbounded. */
  readonly maxQueued?: number;
  /**
   * Seconds a call may run before its child is killed
   * ({@link PoolCallTimeoutError}), counted once the child is ready (a new
   * child's start-up is not counted). Default none.
   */
  readonly timeout?: number;
  /** Calls a child answers before it is replaced by a fresh one (Ampoule's `recycleAfter`). Default unbounded. */
  readonly maxCallsPerChild?: number;
  /**
   * Seconds a child may stay idle before it is retired (Ampoule's
   * `maxIdle`), timed on `reactor`'s clock from the moment it went idle;
   * never below `min` children. Default none: idle children stay (Ampoule's
   * default is 20).
   */
  readonly maxIdle?: number;
  /** Seconds a retired child may take to exit after its stdin is closed, before SIGKILL. Default 10. */
  readonly exitGracePeriod?: number;
  /** Responders for commands the children call on the pool (Ampoule's `ampParent`). */
  readonly locator?: ResponderLocator;
  /** What to do with a child's stderr: `'log'` (default, at `warn`) or `'drop'`. */
  readonly stderr?: 'log' | 'drop';
  /** Stop the pool at the reactor's shutdown (a before-shutdown trigger). Default true. */
  readonly stopAtShutdown?: boolean;
  /** The reactor children are spawned and timed on. Default: weft's `reactor`. */
  readonly reactor?: ProcessPoolReactor;
}

/** One submitted call. */
export interface Job extends PoolJob {
  readonly command: Command;
  readonly args: unknown;
}

/** One child process and what it is doing. */
export interface Child {
  readonly amp: PoolAMP;
  process: IProcessTransport | null;
  job: Job | null;
  calls: number;
  timer: IDelayedCall | null;
  timedOut: boolean;
  /** The child said it is ready (its modules are loaded): calls are timed from then. */
  ready: boolean;
  /** Set (before AMP fails the outstanding call) once the child has ended. */
  ended: Failure | null;
  readonly whenEnded: Deferred<void>;
}

/** The parent's end of one child's connection: records the end before AMP fails the call. */
export class PoolAMP extends AMP {
  onLost: (reason: Failure) => void = () => undefined;
  override connectionLost(reason: Failure): void {
    this.onLost(reason);
    super.connectionLost(reason);
  }
}

export function modulePath(module: string | URL): string {
  if (module instanceof URL) return fileURLToPath(module);
  if (module.startsWith('file:')) return fileURLToPath(module);
  if (isAbsolute(module)) return module;
  throw new TypeError(
    `ProcessPool needs a file URL or an absolute path, got ${JSON.stringify(module)}` +
      " (use new URL('./child.js', import.meta.url))",
  );
}
