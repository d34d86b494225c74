#!/usr/bin/env node
// The fast path of the command line: the synth as ONE bundled file (esbuild: the project's modules, the CRD
// bindings, cdk8s, cdk8s-plus-28, constructs, zod, the YAML libraries and the kubernetes-models validators the
// platform uses) run with a V8 code cache, instead of ~700 module files resolved, read and compiled one by one.
//
//   node scripts/cli-bundle.js run synth [ARGS...]   freshness check, rebuild if stale, run (npm run synth, cdk8s.yaml)
//   node scripts/cli-bundle.js build [NAME...]       (re)build unconditionally (npm run build:cli, prepare)
//   node scripts/cli-bundle.js check [NAME...]       exit 1 if a bundle is missing or stale
//
// A stale bundle is never run: before every run the sha-256 of every project file the bundle was built from
// (esbuild's own list of inputs, so an import added later is covered), of the installed dependency tree
// (node_modules/.package-lock.json), of this script and of esbuild's package.json, and the Node version are
// compared with those recorded at build time; any difference rebuilds first (~2 s). A file whose size, mtime,
// ctime and inode all equal the recorded ones is not read again (any write changes ctime). The code cache is keyed by the bundle's own hash
// and V8 rejects a cache from another V8 version or flags, so a stale cache can only cost time.
//
// The entry points are configurable (one line each below, or CLI_ENTRY_<NAME>=path in the environment).
//
// Startup snapshot (programs in SNAPSHOTS, i.e. the synth): with the bundle, a V8 startup snapshot of it is built
// (`node --build-snapshot`, after one warm-up run of the program, so that it holds the modules loaded and the
// bytecode of every function the program runs). scripts/cli.sh (`npm run synth`, cdk8s.yaml) starts Node from it
// when it was built by the `node` on PATH and that binary has not changed since; the snapshot's main function then
// requires this launcher from disk and runs the program only when the freshness check passes for the bundle the
// snapshot was built from; otherwise it does exactly what `node scripts/cli-bundle.js run NAME` does (`cli`).
'use strict';
const fs = require('fs');
const Module = require('module');
const path = require('path');
const vm = require('vm');

const ROOT = path.resolve(__dirname, '..');
/** Bundled programs: name -> entry (relative to the repository root). The entry must export `main(argv): number`. */
const ENTRIES = {
  synth: 'cli/synth.ts',
  scale: 'bench/scale.ts',
};
/** Bundled programs that also get a startup snapshot, with the arguments of their warm-up run (OUT: a new folder). */
const SNAPSHOTS = {
  synth: ['--out', 'OUT'],
};
/**
 * The V8 flags a startup snapshot is built and started with (V8 refuses a blob built with other flags: exit 14).
 * Recorded as the third line of NAME.blob.node, from which scripts/cli.sh reads them.
 * --no-rehash-snapshot: the hash tables and strings of the snapshot keep the hash seed drawn when it was built
 * instead of being rehashed with a new seed at every start (~25% of the deserialization). A fixed seed matters only
 * against hash flooding by whoever chooses the keys; the synth's keys come from the repository's own files.
 * --min-semi-space-size=16: the young generation starts at 16 MB semi-spaces instead of 1 MB. A synth allocates
 * ~70 MB of short-lived objects; with 1 MB V8 ran ~25 scavenges (~45 ms on the main thread, the young generation
 * never grew past 4 MB), with 16 MB four (~17 ms). 32 and 64 MB were no faster (fresh pages to fault in).
 */
const SNAPSHOT_V8_FLAGS = ['--no-rehash-snapshot', '--min-semi-space-size=16'];
/** Where bundles, their manifests and code caches live (git-ignored, never packed). */
const OUT_DIR = process.env.CLI_BUNDLE_DIR ? path.resolve(process.env.CLI_BUNDLE_DIR) : path.join(ROOT, '.cache', 'cli');

function entryOf(name) {
  const entry = process.env[`CLI_ENTRY_${name.toUpperCase()}`] || ENTRIES[name];
  if (!entry) throw new UsageError(`unknown program '${name}'. Known: ${Object.keys(ENTRIES).join(', ')}`);
  return entry;
}

class UsageError extends Error {}

// crypto is loaded only when a file has to be hashed (a fresh run with unchanged files hashes nothing).
const sha256 = (data) => require('crypto').createHash('sha256').update(data).digest('hex');
function fileHash(abs) {
  try {
    return sha256(fs.readFileSync(abs));
  } catch {
    return 'missing';
  }
}

/**
 * A file's identity for the freshness check: its sha-256, plus the stat fields that any write changes (size,
 * mtime, ctime, inode). ctime cannot be set back by a program (utimes sets it to now), so when all four equal the
 * recorded ones the content is the recorded one and is not read again; otherwise the content hash decides.
 */
function identity(abs) {
  let st;
  try {
    st = fs.statSync(abs);
  } catch {
    return { sha: 'missing' };
  }
  return { sha: fileHash(abs), stat: `${st.size}:${st.mtimeMs}:${st.ctimeMs}:${st.ino}` };
}
function unchanged(abs, recorded) {
  if (!recorded || typeof recorded !== 'object') return false;
  try {
    const st = fs.statSync(abs);
    if (recorded.stat === `${st.size}:${st.mtimeMs}:${st.ctimeMs}:${st.ino}`) return true;
  } catch {
    return recorded.sha === 'missing';
  }
  return fileHash(abs) === recorded.sha;
}

/** The dependency tree as installed: npm rewrites node_modules/.package-lock.json on every install. */
function dependencyTreeFile() {
  const hidden = path.join(ROOT, 'node_modules', '.package-lock.json');
  return fs.existsSync(hidden) ? hidden : path.join(ROOT, 'package-lock.json');
}

/** Node and the bundler: the launcher (this file) and esbuild's package.json are inputs like the sources. */
const toolFiles = () => [__filename, path.join(ROOT, 'node_modules', 'esbuild', 'package.json')];
const runtime = () => `${process.version} ${process.arch}`;

const paths = (name) => ({
  bundle: path.join(OUT_DIR, `${name}.js`),
  manifest: path.join(OUT_DIR, `${name}.json`),
  cache: path.join(OUT_DIR, `${name}.v8cache`),
  blob: path.join(OUT_DIR, `${name}.blob`),
  /** The Node binary that built the blob and the CPU's flags (scripts/cli.sh starts from the blob only with both). */
  blobNode: path.join(OUT_DIR, `${name}.blob.node`),
  snapshotEntry: path.join(OUT_DIR, `${name}.snapshot.js`),
});

function writeAtomic(file, data) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

/**
 * The fast paths of scripts/cli-fast-paths.js, swapped in at bundle time (the library itself runs cdk8s
 * unchanged): every generated binding's drop-undefined `reduce` becomes `dropUndefined(...)`, cdk8s's
 * `resolve` export becomes the fast resolve (which falls back to the original for Apps with other resolvers), and
 * cdk8s's internal `sanitizeValue` (lib/_util.js, read by ApiObject.toJson and the metadata's toJson) the fast one.
 * `applied` counts what was replaced, per kind; the manifest records it (test/cli-bundle.test.ts checks it).
 * The fast resolve and sanitizeValue restate cdk8s 2.70.106's lib/resolve.js and lib/_util.js: each is swapped in
 * only for that very file (RESOLVE_SHA256, SANITIZE_SHA256); another cdk8s is bundled as it is until the fast path
 * is checked against it (test/cli-fast-paths.test.ts) and the hash updated.
 */
const FAST_PATHS = path.join(__dirname, 'cli-fast-paths.js');
const RESOLVE_SHA256 = 'bbb7ba2b6b6ba0c8dc70220ab6239611b48b09d828a336f4b36f53b6b1a759f0';
const SANITIZE_SHA256 = '36fce24151e06d3bdb03fa3eedee60a4daf65c4712222ac31a64de1d0a5382eb';
const DROP_UNDEFINED = /Object\.entries\(([\w$.]+)\)\.reduce\(\(r, i\) => \(i\[1\] === undefined\) \? r : \(\{ \.\.\.r, \[i\[0\]\]: i\[1\] \}\), \{\}\)/g;
function fastPathsPlugin(applied) {
  const count = (k, n) => { applied[k] = (applied[k] || 0) + n; };
  return {
    name: 'cli-fast-paths',
    setup(b) {
      // Generated bindings: cdk8s-plus-28's lib/imports/k8s.js and the project's imports/*.ts.
      b.onLoad({ filter: /[\\/]imports[\\/][^\\/]+\.(js|ts)$/ }, (args) => {
        const text = fs.readFileSync(args.path, 'utf8');
        let n = 0;
        const out = text.replace(DROP_UNDEFINED, (_, o) => { n++; return `__cliDropUndefined(${o})`; });
        if (n === 0) return undefined;
        count('dropUndefined', n);
        const helper = `const { dropUndefined: __cliDropUndefined } = require(${JSON.stringify(FAST_PATHS)});\n`;
        return { contents: `${helper}${out}`, loader: args.path.endsWith('.ts') ? 'ts' : 'js' };
      });
      // cdk8s's own copy of `yaml`: the top-level one, when the two package folders are the same file for file.
      b.onResolve({ filter: /^yaml(\/.*)?$/ }, async (args) => {
        if (!isCdk8sFile(args.importer) || !sameYaml()) return undefined;
        const r = await b.resolve(args.path, { kind: args.kind, resolveDir: ROOT });
        if (r.errors.length > 0) return undefined;
        count('sharedYaml', 1);
        return { path: r.path };
      });
      // ajv-i18n, which the kubernetes-models validators load for their English messages only.
      b.onResolve({ filter: /^ajv-i18n$/ }, (args) => {
        if (!/[\\/]node_modules[\\/]@kubernetes-models[\\/]validate[\\/]dist[\\/]validate\.js$/.test(args.importer)) return undefined;
        if (!readsEnglishOnly(fs.readFileSync(args.importer, 'utf8'))) return undefined;
        count('englishOnly', 1);
        return { path: require.resolve('ajv-i18n/localize/en', { paths: [ROOT] }), namespace: 'cli-english-only' };
      });
      b.onLoad({ filter: /.*/, namespace: 'cli-english-only' }, (args) => ({
        contents: `module.exports = { en: require(${JSON.stringify(args.path)}) };\n`,
        resolveDir: path.dirname(args.path),
        loader: 'js',
      }));
      b.onLoad({ filter: /[\\/]node_modules[\\/]cdk8s[\\/]lib[\\/]_util\.js$/ }, (args) => {
        const text = fs.readFileSync(args.path, 'utf8');
        if (sha256(text) !== SANITIZE_SHA256) return undefined; // another cdk8s: bundled as it is (applied.sanitize stays 0)
        count('sanitize', 1);
        return { contents: `${text}\nexports.sanitizeValue = require(${JSON.stringify(FAST_PATHS)}).sanitizeValue;\n`, loader: 'js' };
      });
      b.onLoad({ filter: /[\\/]node_modules[\\/]cdk8s[\\/]lib[\\/]resolve\.js$/ }, (args) => {
        const text = fs.readFileSync(args.path, 'utf8');
        if (sha256(text) !== RESOLVE_SHA256) return undefined; // another cdk8s: bundled as it is (applied.resolve stays 0)
        count('resolve', 1);
        const swap = `exports.resolve = require(${JSON.stringify(FAST_PATHS)}).fastResolve({ original: resolve, app: () => app_1.App, lazy: () => lazy_1.Lazy, `
          + 'LazyResolver, ImplicitTokenResolver, NumberStringUnionResolver });';
        return { contents: `${text}\n${swap}\n`, loader: 'js' }; // at the end: the classes are defined by then
      });
    },
  };
}

/** A file of the cdk8s package itself (not of a package nested in its node_modules). */
function isCdk8sFile(file) {
  const rel = path.relative(path.join(ROOT, 'node_modules', 'cdk8s'), file || '');
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) && !rel.split(path.sep).includes('node_modules');
}

/** Every file of a folder with its sha-256, sorted by path: two folders with equal lists are the same package. */
function treeDigest(dir) {
  const out = [];
  const walk = (rel) => {
    for (const e of fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const r = path.join(rel, e.name);
      if (e.isDirectory()) walk(r);
      else out.push(`${r}\0${fileHash(path.join(dir, r))}`);
    }
  };
  walk('');
  return sha256(out.join('\n'));
}

let sameYamlMemo;
/** Whether cdk8s's nested yaml package is file for file the top-level one (then one copy is bundled). */
function sameYaml() {
  if (sameYamlMemo === undefined) {
    const nested = path.join(ROOT, 'node_modules', 'cdk8s', 'node_modules', 'yaml');
    const top = path.join(ROOT, 'node_modules', 'yaml');
    sameYamlMemo = fs.existsSync(nested) && fs.existsSync(top) && treeDigest(nested) === treeDigest(top);
  }
  return sameYamlMemo;
}

/**
 * Whether @kubernetes-models/validate's dist/validate.js reads ajv-i18n's English messages only: every use of the
 * binding it requires ajv-i18n into is `BINDING.default.en(`. Then that module alone is bundled (the other 20
 * locales are never called); otherwise the whole package is.
 */
function readsEnglishOnly(text) {
  const m = /\bconst ([\w$]+) = tslib_1\.__importDefault\(require\("ajv-i18n"\)\);/.exec(text);
  if (!m) return false;
  const uses = text.split(new RegExp(`(?<![\\w$.])${m[1].replace(/\$/g, '\\$')}(?![\\w$])`)).length - 1;
  const english = text.split(`${m[1]}.default.en(`).length - 1;
  return english > 0 && uses === english + 1;
}

/**
 * Builds one bundle and records what it was built from. Returns the manifest. esbuild runs plugins only in its
 * asynchronous API, so the build itself runs in a child Node process (`build-worker`, see bundle), which keeps
 * the freshness check and the run synchronous; a rebuild is rare and takes seconds anyway.
 */
function build(name) {
  entryOf(name);
  const { spawnSync } = require('child_process');
  const r = spawnSync(process.execPath, [__filename, 'build-worker', name], { encoding: 'utf8', env: { ...process.env, CLI_BUNDLE_DIR: OUT_DIR } });
  if (r.status !== 0) throw new UsageError((r.stderr || '').trim() || `bundling ${entryOf(name)} failed (exit ${r.status})`);
  const manifest = JSON.parse(fs.readFileSync(paths(name).manifest, 'utf8'));
  if (Object.prototype.hasOwnProperty.call(SNAPSHOTS, name)) buildSnapshot(name, manifest);
  return manifest;
}

/**
 * The snapshot's builder script: the bundle (as `load` runs it, with a `require` that is Node's builder require
 * while building and the bundle's own at run time), one warm-up run of the program, and the main function of the
 * snapshot. The warm-up writes into a folder that does not exist yet (no output is replaced, so the atomic
 * exchange's native module is not loaded while building) and is removed afterwards.
 */
function snapshotSource(name, manifest, source) {
  const p = paths(name);
  const warmup = SNAPSHOTS[name];
  return `'use strict';
// Generated by scripts/cli-bundle.js: the builder script of the startup snapshot of ${entryOf(name)}. Not edited, not committed.
const __cli = { module: { exports: {} }, require: undefined };
const __cliRequire = (id) => (__cli.require || require)(id);
__cliRequire.resolve = (id, options) => (__cli.require || require).resolve(id, options);
(function (exports, require, module, __filename, __dirname) {${source}
})(__cli.module.exports, __cliRequire, __cli.module, ${JSON.stringify(p.bundle)}, ${JSON.stringify(OUT_DIR)});
{
  const fs = require('fs');
  const os = require('os');
  const path = require('path');
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-snapshot-warmup-'));
  const args = ${JSON.stringify(warmup)}.map((a) => (a === 'OUT' ? path.join(scratch, 'out') : a));
  let code;
  try {
    code = __cli.module.exports.main(args);
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  if (code !== 0) throw new Error('the warm-up run of ${name} exited with ' + code);
  // What the warm-up recorded is not the next run's.
  delete globalThis[Symbol.for('254carbon.synth-phases')];
}
require('v8').startupSnapshot.setDeserializeMainFunction(() => {
  const Module = require('module');
  const path = require('path');
  // scripts/cli.sh starts the snapshot with the launcher's own command line: node LAUNCHER run NAME ARGS... (Node 20
  // puts LAUNCHER at argv[1]; later Nodes insert argv[0] before it, so it is looked for by name).
  const at = process.argv.findIndex((a, i) => i > 0 && path.basename(a) === 'cli-bundle.js');
  const launcherPath = at > 0 ? path.resolve(process.argv[at]) : ${JSON.stringify(__filename)};
  const launcher = Module.createRequire(launcherPath)(launcherPath);
  __cli.require = launcher.projectRequire();
  launcher.fromSnapshot({ name: ${JSON.stringify(name)}, launcher: ${JSON.stringify(__filename)}, bundle: ${JSON.stringify(manifest.bundle)}, outDir: ${JSON.stringify(OUT_DIR)}, exports: __cli.module.exports }, process.argv.slice(at > 0 ? at + 1 : 2));
});
`;
}

/**
 * The first `flags` line of /proc/cpuinfo ('' where there is none): V8 refuses a snapshot taken on a CPU with
 * other features (its tag covers the detected CPU features), so scripts/cli.sh starts from the blob only on a CPU
 * that reports the same flags.
 */
function cpuFlags() {
  try {
    const line = fs.readFileSync('/proc/cpuinfo', 'latin1').split('\n').find((l) => /^flags\s*:/.test(l));
    return line ?? '';
  } catch {
    return '';
  }
}

/**
 * Builds the startup snapshot of a freshly built bundle (see the header). A failure is a note, not an error:
 * the program then runs from the bundle, as before.
 */
function buildSnapshot(name, manifest) {
  const p = paths(name);
  for (const f of [p.blobNode, p.blob]) fs.rmSync(f, { force: true });
  const { spawnSync } = require('child_process');
  const tmp = `${p.blob}.${process.pid}.tmp`;
  try {
    writeAtomic(p.snapshotEntry, snapshotSource(name, manifest, fs.readFileSync(p.bundle, 'latin1')));
    const r = spawnSync(process.execPath, [...SNAPSHOT_V8_FLAGS, '--snapshot-blob', tmp, '--build-snapshot', p.snapshotEntry], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CLI_TIMINGS_FILE: '' } });
    if (r.status !== 0 || !fs.existsSync(tmp)) {
      const why = (r.stderr || '').split('\n').filter((l) => l.trim() && !/^\(node:\d+\) Warning|^It may still work|^To request support|^\(Use `node/.test(l)).slice(-3).join(' ');
      throw new Error(why || `exit ${r.status}`);
    }
    fs.renameSync(tmp, p.blob);
    // After the blob: scripts/cli.sh also requires the binary to be older than the blob.
    writeAtomic(p.blobNode, `${process.execPath}\n${cpuFlags()}\n${SNAPSHOT_V8_FLAGS.join(' ')}\n`);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    if (process.env.CLI_BUNDLE_QUIET !== '1') process.stderr.write(`note: the startup snapshot of ${name} was not built (${e.message}); it runs from the bundle\n`);
  }
}

/**
 * esbuild's options for a bundle of `entry` (the output, `outfile` or `write: false`, is the caller's); `applied`
 * counts the fast paths swapped in (fastPathsPlugin).
 */
function bundleOptions(entry, applied) {
  return {
    absWorkingDir: ROOT,
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    plugins: [fastPathsPlugin(applied)],
    metafile: true,
    logLevel: 'silent',
    legalComments: 'none',
    // Smaller source, code cache and snapshot. Names are not kept (keepNames would wrap every function and class
    // in a call that redefines its `name`: 1 MB more snapshot, ~10 ms a synth): nothing in the synth's path
    // depends on a function's `name` but two internal-error messages of constructs and cdk8s, which then show a
    // class's minified name next to the construct's path.
    minify: true,
    keepNames: false,
    // A native module (the atomic exchange of src/output/exchange.ts): required from node_modules at run time.
    external: ['koffi'],
  };
}

/** The build proper (in the build worker). */
async function bundle(name) {
  const entry = entryOf(name);
  let esbuild;
  try {
    esbuild = require(path.join(ROOT, 'node_modules', 'esbuild'));
  } catch {
    throw new UsageError('esbuild is not installed: run `npm ci` first');
  }
  const p = paths(name);
  const tmpOut = `${p.bundle}.${process.pid}.build.js`;
  fs.mkdirSync(OUT_DIR, { recursive: true });
  let result;
  const fastPaths = {};
  try {
    result = await esbuild.build({ ...bundleOptions(entry, fastPaths), outfile: tmpOut });
  } catch (e) {
    const errors = (e.errors || []).map((x) => `  ${x.location ? `${x.location.file}:${x.location.line}: ` : ''}${x.text}`);
    throw new UsageError(`bundling ${entry} failed:\n${errors.join('\n') || e.message}`);
  }
  const inputs = {};
  for (const input of Object.keys(result.metafile.inputs).sort()) {
    // Dependencies are covered by the dependency tree hash; only the project's own files are hashed one by one.
    if (input.split('/').includes('node_modules')) continue;
    inputs[input] = identity(path.join(ROOT, input));
  }
  for (const f of [...toolFiles(), dependencyTreeFile()]) inputs[path.relative(ROOT, f)] = identity(f);
  let source = fs.readFileSync(tmpOut, 'utf8');
  // The bundle runs inside a function wrapper (see load), where an entry's `#!` line is a syntax error.
  if (source.startsWith('#!')) source = `//${source.slice(2)}`;
  // Stored as Latin-1 (esbuild escapes everything above U+00FF), so that every run reads it without decoding UTF-8.
  if (/[^\x00-\xff]/.test(source)) {
    fs.rmSync(tmpOut, { force: true });
    throw new UsageError(`bundling ${entry} gave characters above U+00FF`);
  }
  fs.writeFileSync(tmpOut, source, 'latin1');
  const manifest = { entry, runtime: runtime(), inputs, bundle: sha256(source), fastPaths };
  fs.renameSync(tmpOut, p.bundle);
  writeAtomic(p.manifest, JSON.stringify(manifest, null, 1) + '\n');
  for (const f of [p.cache, p.blobNode, p.blob]) fs.rmSync(f, { force: true });
  return manifest;
}

/** Why a bundle must be rebuilt, or null when it is fresh. */
function staleness(name) {
  const p = paths(name);
  let manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(p.manifest, 'utf8'));
  } catch {
    return 'not built yet';
  }
  if (manifest.entry !== entryOf(name)) return `entry changed to ${entryOf(name)}`;
  if (manifest.runtime !== runtime()) return `Node changed (${manifest.runtime} -> ${runtime()})`;
  for (const f of [...toolFiles(), dependencyTreeFile()]) {
    if (!(path.relative(ROOT, f) in manifest.inputs)) return `${path.relative(ROOT, f)} is new`;
  }
  for (const [input, recorded] of Object.entries(manifest.inputs)) {
    if (!unchanged(path.join(ROOT, input), recorded)) return `${input} changed`;
  }
  if (!fs.existsSync(p.bundle)) return 'bundle missing';
  return null;
}

/**
 * The `require` a bundle runs with: what it leaves to run time (the native module of the atomic exchange, the
 * schema check's by-path model lookup) resolves from the project's node_modules, wherever the bundle folder is.
 */
function projectRequire() {
  return Module.createRequire(path.join(ROOT, 'package.json'));
}

/** Loads a fresh bundle (building it first when stale) and returns its exports. */
function load(name, timings = {}) {
  let t = process.hrtime.bigint();
  const lap = (phase) => {
    const now = process.hrtime.bigint();
    timings[phase] = (timings[phase] || 0) + Number(now - t) / 1e6;
    t = now;
  };
  const reason = staleness(name);
  lap('freshness check');
  let manifest;
  if (reason) {
    if (process.env.CLI_BUNDLE_QUIET !== '1') process.stderr.write(`(re)building the ${name} bundle: ${reason}\n`);
    manifest = build(name);
    lap('bundle rebuild');
  }
  const p = paths(name);
  // Latin-1 (see build), so read as one-byte characters: no UTF-8 decoding of megabytes.
  const source = fs.readFileSync(p.bundle, 'latin1');
  let cachedData;
  try {
    cachedData = fs.readFileSync(p.cache);
  } catch {
    cachedData = undefined;
  }
  const wrapper = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
  const script = new vm.Script(wrapper, { filename: p.bundle, cachedData });
  const needsCache = cachedData === undefined || script.cachedDataRejected === true;
  const mod = new Module(p.bundle, module);
  mod.filename = p.bundle;
  mod.paths = Module._nodeModulePaths(ROOT);
  mod.loaded = true;
  const fn = script.runInThisContext();
  lap('compile bundle');
  fn.call(mod.exports, mod.exports, projectRequire(), mod, p.bundle, OUT_DIR);
  lap('load modules');
  // The cache is written after the program ran (see run), so that it also holds the functions compiled lazily.
  return { exports: mod.exports, saveCache: needsCache ? () => writeAtomic(p.cache, script.createCachedData()) : () => {}, manifest };
}

/** Runs a bundled program's main(argv); returns its exit code. */
function run(name, argv) {
  const timings = {};
  const { exports, saveCache } = load(name, timings);
  return execute(name, exports, argv, timings, saveCache);
}

/** Runs a loaded program's main(argv), then writes its code cache and (CLI_TIMINGS_FILE) its timings. */
function execute(name, exports, argv, timings, saveCache = () => {}) {
  if (typeof exports.main !== 'function') throw new UsageError(`${entryOf(name)} does not export main(argv)`);
  const started = process.hrtime.bigint();
  const code = exports.main(argv);
  timings.run = Number(process.hrtime.bigint() - started) / 1e6;
  try {
    saveCache();
  } catch (e) {
    process.stderr.write(`note: could not write the V8 code cache (${e.message}); the next run compiles again\n`);
  }
  if (process.env.CLI_TIMINGS_FILE) {
    // The program's own phases (src/core/phases.ts), then the launcher's.
    const phases = globalThis[Symbol.for('254carbon.synth-phases')] || {};
    fs.writeFileSync(process.env.CLI_TIMINGS_FILE, JSON.stringify({ ...timings, phases, cpuMs: (process.cpuUsage().user + process.cpuUsage().system) / 1000, maxRssKiB: process.resourceUsage().maxRSS }));
  }
  return code;
}

/** Whether the program left timers, sockets, child processes or other handles that would keep Node running. */
function pendingWork() {
  const active = typeof process.getActiveResourcesInfo === 'function' ? process.getActiveResourcesInfo() : ['unknown'];
  // The standard streams on a terminal or a pipe are listed as TTYWrap or PipeWrap: not work of the program.
  return active.some((r) => r !== 'TTYWrap' && r !== 'PipeWrap');
}

/**
 * The main function of a startup snapshot (see snapshotSource), in the launcher its command line names (required
 * from disk): `snapshot` is what was baked into it, `args` the launcher's arguments it was started with
 * (scripts/cli.sh: `run`, the name, the program's arguments). The program runs from the snapshot only when the
 * snapshot was built by this launcher for this program and bundle folder, and the freshness check passes for the
 * very bundle the snapshot was built from; otherwise the arguments are run as `node scripts/cli-bundle.js ARGS`
 * would run them (a stale bundle is rebuilt, with its snapshot, and run).
 */
function fromSnapshot(snapshot, args) {
  const [command, name, ...rest] = args;
  const timings = {};
  const t = process.hrtime.bigint();
  const usable = command === 'run' && name === snapshot.name && snapshot.launcher === __filename && snapshot.outDir === OUT_DIR
    && staleness(name) === null && bundleHash(name) === snapshot.bundle;
  timings['freshness check'] = Number(process.hrtime.bigint() - t) / 1e6;
  if (!usable) return cli(args);
  return reportingUsage(() => {
    process.exitCode = execute(name, snapshot.exports, rest, timings);
    exitIfIdle();
  });
}

/** Runs `fn`; a UsageError is its message on stderr and exit code 2, no stack trace. */
function reportingUsage(fn) {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`${e.message}\n`);
    process.exitCode = 2;
  }
}

/** The bundle hash the manifest records (the bundle a snapshot must have been built from). */
function bundleHash(name) {
  try {
    return JSON.parse(fs.readFileSync(paths(name).manifest, 'utf8')).bundle;
  } catch {
    return undefined;
  }
}

/**
 * The program is synchronous and done: exit now instead of tearing down its heap (~100 MB) and module state
 * first. Only when nothing is waiting to be written (pipes and files are written synchronously on Linux; elsewhere
 * a pending write keeps the normal exit) and nothing else was scheduled.
 */
function exitIfIdle() {
  if (process.stdout.writableLength === 0 && process.stderr.writableLength === 0 && !pendingWork()) process.exit();
}

module.exports = { ENTRIES, SNAPSHOTS, SNAPSHOT_V8_FLAGS, OUT_DIR, build, staleness, load, run, paths, fastPathsPlugin, bundleOptions, readsEnglishOnly, treeDigest, fromSnapshot, cli, projectRequire };

/** The command line of this launcher (see the usage line). */
function cli(args) {
  const [command, ...rest] = args;
  reportingUsage(() => {
    if (command === 'run' && rest.length > 0) {
      process.exitCode = run(rest[0], rest.slice(1));
      exitIfIdle();
    } else if (command === 'build-worker' && rest.length === 1) {
      bundle(rest[0]).catch((e) => {
        process.stderr.write(`${e instanceof UsageError ? e.message : e.stack}\n`);
        process.exitCode = 2;
      });
    } else if (command === 'build') {
      for (const name of rest.length ? rest : Object.keys(ENTRIES)) {
        build(name);
        process.stdout.write(`built ${path.relative(ROOT, paths(name).bundle)} from ${entryOf(name)}\n`);
      }
    } else if (command === 'check') {
      let stale = 0;
      for (const name of rest.length ? rest : Object.keys(ENTRIES)) {
        const reason = staleness(name);
        if (reason) {
          stale++;
          process.stderr.write(`${name}: stale (${reason})\n`);
        }
      }
      process.exitCode = stale ? 1 : 0;
    } else {
      process.stderr.write('usage: cli-bundle.js run NAME [ARGS...] | build [NAME...] | check [NAME...]\n');
      process.exitCode = 2;
    }
  });
}

if (require.main === module) cli(process.argv.slice(2));
