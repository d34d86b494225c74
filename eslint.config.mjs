// ESLint with a typed configuration, run by npm test through scripts/check.js, which gives the type-aware rules the
// one program tsc checks (parserOptions.programs), so the types are computed once. Run alone (`npx eslint`, editors)
// the rules get their program from tsconfig.build.json: the library and the command line, the files they lint.
// The project rule that matters most: every error thrown by the library and its programs is a
// PlatformConfigError or PlatformValidationError that names where, what and the fix; a bare Error is refused.
import tseslint from 'typescript-eslint';

const bareErrors = ['Error', 'TypeError', 'RangeError', 'SyntaxError', 'ReferenceError'];

export default tseslint.config(
  { ignores: ['lib/**', 'node_modules/**', 'imports/**', 'charts-out/**', '.tmp/**', '**/*.js', '**/*.mjs'] },
  {
    files: ['src/**/*.ts', 'cli/**/*.ts'],
    extends: [tseslint.configs.base],
    languageOptions: { parserOptions: { project: './tsconfig.build.json', tsconfigRootDir: import.meta.dirname } },
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
  {
    // conformance/ and e2e/ run under tsx, not jest, but share tsconfig.json (one tsc program for everything), where
    // jest's global types are declared: refuse the jest globals here, as their own type check did before.
    files: ['conformance/**/*.ts', 'e2e/**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    rules: {
      'no-restricted-globals': ['error', ...['describe', 'test', 'it', 'expect', 'jest', 'beforeAll', 'afterAll', 'beforeEach', 'afterEach'].map((name) => (
        { name, message: `conformance/ and e2e/ run under tsx, where the jest global '${name}' does not exist.` }))],
    },
  },
);
