/**
 * Benchmark runner: `npm run bench -- [name ...] [--rounds=N]`.
 *
 * Each name is a file bench/<name>.ts exporting `run()` (see bench/harness.ts); no name runs
 * them all, in alphabetical order. A file bench/<name>-<part>.ts, where bench/<name>.ts exists,
 * is a helper of that benchmark (e.g. bench/echo-server-raw.ts, a server bench/echo.ts runs in
 * a child process), not a benchmark. `npm run bench` compiles src/ and bench/ to .build/ with
 * tsconfig.bench.json first, then runs this file as .build/bench/run.js under --expose-gc.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import {
  environment,
  setRoundsOverride,
  summaryTable,
  type BenchmarkModule,
  type Result,
} from './harness.js';

const NOT_BENCHMARKS = new Set(['harness', 'run']);

/** The benchmarks, from the sources (bench/*.ts), so stale files in .build/ are not picked up. */
function available(): string[] {
  const here = path.dirname(fileURLToPath(import.meta.url)); // .build/bench
  const sources = path.resolve(here, '..', '..', 'bench');
  const modules = readdirSync(sources)
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
    .map((file) => file.slice(0, -'.ts'.length))
    .filter((name) => !NOT_BENCHMARKS.has(name));
  const helper = (name: string): boolean =>
    modules.some((other) => other !== name && name.startsWith(`${other}-`));
  return modules.filter((name) => !helper(name)).sort();
}

function usage(message: string): never {
  console.error(`${message}\nusage: npm run bench -- [name ...] [--rounds=N]`);
  console.error(`benchmarks: ${available().join(', ')}`);
  process.exit(2);
}

async function main(argv: readonly string[]): Promise<void> {
  const names: string[] = [];
  for (const arg of argv) {
    const rounds = /^--rounds=(\d+)$/.exec(arg);
    if (rounds !== null) {
      const n = Number(rounds[1]);
      if (n < 1) usage('--rounds must be at least 1');
      setRoundsOverride(n);
    } else if (arg.startsWith('-')) {
      usage(`unknown option ${arg}`);
    } else {
      names.push(arg);
    }
  }
  const known = available();
  for (const name of names) {
    if (!known.includes(name)) usage(`no benchmark named ${JSON.stringify(name)}`);
  }
  const selected = names.length === 0 ? known : names;

  console.log(`weft benchmarks — ${new Date().toISOString()}`);
  console.log(environment());
  const results: Result[] = [];
  for (const name of selected) {
    console.log(`\n${name}`);
    const module = (await import(`./${name}.js`)) as Partial<BenchmarkModule>;
    if (typeof module.run !== 'function') throw new Error(`bench/${name}.ts does not export run()`);
    results.push(...(await module.run()));
  }
  console.log(
    '\nratio: speed rows = weft throughput / raw (> 1: weft faster); ' +
      'memory rows = weft bytes / raw (< 1: weft smaller). Medians of per-round ratios.\n',
  );
  console.log(summaryTable(results));
}

await main(process.argv.slice(2));
