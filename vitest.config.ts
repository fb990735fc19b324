import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Vitest 4 removed `poolOptions`: worker options such as `execArgv` are top-level test options.
    pool: 'forks',
    // Some tests call `globalThis.gc` to check that nothing is retained.
    execArgv: ['--expose-gc'],
    testTimeout: 20_000,
    reporters: ['default', ['json', { outputFile: '.vitest-report.json' }]],
    coverage: {
      provider: 'v8',
      include: ['src/**/*.ts', 'adapters/**/*.ts'],
      // index.ts files only re-export (STYLE.md); interfaces/ holds type-only declarations.
      exclude: ['**/index.ts', '**/interfaces/**', '**/*.d.ts'],
      thresholds: {
        lines: 90,
        branches: 90,
      },
    },
  },
});
