// ESLint flat config for weft. See STYLE.md ("Strictness and format", layer arrows in ARCHITECTURE.md).
import { builtinModules } from 'node:module';

import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

const JS_FILES = ['**/*.js', '**/*.mjs', '**/*.cjs'];
const TEST_FILES = ['test/**/*.ts', 'bench/**/*.ts', 'examples/**/*.ts'];

// Layer arrows (ARCHITECTURE.md "Layers"). ESLint does not merge the options of one rule across
// config objects (the later object wins), so src/core's list repeats src's list.
const srcImportPatterns = [
  {
    group: ['**/adapters', '**/adapters/**', 'weft/adapters/**'],
    message: 'src/ must not import from adapters/: adapters depend on src, never the reverse.',
  },
  {
    group: ['**/test', '**/test/**'],
    message: 'src/ must not import test code; shared fakes belong in src/testing.',
  },
];
const coreImportPatterns = [
  ...srcImportPatterns,
  {
    regex: '^node:',
    message:
      'src/core is environment-agnostic: no node:* modules (only src/node and Node adapters).',
  },
  {
    group: ['**/node', '**/node/**'],
    message:
      'src/core must not import src/node (the Node reactor depends on core, not the reverse).',
  },
  {
    // The root entry point re-exports the Node reactor; 'weft/core' stays importable.
    regex: '^weft(/node(/.*)?)?$',
    message:
      "src/core must not import 'weft' (it includes the Node reactor); use relative imports.",
  },
];
// Bare builtin specifiers ('fs', 'net', ...) are the same modules as 'node:fs', so forbid them too.
const coreImportPaths = builtinModules
  .filter((name) => !name.startsWith('_') && !name.startsWith('node:'))
  .map((name) => ({
    name,
    message: 'src/core is environment-agnostic: no Node builtin modules.',
  }));

const timerMessage = 'Take an injected IReactorTime (reactor.callLater) instead of a global timer.';
const restrictedGlobals = [
  ...[
    'setTimeout',
    'setInterval',
    'setImmediate',
    'clearTimeout',
    'clearInterval',
    'clearImmediate',
  ].map((name) => ({ name, message: timerMessage })),
  { name: 'Buffer', message: 'Use Uint8Array (and TextEncoder/TextDecoder); Buffer is Node-only.' },
  { name: 'process', message: 'Environment-agnostic code must not touch the Node process.' },
];

// Minimal Node globals for the few plain .js files (no `globals` dependency needed).
const nodeGlobals = Object.fromEntries(
  [
    'AbortController',
    'AbortSignal',
    'Buffer',
    'URL',
    'URLSearchParams',
    'TextDecoder',
    'TextEncoder',
    'clearImmediate',
    'clearInterval',
    'clearTimeout',
    'console',
    'performance',
    'process',
    'queueMicrotask',
    'setImmediate',
    'setInterval',
    'setTimeout',
    'structuredClone',
  ].map((name) => [name, 'readonly']),
);

export default defineConfig(
  globalIgnores([
    'dist/',
    '.build/',
    '.build-fixtures/',
    'coverage/',
    'docs/api/',
    'node_modules/',
  ]),

  js.configs.recommended,
  tseslint.configs.strictTypeChecked,
  tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: {
      reportUnusedDisableDirectives: 'error',
    },
  },

  // Project-wide rules (type-aware ones are switched off again for plain .js below).
  {
    rules: {
      // Already in strictTypeChecked; stated here so nobody turns them off by accident.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // Deferred<void>, Promise<void> etc.
      '@typescript-eslint/no-invalid-void-type': [
        'error',
        { allowInGenericTypeArguments: true, allowAsThisParameter: true },
      ],
      '@typescript-eslint/no-unused-vars': [
        'error',
        {
          args: 'after-used',
          argsIgnorePattern: '^_',
          varsIgnorePattern: '^_',
          caughtErrorsIgnorePattern: '^_',
          destructuredArrayIgnorePattern: '^_',
          ignoreRestSiblings: true,
        },
      ],
      // Twisted-style overridable instance fields (`MAX_LENGTH = 16384`) are intended.
      '@typescript-eslint/class-literal-property-style': 'off',
      // Static-only holder classes (AMP argument types, Command declarations) are intended.
      '@typescript-eslint/no-extraneous-class': 'off',
      // Overloads mirror Twisted's signatures; merging them often hurts the docs.
      '@typescript-eslint/unified-signatures': 'off',
      // `x as T` after a bounds check reads better than `x!`, which strict forbids anyway.
      '@typescript-eslint/non-nullable-type-assertion-style': 'off',
      // Deferred errbacks reject with whatever was thrown; it is not always an Error.
      '@typescript-eslint/prefer-promise-reject-errors': 'off',
      // Deferred's add* methods return `this` retyped for the next step; `this` would lose that.
      '@typescript-eslint/prefer-return-this-type': 'off',
      // isolatedDeclarations needs `size: number = Infinity` spelled out.
      '@typescript-eslint/no-inferrable-types': ['error', { ignoreParameters: true }],
    },
  },

  // Layer arrows.
  {
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: srcImportPatterns }],
    },
  },
  {
    files: ['src/core/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { paths: coreImportPaths, patterns: coreImportPatterns }],
    },
  },
  {
    // Adapters may import src/ and node:*, never test code.
    files: ['adapters/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/test', '**/test/**'],
              message: 'adapters/ must not import test code; shared fakes belong in src/testing.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/core/**/*.ts', 'src/protocols/**/*.ts'],
    rules: {
      'no-restricted-globals': ['error', { globals: restrictedGlobals, checkGlobalObject: true }],
    },
  },

  // Tests, benchmarks and examples: a little looser, but promises stay checked.
  {
    files: TEST_FILES,
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      // Only numbers: the rule's own defaults (used for any option left out) would also allow
      // any, boolean, nullish and RegExp values.
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        {
          allowAny: false,
          allowBoolean: false,
          allowNever: false,
          allowNullish: false,
          allowNumber: true,
          allowRegExp: false,
        },
      ],
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
    },
  },

  // Plain JavaScript (this file, loader hooks such as bench/register.js): not in tsconfig, so
  // lint without type information.
  {
    files: JS_FILES,
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: {
      sourceType: 'module',
      globals: nodeGlobals,
    },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: {
        module: 'writable',
        require: 'readonly',
        __dirname: 'readonly',
        exports: 'writable',
      },
    },
  },
);
