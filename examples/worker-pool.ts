// example: standalone
// CPU work on worker threads (Twisted's deferToThread, with workers instead of threads): a pool
// of two workers computes Fibonacci numbers while the reactor stays free, reports progress back
// to the reactor thread with callFromThread, moves a buffer without copying it, and shows how an
// exception raised in a worker arrives.
//
// This file is also the module the workers load (workers run compiled JavaScript, not
// TypeScript). Run it with
//
//   npx tsc -p tsconfig.examples.json && node .build/examples/worker-pool.js
//
// It takes about a second and prints:
//
//   fib(25) = 75025, fib(26) = 121393, fib(27) = 196418
//   progress: 50%
//   progress: 100%
//   sum of 1 MiB of 1s = 1048576; the buffer moved, here it now has 0 bytes
//   worker raised RangeError: fib needs n >= 0, got -1
//   pool stopped
import { pathToFileURL } from 'node:url';
import { isMainThread } from 'node:worker_threads';

import { callFromThread, transfer, WorkerError, WorkerPool } from '../src/index.js';

// ----- what the workers run -------------------------------------------------------------------------

/** The n-th Fibonacci number, the slow way: CPU work that would block the reactor. */
export function fib(n: number): number {
  if (n < 0) throw new RangeError(`fib needs n >= 0, got ${String(n)}`);
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

/** Sums the bytes, posting progress to the reactor thread halfway and at the end. */
export function sum(bytes: Uint8Array): number {
  let total = 0;
  const half = bytes.length / 2;
  for (let i = 0; i < bytes.length; i++) {
    total += bytes[i] ?? 0;
    if (i + 1 === half || i + 1 === bytes.length) {
      callFromThread('progress', Math.round(((i + 1) / bytes.length) * 100));
    }
  }
  return total;
}

// ----- the program ----------------------------------------------------------------------------------

export async function main(out: (line: string) => void = console.log): Promise<void> {
  const here = new URL(import.meta.url);
  const pool = new WorkerPool({
    min: 0,
    max: 2,
    callables: {
      progress: (percent: number) => {
        out(`progress: ${String(percent)}%`);
      },
    },
  });

  // Three calls, two workers: the third waits in the queue for a free worker.
  const [a, b, c] = await Promise.all(
    [25, 26, 27].map((n) => pool.deferToWorker<number>(here, 'fib', n).asPromise()),
  );
  out(`fib(25) = ${String(a)}, fib(26) = ${String(b)}, fib(27) = ${String(c)}`);

  // transfer() moves the buffer to the worker instead of copying it.
  const bytes = new Uint8Array(1024 * 1024).fill(1);
  const total = await pool.deferToWorker<number>(here, 'sum', transfer(bytes, [bytes.buffer]));
  out(
    `sum of 1 MiB of 1s = ${String(total)}; the buffer moved, here it now has ${String(bytes.byteLength)} bytes`,
  );

  // An exception in the worker fails the Deferred with a WorkerError carrying its name and stack.
  await pool.deferToWorker(here, 'fib', -1).addErrback((failure) => {
    failure.trap(WorkerError);
    const error = failure.value as WorkerError;
    out(`worker raised ${error.remoteName}: ${error.remoteMessage}`);
  });

  // Lets any work in flight finish, then ends the workers (idle ones never keep Node alive).
  await pool.stop();
  out('pool stopped');
}

// Only the main thread runs the program: workers import this module for fib and sum.
if (isMainThread && import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await main();
}
