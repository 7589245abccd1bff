// Lint rules that matter here: no floating promises (a lost activity/S3 call), and no Node
// built-ins or I/O libraries inside workflow code (it runs in Temporal's deterministic sandbox).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // engine-wasm/assembly is AssemblyScript (its own compiler, scripts/build-wasm.sh), not TypeScript for tsc.
  { ignores: ['node_modules/**', '.venv/**', '.alc/**', 'dist/**', 'bench/results/**', 'engine-wasm/assembly/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['*.js', 'bin/*.mjs'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', {
        // node:test's describe/it return promises that the runner itself awaits.
        allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['describe', 'it', 'test', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] }],
      }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
    },
  },
  {
    // observability/'s workflow interceptors and the log context they use are bundled into the sandbox too.
    files: ['workflows/**/*.ts', 'observability/workflow-interceptors.ts', 'observability/log-context.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['node:*', 'fs', 'path', 'child_process', 'crypto', 'os', 'net', 'http', 'https', 'worker_threads'], message: 'Workflow code runs in a deterministic sandbox: no Node built-ins.' },
          { group: ['@aws-sdk/*', 'sharp', 'onnxruntime-node', 'pino', '@temporalio/activity', '@temporalio/worker', '@temporalio/client'], message: 'Workflows only orchestrate: do I/O in activities.' },
          { group: ['../activities/*', '../storage/*', '../datasets/*', '../engine/*', '../stack/*'], allowTypeImports: true, message: 'Import activity/engine code as types only in workflows.' },
        ],
      }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // The annotator web page: native ES modules run by the browser (no build step).
    files: ['annotation/web/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: Object.fromEntries(
        ['document', 'location', 'sessionStorage', 'fetch', 'URL', 'URLSearchParams', 'Image', 'Element', 'HTMLElement', 'addEventListener', 'setTimeout', 'clearTimeout']
          .map((name) => [name, 'readonly']),
      ),
    },
  },
);
