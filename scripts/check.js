#!/usr/bin/env node
// The static checks of `npm test`, in one process over ONE TypeScript program:
//   1. the type check: tsconfig.json (library, command line, imports, tests, bench, examples, conformance, e2e),
//      the diagnostics `tsc -p tsconfig.json --noEmit` prints, in its format;
//   2. ESLint (eslint.config.mjs) on LINTED, its type-aware rules given that same program
//      (typescript-eslint's parserOptions.programs) instead of building and type-checking a second one.
// Measured on the 2-core machine: tsc 24 s CPU + a separate typed ESLint 22 s; here 24 s for both.
//
//   node scripts/check.js          both (npm test runs this beside jest)
//   node scripts/check.js --lint   ESLint only, on the smaller tsconfig.build.json program (npm run lint)
//
// Exit 1 when there is a type error or an ESLint error; 2 when the checks cannot run.
'use strict';
const path = require('path');

const ROOT = path.resolve(__dirname, '..');
/** The folders ESLint checks (eslint.config.mjs says which rules apply where). */
const LINTED = ['src', 'cli', 'conformance', 'e2e'];

async function main(argv) {
  const lintOnly = argv.includes('--lint');
  const ts = require('typescript');
  const { ESLint } = require('eslint');
  const program = createProgram(ts, lintOnly ? 'tsconfig.build.json' : 'tsconfig.json');
  let failed = false;
  if (!lintOnly) {
    const diagnostics = ts.getPreEmitDiagnostics(program);
    if (diagnostics.length > 0) {
      const host = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => ROOT, getNewLine: () => '\n' };
      const format = process.stdout.isTTY || process.env.FORCE_COLOR ? ts.formatDiagnosticsWithColorAndContext : ts.formatDiagnostics;
      process.stdout.write(`${format(diagnostics, host)}\nFound ${diagnostics.length} type error(s).\n`);
      failed = true;
    }
  }
  const eslint = new ESLint({
    cwd: ROOT,
    // No ESLint cache: it hashes the configuration, which cannot hold a program; a fresh clone has none anyway.
    overrideConfig: [{ files: ['src/**/*.ts', 'cli/**/*.ts'], languageOptions: { parserOptions: { programs: [program], project: null } } }],
  });
  const results = await eslint.lintFiles(LINTED);
  const output = await (await eslint.loadFormatter('stylish')).format(results);
  if (output) process.stdout.write(output.endsWith('\n') ? output : `${output}\n`);
  if (results.some((r) => r.errorCount > 0 || r.fatalErrorCount > 0)) failed = true;
  return failed ? 1 : 0;
}

/** The program of a tsconfig, as tsc builds it (config errors end the run). */
function createProgram(ts, config) {
  const configErrors = [];
  const parsed = ts.getParsedCommandLineOfConfigFile(path.join(ROOT, config), { noEmit: true }, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (d) => configErrors.push(d),
  });
  const errors = [...configErrors, ...(parsed?.errors ?? [])];
  if (!parsed || errors.length > 0) {
    throw new Error(`${config}: ${errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('; ')}`);
  }
  return ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options, projectReferences: parsed.projectReferences });
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e) => { process.stderr.write(`check: ${e.message}\n`); process.exitCode = 2; },
);
