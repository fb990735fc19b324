// Compiled programs for tests that run them in child processes or worker threads: the TypeScript
// fixtures (or examples) compiled once per test file, in a directory of that test process's own.
import { existsSync, rmdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, beforeAll } from 'vitest';

import { runNode } from './child-process.js';

/** The repository's root directory. */
export const repositoryRoot: string = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Where {@link compiledFixtures} for `name` puts the compiled form of a file given relative to
 * the root (for helpers defined outside the scope that compiles).
 */
export function fixturesOutput(name: string): (relative: string) => string {
  const outDir = join(repositoryRoot, '.build-fixtures', `${name}-${String(process.pid)}`);
  return (relative) => join(outDir, relative);
}

/** Options of {@link compiledFixtures}. */
export interface CompiledFixturesOptions {
  /** The tsconfig to compile, relative to the root. Default `tsconfig.fixtures.json`. */
  readonly project?: string;
  /** Fail when tsc exits non-zero, not only when an expected file is missing. Default false. */
  readonly strict?: boolean;
}

/**
 * Compiles the project before the tests of the calling scope (`beforeAll`) into
 * `.build-fixtures/<name>-<pid>` (per test process, so concurrent runs never read each other's
 * half-written output), and removes it after them (`afterAll`). Returns the compiled path of a
 * file given relative to the root, as `'test/node/fixtures/pool-child.js'`.
 *
 * Type errors elsewhere in the tree do not stop tsc emitting, so only a missing `expected` file
 * fails the set-up (or, with `strict`, any tsc failure).
 */
export function compiledFixtures(
  name: string,
  expected: readonly string[],
  options: CompiledFixturesOptions = {},
): (relative: string) => string {
  const parent = join(repositoryRoot, '.build-fixtures');
  const compiled = fixturesOutput(name);
  const outDir = compiled('.');
  beforeAll(async () => {
    const tsc = join(repositoryRoot, 'node_modules', 'typescript', 'bin', 'tsc');
    const project = join(repositoryRoot, options.project ?? 'tsconfig.fixtures.json');
    const build = await runNode(tsc, ['-p', project, '--outDir', outDir], { timeoutMs: 100_000 })
      .exited;
    const missing = expected.map(compiled).filter((file) => !existsSync(file));
    if (missing.length > 0 || (options.strict === true && build.code !== 0)) {
      throw new Error(
        `tsc -p ${project} (exit ${String(build.code)}) did not emit ` +
          `${missing.join(', ') || 'cleanly'}:\n${build.stdout}${build.stderr}`,
      );
    }
  }, 120_000);
  afterAll(() => {
    rmSync(outDir, { recursive: true, force: true });
    try {
      rmdirSync(parent); // only if no other run is using it
    } catch {
      // not empty: another test run is still using it
    }
  });
  return compiled;
}
