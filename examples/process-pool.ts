// example: standalone
// A process pool (the idea of Twisted's Ampoule): two child Node processes answer AMP commands
// over their stdin and stdout. Three Fibonacci calls share the two children (the third waits in
// the queue), a declared error raised in a child arrives as its own class, and a call running
// past the pool's timeout kills its child, which the pool replaces.
//
// This file is also the module the children run (with the argument `child`). Run it with
//
//   npx tsc -p tsconfig.examples.json && node .build/examples/process-pool.js
//
// It takes about a second and prints:
//
//   fib(20) = 6765, fib(21) = 10946, fib(22) = 17711, from 2 children
//   the child refused: fib needs n >= 0, got -1
//   Sleep timed out after 0.5 s (PoolCallTimeoutError); its child was killed
//   a fresh child answers: fib(10) = 55
//   pool stopped; children left: 0
import { pathToFileURL } from 'node:url';

import { PoolCallTimeoutError, ProcessPool, runProcessPoolChild } from '../src/index.js';
import { command, CommandLocator, Float, Integer } from '../src/protocols/amp/index.js';

/** A declared error of Fib: it crosses from the child as this class. */
class NegativeInput extends Error {}

const Fib = command({
  name: 'Fib',
  arguments: { n: new Integer() },
  response: { value: new Integer(), pid: new Integer() },
  errors: { NEGATIVE_INPUT: NegativeInput },
});

const Sleep = command({ name: 'Sleep', arguments: { seconds: new Float() } });

// ----- what each child runs -------------------------------------------------------------------------

function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

function child(): void {
  runProcessPoolChild(
    new CommandLocator()
      .respond(Fib, ({ n }) => {
        if (n < 0) throw new NegativeInput(`fib needs n >= 0, got ${String(n)}`);
        return { value: fib(n), pid: process.pid };
      })
      .respond(
        Sleep,
        ({ seconds }) =>
          new Promise<Record<string, never>>((resolve) => {
            setTimeout(() => {
              resolve({});
            }, seconds * 1000);
          }),
      ),
  );
}

// ----- the program ----------------------------------------------------------------------------------

export async function main(out: (line: string) => void = console.log): Promise<void> {
  const pool = new ProcessPool({
    childModule: new URL(import.meta.url),
    args: ['child'],
    max: 2,
    timeout: 0.5,
  });

  // Three calls, two children: the third waits for a free child.
  const answers = await Promise.all(
    [20, 21, 22].map((n) => pool.callRemote(Fib, { n }).asPromise()),
  );
  const [a, b, c] = answers.map(({ value }) => String(value));
  const children = new Set(answers.map(({ pid }) => pid)).size;
  out(
    `fib(20) = ${String(a)}, fib(21) = ${String(b)}, fib(22) = ${String(c)}, from ${String(children)} children`,
  );

  // The command declares NegativeInput: the child's error arrives as that class.
  await pool.callRemote(Fib, { n: -1 }).addErrback((failure) => {
    failure.trap(NegativeInput);
    out(`the child refused: ${(failure.value as Error).message}`);
    return undefined;
  });

  // Past the pool's timeout the child is killed (SIGKILL) and the call fails.
  await pool.callRemote(Sleep, { seconds: 60 }).addErrback((failure) => {
    failure.trap(PoolCallTimeoutError);
    const error = failure.value as PoolCallTimeoutError;
    out(
      `${error.commandName} timed out after ${String(error.timeout)} s (${error.name}); its child was killed`,
    );
    return undefined;
  });
  const { value } = await pool.callRemote(Fib, { n: 10 }).asPromise();
  out(`a fresh child answers: fib(10) = ${String(value)}`);

  // Lets calls in flight finish, closes each child's stdin (they exit), waits for them all.
  await pool.stop();
  out(`pool stopped; children left: ${String(pool.children)}`);
}

if (process.argv[2] === 'child') child();
else if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
