import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { layerRules } from './scripts/layers.mjs';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'artifacts/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Build scripts run on Node: its globals are defined there.
    files: ['scripts/**/*.mjs', '*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  // Imports point down the layers of docs/architecture.md.
  ...layerRules(),
);
