// Lint: typescript-eslint's `recommended` rules (syntactic, no type information, so it runs in
// seconds on this 2-core machine). Formatting is left to habit for now (see ../shared/STYLE.md).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/build/**'] },
  {
    files: ['packages/*/src/**/*.ts', 'apps/*/src/**/*.ts', 'bench/**/*.{ts,mjs}', 'test/**/*.{ts,mjs}'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        performance: 'readonly',
        fetch: 'readonly',
        AbortController: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        structuredClone: 'readonly',
        queueMicrotask: 'readonly',
        setImmediate: 'readonly',
        globalThis: 'readonly',
      },
    },
    rules: {
      // `_`-prefixed names mark deliberately unused parameters and destructured leftovers.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // A `let` declared before the closures that read it lazily (metric sources, shutdown hooks)
      // and assigned once later is the clearest shape for that wiring.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // tf.tidy walks what its function returns looking for tensors, element by element for a
      // typed array: returning dataSync()'s array from it costs about a microsecond per element.
      'no-restricted-syntax': [
        'error',
        {
          selector:
            "CallExpression[callee.property.name='tidy'] > ArrowFunctionExpression > CallExpression[callee.property.name=/^(dataSync|arraySync)$/], CallExpression[callee.property.name='tidy'] > ArrowFunctionExpression > TSAsExpression > CallExpression[callee.property.name=/^(dataSync|arraySync)$/]",
          message: 'Read the tensor after tf.tidy returns it (then dispose it): tidy walks a returned typed array element by element.',
        },
      ],
    },
  },
  {
    // The server depends on the web app at run time (it serves its bundle), so the web app may read
    // the server's wire types (apps/server/src/wire.ts) but never import its code: no cycle.
    files: ['apps/web/src/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/server/**', '@seqcast/server', '@seqcast/server/*'],
              allowTypeImports: true,
              message: 'apps/web may import the server only with `import type` (the server serves this bundle; a runtime import would be a cycle).',
            },
          ],
        },
      ],
    },
  },
  {
    // Being rewritten on another branch right now; its one finding (`all = []` in forecaster.ts,
    // a deliberate early release) is left for that change.
    files: ['packages/forecast/src/models/global/**'],
    rules: { 'no-useless-assignment': 'off' },
  },
);
