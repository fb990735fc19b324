// Runs every program in examples/, so none of them can rot.
//
// The contract of an example: it exports `main(out)`, which runs the whole program, passes each
// line it would print to `out`, and resolves once everything it started has stopped. A new file in
// examples/ is picked up here without any change; add its key lines below to check what it prints.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { assert, describe, it } from 'vitest';

const examplesDir = fileURLToPath(new URL('../../examples/', import.meta.url));
const examples = readdirSync(examplesDir)
  .filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts'))
  .sort();

/** Lines an example must print, in this order; other lines may come in between. */
const keyLines: Readonly<Record<string, readonly string[]>> = {
  'deferred-demo.ts': [
    'sync: calling d.callback(20)',
    'sync: the chain ran inside callback(): 42',
    'sync: d.callback(20) returned',
    'errback: RangeError: port 99999 is out of range, using 8080',
    'errback: listening on 8080',
    'pause: sent request #1, chain paused until the reply',
    'pause: outer Deferred is <Deferred waiting on Deferred>',
    'pause: got reply to request #1',
    'inlineCallbacks: alice and bob',
    'await: Promise.all over Deferreds gave 1,2',
    'await: await consumed the result; the chain now holds undefined',
    'cancel: signal aborted with "user pressed stop"',
    'cancel: CancelledError (code ABORT_ERR, cause "user pressed stop")',
    "cancel: aborting asPromise's signal ran the canceller",
    'cancel: the promise rejected with CancelledError (cause AbortError)',
    'list: ok a',
    'list: failed b is missing',
    'list: ok c',
    'gather: 1,two',
    'gather: FirstError at index 1: no such user',
  ],
};

type Main = (out: (line: string) => void) => Promise<void>;

const runs = new Map<string, Promise<string[]>>();

/** Imports the example and runs its `main`, once per file; resolves with the lines it printed. */
function run(name: string): Promise<string[]> {
  let lines = runs.get(name);
  if (lines === undefined) {
    lines = runMain(name);
    runs.set(name, lines);
  }
  return lines;
}

async function runMain(name: string): Promise<string[]> {
  const module = (await import(pathToFileURL(join(examplesDir, name)).href)) as { main?: unknown };
  assert.typeOf(module.main, 'function', `${name} must export main(out)`);
  const lines: string[] = [];
  await (module.main as Main)((line) => {
    lines.push(line);
  });
  return lines;
}

/** The example's opening `//` comment, without the comment markers. */
function header(name: string): string[] {
  const lines: string[] = [];
  for (const line of readFileSync(join(examplesDir, name), 'utf8').split('\n')) {
    if (!line.startsWith('//')) break;
    lines.push(line.replace(/^\/\/ ?/, ''));
  }
  return lines;
}

/**
 * What the example's opening comment says it prints: the lines after the one ending in "prints:".
 * Empty when the comment has no such block (say, when the output holds a random port).
 */
function documentedOutput(name: string): string[] {
  const lines = header(name);
  const start = lines.findIndex((line) => line.trimEnd().endsWith('prints:'));
  if (start < 0) return [];
  return lines
    .slice(start + 1)
    .map((line) => line.trim())
    .filter((line) => line !== '');
}

describe('examples', () => {
  it('finds the examples to run', () => {
    assert.include(examples, 'deferred-demo.ts');
  });

  for (const name of examples) {
    describe(name, () => {
      it('opens with a comment saying how to run it', () => {
        assert.match(header(name).join('\n'), /npm run |node /);
      });

      it('runs to completion and prints its key lines in order', async () => {
        const lines = await run(name);
        let from = 0;
        for (const expected of keyLines[name] ?? []) {
          const at = lines.indexOf(expected, from);
          assert.isAtLeast(
            at,
            0,
            `missing, or out of order: ${expected}\nprinted:\n${lines.join('\n')}`,
          );
          from = at + 1;
        }
      });

      it('prints exactly what its opening comment says it prints', async () => {
        const documented = documentedOutput(name);
        if (documented.length === 0) return;
        assert.deepEqual(await run(name), documented);
      });
    });
  }
});
