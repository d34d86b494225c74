// Jest transformer: TypeScript to CommonJS with esbuild (already installed: a devDependency, and the compiler
// inside tsx and scripts/cli-bundle.js, so tests run the code as the command line runs it).
//
// Why not ts-jest: `npm test` type-checks every file with tsc before jest runs, so jest only has to strip types.
// ts-jest does that with the TypeScript compiler one file at a time (about 9 s of CPU for the ~150 files a
// component test loads, on a cold cache, i.e. on every fresh clone); esbuild does it in milliseconds.
// Semantics follow tsconfig.json: ES2022 target (class fields with define semantics), CommonJS, esModuleInterop
// (esbuild's __toESM helper), import() as require, type-only imports dropped, one file at a time (isolatedModules).
'use strict';
const crypto = require('crypto');
const fs = require('fs');
const { transformSync, version } = require('esbuild');

const tsconfigRaw = { compilerOptions: { target: 'ES2022', useDefineForClassFields: true, esModuleInterop: true } };
const self = crypto.createHash('sha256').update(fs.readFileSync(__filename)).digest('hex');

module.exports = {
  process(source, filename) {
    const { code, map } = transformSync(source, {
      loader: filename.endsWith('.tsx') ? 'tsx' : 'ts',
      format: 'cjs',
      target: 'node20',
      platform: 'node',
      sourcemap: 'external',
      sourcefile: filename,
      tsconfigRaw,
      // `await import('x')` becomes a require, as tsc's CommonJS output does (jest's vm has no ESM loader).
      supported: { 'dynamic-import': false },
    });
    return { code, map };
  },
  getCacheKey(source, filename, options) {
    return crypto.createHash('sha256')
      .update(self).update('\0').update(version).update('\0').update(filename).update('\0')
      .update(options.configString).update('\0').update(source)
      .digest('hex');
  },
};
