// A tour of weft's Deferred: the same steps as docs/deferred.md, printed as they happen.
//
// Run it with `npm run demo` (compiles with tsconfig.examples.json into .build/, then runs
// .build/examples/deferred-demo.js). It takes about 30 ms and prints:
//
//   sync: calling d.callback(20)
//   sync: the chain ran inside callback(): 42
//   sync: d.callback(20) returned
//   errback: RangeError: port 99999 is out of range, using 8080
//   errback: listening on 8080
//   pause: sent request #1, chain paused until the reply
//   pause: outer Deferred is <Deferred waiting on Deferred>
//   pause: got reply to request #1
//   inlineCallbacks: alice and bob
//   await: Promise.all over Deferreds gave 1,2
//   await: await consumed the result; the chain now holds undefined
//   cancel: signal aborted with "user pressed stop"
//   cancel: CancelledError (code ABORT_ERR, cause "user pressed stop")
//   cancel: aborting asPromise's signal ran the canceller
//   cancel: the promise rejected with CancelledError (cause AbortError)
//   list: ok a
//   list: failed b is missing
//   list: ok c
//   gather: 1,two
//   gather: FirstError at index 1: no such user
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';

import {
  CancelledError,
  Deferred,
  DeferredList,
  fail,
  FirstError,
  gatherResults,
  inlineCallbacks,
  succeed,
} from '../src/index.js';

/** A Deferred that fires with `value` after `ms` milliseconds of real time. */
function later<T>(ms: number, value: T): Deferred<T> {
  return Deferred.fromPromise(new Promise<void>((resolve) => setTimeout(resolve, ms))).addCallback(
    () => value,
  );
}

/** Runs every step, passing each line to `out`. */
export async function main(out: (line: string) => void = console.log): Promise<void> {
  // 1. A chain runs synchronously, inside callback().
  const d = new Deferred<number>();
  d.addCallback((n) => n * 2 + 2).addCallback((n) => {
    out(`sync: the chain ran inside callback(): ${n}`);
  });
  out('sync: calling d.callback(20)');
  d.callback(20);
  out('sync: d.callback(20) returned');

  // 2. A callback throws: the chain moves to the error track; an errback that returns a value
  // moves it back.
  const config = new Deferred<{ port: number }>();
  config
    .addCallback(({ port }) => {
      if (port < 1 || port > 65535) throw new RangeError(`port ${port} is out of range`);
      return port;
    })
    .addErrback((failure) => {
      failure.trap(RangeError); // any other error passes on down the error track
      out(`errback: ${failure.getBriefTraceback()}, using 8080`);
      return 8080;
    })
    .addCallback((port) => {
      out(`errback: listening on ${port}`);
    });
  config.callback({ port: 99999 });

  // 3. A callback returns a Deferred that has not fired: the outer chain pauses until it does,
  // then continues with its result.
  const request = succeed(1).addCallback((id) => {
    out(`pause: sent request #${id}, chain paused until the reply`);
    return later(10, `reply to request #${id}`);
  });
  out(`pause: outer Deferred is ${String(request)}`);
  out(`pause: got ${await request}`);

  // 4. inlineCallbacks: sequential code over Deferreds. `yield` gives back each result.
  const loadNames = inlineCallbacks(function* (ids: readonly number[]) {
    const names: string[] = [];
    for (const id of ids) {
      names.push((yield later(5, id === 1 ? 'alice' : 'bob')) as string);
    }
    return names.join(' and ');
  });
  out(`inlineCallbacks: ${await loadNames([1, 2])}`);

  // 5. Deferreds are PromiseLike: await them, or hand them to Promise.all. Awaiting consumes the
  // result, as Twisted's asFuture does.
  const one = succeed(1);
  const both = await Promise.all([one, Deferred.fromPromise(Promise.resolve(2))]);
  out(`await: Promise.all over Deferreds gave ${both.join(',')}`);
  one.addCallback((rest) => {
    out(`await: await consumed the result; the chain now holds ${String(rest)}`);
  });

  // 6. Cancellation. fromPromise gives the operation an AbortSignal that cancel(reason) aborts...
  const slow = Deferred.fromPromise((signal) => {
    signal.addEventListener('abort', () => {
      out(`cancel: signal aborted with ${JSON.stringify(signal.reason)}`);
    });
    return sleep(60_000, 'too late', { signal });
  });
  slow.addErrback((failure) => {
    const error = failure.value as CancelledError;
    out(`cancel: ${error.name} (code ${error.code}, cause ${JSON.stringify(error.cause)})`);
  });
  slow.cancel('user pressed stop');

  // ... and aborting the signal given to asPromise cancels the Deferred.
  const controller = new AbortController();
  const pending = new Deferred<string>(() => {
    out("cancel: aborting asPromise's signal ran the canceller");
  });
  const promise = pending.asPromise({ signal: controller.signal });
  controller.abort();
  try {
    await promise;
  } catch (e) {
    if (!(e instanceof CancelledError)) throw e;
    const cause = e.cause instanceof Error ? e.cause.name : String(e.cause);
    out(`cancel: the promise rejected with ${e.name} (cause ${cause})`);
  }

  // 7. Many Deferreds: DeferredList reports each outcome; gatherResults wants them all.
  const list = new DeferredList(
    [succeed('a'), fail<string>(new Error('b is missing')), succeed('c')],
    { consumeErrors: true },
  );
  for (const [ok, result] of await list) {
    out(ok ? `list: ok ${result}` : `list: failed ${result.getErrorMessage()}`);
  }

  const [n, s] = await gatherResults([succeed(1), later(5, 'two')]);
  out(`gather: ${n},${s}`);

  const lookups = gatherResults([succeed('alice'), fail(new Error('no such user'))], {
    consumeErrors: true,
  });
  lookups.addErrback((failure) => {
    const first = failure.value as FirstError;
    out(`gather: FirstError at index ${first.index}: ${first.subFailure.getErrorMessage()}`);
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await main();
}
