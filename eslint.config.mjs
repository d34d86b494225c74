// ESLint with a typed configuration (typescript-eslint's type-aware rules use tsconfig.json), run by npm test.
// The project rule that matters most: every error thrown by the library and its programs is a
// PlatformConfigError or PlatformValidationError that names where, what and the fix; a bare Error is refused.
import tseslint from 'typescript-eslint';

const bareErrors = ['Error', 'TypeError', 'RangeError', 'SyntaxError', 'ReferenceError'];

export default tseslint.config(
  { ignores: ['lib/**', 'node_modules/**', 'imports/**', 'charts-out/**', '.tmp/**', '**/*.js', '**/*.mjs'] },
  {
    files: ['src/**/*.ts', 'cli/**/*.ts'],
    extends: [tseslint.configs.base],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      'no-restricted-syntax': ['error', ...bareErrors.flatMap((name) => [
        { selector: `ThrowStatement > NewExpression[callee.name='${name}']`, message: `Throw PlatformConfigError (where, problem, fix) or PlatformValidationError instead of a bare ${name}.` },
        { selector: `ThrowStatement > CallExpression[callee.name='${name}']`, message: `Throw PlatformConfigError (where, problem, fix) or PlatformValidationError instead of a bare ${name}.` },
      ])],
      '@typescript-eslint/only-throw-error': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      'no-restricted-properties': ['error', { property: 'localeCompare', message: 'Order with compareStrings (core/order.ts): localeCompare follows the machine locale.' }],
    },
  },
);
