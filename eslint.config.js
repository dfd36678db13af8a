// Type-aware linting for every package, plus the layering rules of DESIGN.md §1:
// core imports nothing of electron/ssh2/react/DOM; the renderer imports no node:* module.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      'app/**',
      'coverage/**',
      'test-results/**',
      'core/src/erasure/gf256-simd.wasm.ts',
      'renderer/ui-dist/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['vitest.config.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
      globals: { ...globals.node },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['electron', 'electron/*'], message: 'core is Node-only: no electron (DESIGN §1).' },
            { group: ['ssh2', 'ssh2/*'], message: 'core knows nothing of SSH (DESIGN §1).' },
            {
              group: ['react', 'react-dom', 'react/*', 'react-dom/*', 'zustand'],
              message: 'core has no UI (DESIGN §1).',
            },
            {
              group: ['@grid-sftp/main', '@grid-sftp/renderer', '**/main/src/**', '**/renderer/src/**'],
              message: 'core imports nothing of ours.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['core/src/api/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({
            name,
            message: 'The IPC contract is environment-free: no Node modules.',
          })),
        },
      ],
    },
  },
  {
    files: ['main/**/*.ts'],
    ignores: ['main/src/electron/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          // The package by name: a gitignore-style 'electron' pattern would also match our own
          // relative imports of main/src/electron/ from its tests.
          paths: [{ name: 'electron', message: 'Only main/src/electron/ imports electron (DESIGN §1).' }],
          patterns: [
            { regex: '^electron/', message: 'Only main/src/electron/ imports electron (DESIGN §1).' },
            { group: ['react', 'react-dom', 'zustand'], message: 'main has no UI code.' },
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins.map((name) => ({
              name,
              message: 'The renderer is browser-only: no Node modules (DESIGN §1).',
            })),
            { name: '@grid-sftp/core', message: 'The renderer may import only @grid-sftp/core/api.' },
          ],
          patterns: [
            { group: ['node:*'], message: 'The renderer is browser-only (DESIGN §1).' },
            {
              group: ['ssh2', 'electron', '@grid-sftp/main', '**/main/src/**'],
              message: 'The renderer talks to main only through the contract.',
            },
            {
              // A pattern that excludes '@grid-sftp/core' itself could not re-include its /api below.
              group: ['@grid-sftp/core/*', '!@grid-sftp/core/api'],
              message: 'The renderer may import only @grid-sftp/core/api.',
            },
          ],
        },
      ],
    },
  },
);
