// Lint rules that protect the architecture: the engine is a library and must
// never reach for the editor, the DOM or the network.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'out/**', '.vscode-test/**', 'test/fixtures/**', '.ci/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    files: ['src/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [
          { name: 'vscode', message: 'src/engine is pure TypeScript: only src/extension may import vscode.' },
          { name: 'http', message: 'The engine does no network I/O.' },
          { name: 'https', message: 'The engine does no network I/O.' },
          { name: 'node:http', message: 'The engine does no network I/O.' },
          { name: 'node:https', message: 'The engine does no network I/O.' },
        ],
        patterns: [
          { group: ['**/extension/**', '**/cli/**', '**/webview/**'], message: 'The engine must not depend on its adapters.' },
        ],
      }],
    },
  },
  {
    // Spreading an array into a call puts every element on the stack: past about 1e5 (a wide ONNX
    // graph, a long tree) it throws "Maximum call stack size exceeded". Use maxOf / pushAll
    // (src/engine/arrays.ts); spreading a literal or a conditional list of a few is fine.
    files: ['src/**/*.ts', 'webview/**/*.ts'],
    rules: {
      'no-restricted-syntax': ['error',
        { selector: 'CallExpression > SpreadElement:not([argument.type="ArrayExpression"]):not([argument.type="ConditionalExpression"])', message: 'No spread of a possibly unbounded array into a call: use maxOf / pushAll from src/engine/arrays.ts.' },
        { selector: 'NewExpression > SpreadElement:not([argument.type="ArrayExpression"])', message: 'No spread of a possibly unbounded array into a call: use maxOf / pushAll from src/engine/arrays.ts.' },
      ],
    },
  },
  {
    files: ['src/cli/**/*.ts', 'src/worker/**/*.ts', 'src/shared/**/*.ts', 'webview/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'vscode', message: 'Only src/extension may import vscode.' }],
      }],
    },
  },
);
