/**
 * The program each pool worker runs, and the messages it exchanges with the
 * pool.
 *
 * The worker is started from source text (`eval: true`), not from a file:
 * the program needs no file of its own next to the build, and runs the same
 * under a test runner that compiles TypeScript on the fly. The text is
 * {@link workerMain}'s own source, so that function must be self-contained:
 * it may use only its parameters and globals, never this module's imports.
 *
 * @internal
 */
import type { MessagePort, Transferable } from 'node:worker_threads';

/** The global brand of a `transfer(value, list)` marker (a `Symbol.for`, so it crosses module copies). */
export const TRANSFER_BRAND = 'weft.worker.transfer';

/** The global under which a worker finds its pool context (see `callFromThread`). */
export const CONTEXT_KEY = 'weft.worker.context';

/** Pool → worker: run `exportName` of `module` with `args`. */
export interface RunMessage {
  readonly id: number;
  readonly module: string;
  readonly exportName: string;
  readonly args: readonly unknown[];
}

/** What a worker reports of an exception: enough to rebuild it as a `WorkerError`. */
export interface RemoteError {
  readonly name: string;
  readonly message: string;
  readonly stack: string;
  readonly code: string | undefined;
}

/** Worker → pool: a result, an exception, or a call for the reactor thread. */
export type WorkerMessage =
  | { readonly kind: 'result'; readonly id: number; readonly value: unknown }
  | { readonly kind: 'error'; readonly id: number; readonly error: RemoteError }
  | { readonly kind: 'call'; readonly name: string; readonly args: readonly unknown[] };

/** The context a worker publishes for `callFromThread`. */
export interface WorkerContext {
  post(name: string, args: readonly unknown[]): void;
}

/* v8 ignore start -- runs inside worker threads, where the test run's coverage cannot see it */
/**
 * A worker's whole program: waits for {@link RunMessage}s, imports the
 * module (cached by the module loader after the first time), awaits the
 * export's result and posts it back, unwrapping a `transfer()` marker into
 * a transfer list. One job runs at a time; the pool never sends another
 * before the answer.
 */
export function workerMain(
  port: MessagePort,
  importModule: (specifier: string) => Promise<Record<string, unknown>>,
): void {
  const brand = Symbol.for('weft.worker.transfer');
  const context: WorkerContext = {
    post: (name, args) => {
      port.postMessage({ kind: 'call', name, args });
    },
  };
  (globalThis as Record<symbol, unknown>)[Symbol.for('weft.worker.context')] = context;
  const describe = (e: unknown): RemoteError => {
    if (e instanceof Error) {
      const code = (e as { code?: unknown }).code;
      return {
        name: e.name,
        message: e.message,
        stack: e.stack ?? `${e.name}: ${e.message}`,
        code: typeof code === 'string' ? code : undefined,
      };
    }
    return { name: typeof e, message: String(e), stack: String(e), code: undefined };
  };
  const fail = (id: number, e: unknown): void => {
    port.postMessage({ kind: 'error', id, error: describe(e) });
  };
  port.on('message', (msg: RunMessage) => {
    const run = async (): Promise<unknown> => {
      const mod = await importModule(msg.module);
      const fn = mod[msg.exportName];
      if (typeof fn !== 'function') {
        throw new TypeError(`${msg.module} has no exported function ${msg.exportName}`);
      }
      return (fn as (...a: readonly unknown[]) => unknown)(...msg.args);
    };
    run().then(
      (value) => {
        let out = value;
        let list: readonly Transferable[] = [];
        if (typeof value === 'object' && value !== null && brand in value) {
          const marked = value as unknown as { value: unknown; transferList: Transferable[] };
          out = marked.value;
          list = marked.transferList;
        }
        try {
          port.postMessage({ kind: 'result', id: msg.id, value: out }, list as never);
        } catch (e) {
          fail(msg.id, e); // not cloneable (a function, a symbol...)
        }
      },
      (e: unknown) => {
        fail(msg.id, e);
      },
    );
  });
}
/* v8 ignore stop */

/**
 * The source text a pool worker is started from: {@link workerMain} applied
 * to the worker's parent port and a module importer.
 */
export function workerSource(): string {
  // `__name` keeps the source valid if the compiler added name-keeping helpers.
  return [
    'var __name = (f) => f;',
    "const { parentPort } = require('node:worker_threads');",
    `(${workerMain.toString()})(parentPort, (s) => import(s));`,
  ].join('\n');
}
