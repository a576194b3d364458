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
    files: ['src/cli/**/*.ts', 'src/worker/**/*.ts', 'src/shared/**/*.ts', 'webview/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'vscode', message: 'Only src/extension may import vscode.' }],
      }],
    },
  },
);
