import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BUILT_IN_GROUPS, BUNDLED_MODELS, checkSchema } from '../src/platform/checks/schema';
import { listFiles } from '../src/output/write';
import type { RenderedObject } from '../src/output/render';

const ROOT = path.join(__dirname, '..');
const LAUNCHER = path.join(ROOT, 'scripts', 'cli-bundle.js');

function launch(args: string[], env: Record<string, string>) {
  const r = spawnSync(process.execPath, [LAUNCHER, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('the bundled command line (scripts/cli-bundle.js)', () => {
  // A small program bundled exactly like the synth, in a scratch folder inside the repository (inputs are
  // hashed relative to the repository root), with its own bundle folder.
  const scratch = (fs.mkdirSync(path.join(ROOT, '.tmp'), { recursive: true }), fs.mkdtempSync(path.join(ROOT, '.tmp', 'bundle-test-')));
  const bundles = fs.mkdtempSync(path.join(os.tmpdir(), 'bundles-'));
  const env = { CLI_ENTRY_PROBE: path.relative(ROOT, path.join(scratch, 'entry.ts')), CLI_BUNDLE_DIR: bundles };
  afterAll(() => {
    fs.rmSync(scratch, { recursive: true, force: true });
    fs.rmSync(bundles, { recursive: true, force: true });
  });

  test('regression: a stale bundle is never run (a changed input, even with its old size and mtime, or a new import, rebuilds first)', () => {
    fs.writeFileSync(path.join(scratch, 'entry.ts'), "import { value } from './value';\nexport function main(argv: string[]): number { process.stdout.write(`${value} ${argv.join(' ')}`); return 3; }\n");
    fs.writeFileSync(path.join(scratch, 'value.ts'), "export const value = 'one';\n");
    let r = launch(['run', 'probe', 'a', 'b'], env);
    expect(r.stdout).toBe('one a b');
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/building the probe bundle: not built yet/);
    // fresh: no rebuild, and the V8 code cache written by the first run is used
    expect(fs.existsSync(path.join(bundles, 'probe.v8cache'))).toBe(true);
    r = launch(['run', 'probe'], env);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('one ');
    expect(launch(['check', 'probe'], env).code).toBe(0);
    // same size, same mtime, other content: still rebuilt (content hash, not timestamps)
    const file = path.join(scratch, 'value.ts');
    const before = fs.statSync(file);
    fs.writeFileSync(file, "export const value = 'two';\n");
    fs.utimesSync(file, before.atime, before.mtime);
    expect(launch(['check', 'probe'], env)).toMatchObject({ code: 1, stderr: expect.stringMatching(/value\.ts changed/) });
    r = launch(['run', 'probe'], env);
    expect(r.stdout).toBe('two ');
    expect(r.stderr).toMatch(/value\.ts changed/);
    // an import added later is an input of the new bundle
    fs.writeFileSync(path.join(scratch, 'extra.ts'), "export const extra = '!';\n");
    fs.writeFileSync(file, "import { extra } from './extra';\nexport const value = 'three' + extra;\n");
    expect(launch(['run', 'probe'], env).stdout).toBe('three! ');
    fs.writeFileSync(path.join(scratch, 'extra.ts'), "export const extra = '?';\n");
    expect(launch(['run', 'probe'], env).stdout).toBe('three? ');
  });

  test('a corrupt code cache is rejected by V8 and only costs time', () => {
    fs.writeFileSync(path.join(bundles, 'probe.v8cache'), 'not a cache');
    expect(launch(['run', 'probe'], env)).toMatchObject({ code: 3, stdout: 'three? ' });
  });

  test('a bundling error is reported with file and line, no stack trace, exit 2', () => {
    fs.writeFileSync(path.join(scratch, 'value.ts'), 'export const value = ;\n');
    const r = launch(['run', 'probe'], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bundling .*entry\.ts failed:\n {2}.*value\.ts:1: /);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  test('the bundled synth writes the same tree as the library (npm run synth, --check and cdk8s.yaml use it)', () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bundled-synth-'));
    try {
      const r = launch(['run', 'synth', '--out', out], { CLI_BUNDLE_QUIET: '1' });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      const committed = path.join(ROOT, 'charts-out');
      const files = listFiles(out);
      expect(files).toEqual(listFiles(committed));
      for (const f of files) expect(fs.readFileSync(path.join(out, f), 'utf8')).toBe(fs.readFileSync(path.join(committed, f), 'utf8'));
      expect(launch(['run', 'synth', '--out', out, '--check'], {}).code).toBe(0);
      // with the fast paths of scripts/cli-fast-paths.js swapped in (test/cli-fast-paths.test.ts)
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const manifest = JSON.parse(fs.readFileSync(require('../scripts/cli-bundle.js').paths('synth').manifest, 'utf8'));
      // 0: the installed cdk8s's lib/resolve.js (lib/_util.js) is not the one the fast resolve (sanitizeValue)
      // restates: RESOLVE_SHA256 (SANITIZE_SHA256) in the launcher
      expect(manifest.fastPaths.resolve).toBe(1);
      expect(manifest.fastPaths.sanitize).toBe(1);
      expect(manifest.fastPaths.dropUndefined).toBeGreaterThan(800);
      // zod is imported as a namespace (`import * as z from 'zod'`), which esbuild tree-shakes; `import { z }`
      // bundles all of zod with its 40 locales (0.4 MB more of source and startup snapshot)
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const text = fs.readFileSync(require('../scripts/cli-bundle.js').paths('synth').bundle, 'latin1');
      expect(text).not.toContain('erwartet instanceof'); // zod's German
      expect(text).toContain('Invalid input'); // zod's English
    } finally {
      fs.rmSync(out, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('bundle-only trims (scripts/cli-bundle.js, fastPathsPlugin)', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const bundler = require('../scripts/cli-bundle.js');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require('esbuild');
  const probe = [
    "const { runValidateFunc } = require('@kubernetes-models/validate');",
    "const { Yaml } = require('cdk8s');",
    "const fn = () => { fn.errors = [{ instancePath: '/spec', schemaPath: '#/required', keyword: 'required', params: { missingProperty: 'selector' } },",
    "  { instancePath: '/spec/replicas', schemaPath: '#/properties/replicas/type', keyword: 'type', params: { type: 'integer' } }]; return false; };",
    'try { runValidateFunc(fn, {}); } catch (e) { console.log(e.message); }',
    "console.log(Yaml.stringify({ b: [1, 'two'], a: { c: null } }));",
  ].join('\n');
  let dir: string;
  beforeAll(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bundle-trims-')); });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function bundled(): Promise<{ text: string; applied: Record<string, number>; inputs: string[] }> {
    const applied: Record<string, number> = {};
    const entry = path.join(dir, 'probe.js');
    fs.writeFileSync(entry, probe);
    // the synth bundle's own options (the probe lives outside the project: its packages resolve from the project's)
    const r = await esbuild.build({ ...bundler.bundleOptions(entry, applied), write: false, nodePaths: [path.join(ROOT, 'node_modules')] });
    return { text: r.outputFiles[0].text, applied, inputs: Object.keys(r.metafile.inputs) };
  }

  test('the validators\' messages and cdk8s\'s YAML are the same with one yaml copy and English messages only', async () => {
    const { text, applied, inputs } = await bundled();
    const file = path.join(dir, 'probe.bundle.js');
    fs.writeFileSync(file, text);
    const run = (f: string) => spawnSync(process.execPath, [f], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, NODE_PATH: path.join(ROOT, 'node_modules') } });
    const unbundled = run(path.join(dir, 'probe.js'));
    expect(unbundled.status).toBe(0);
    expect(unbundled.stdout).toContain('data/spec must have required property selector, data/spec/replicas must be integer');
    const fromBundle = run(file);
    expect(fromBundle.stderr).toBe('');
    expect(fromBundle.stdout).toBe(unbundled.stdout);
    expect(applied.englishOnly).toBe(1);
    expect(inputs.filter((f) => /ajv-i18n[\\/]localize[\\/](?!en[\\/])/.test(f))).toEqual([]);
    expect(text).not.toContain('muss gleich der Konstanten sein'); // ajv-i18n's German
    const nested = path.join(ROOT, 'node_modules', 'cdk8s', 'node_modules', 'yaml');
    if (fs.existsSync(nested) && bundler.treeDigest(nested) === bundler.treeDigest(path.join(ROOT, 'node_modules', 'yaml'))) {
      expect(applied.sharedYaml).toBeGreaterThan(0);
      expect(inputs.filter((f) => f.includes('cdk8s/node_modules/yaml'))).toEqual([]);
    } else {
      expect(applied.sharedYaml).toBeUndefined();
    }
  }, 60_000);

  test('the English-only trim applies only when every use of the locales reads .en', () => {
    const validate = fs.readFileSync(path.join(ROOT, 'node_modules', '@kubernetes-models', 'validate', 'dist', 'validate.js'), 'utf8');
    expect(bundler.readsEnglishOnly(validate)).toBe(true);
    expect(bundler.readsEnglishOnly(validate.replace('ajv_i18n_1.default.en(errors);', 'ajv_i18n_1.default.en(errors); ajv_i18n_1.default.de(errors);'))).toBe(false);
    expect(bundler.readsEnglishOnly(validate.replace('ajv_i18n_1.default.en(errors);', 'ajv_i18n_1.default[process.env.LANG](errors);'))).toBe(false);
    expect(bundler.readsEnglishOnly(validate.replace('ajv_i18n_1.default.en(errors);', 'const l = ajv_i18n_1; l.default.en(errors);'))).toBe(false);
    expect(bundler.readsEnglishOnly('module.exports = 1;')).toBe(false);
  });

  test('two package folders are one copy only when they are the same file for file', () => {
    const a = fs.mkdtempSync(path.join(dir, 'a-'));
    const b = fs.mkdtempSync(path.join(dir, 'b-'));
    for (const d of [a, b]) {
      fs.mkdirSync(path.join(d, 'dist'));
      fs.writeFileSync(path.join(d, 'package.json'), '{"version":"1.0.0"}');
      fs.writeFileSync(path.join(d, 'dist', 'index.js'), 'module.exports = 1;');
    }
    expect(bundler.treeDigest(a)).toBe(bundler.treeDigest(b));
    fs.writeFileSync(path.join(b, 'dist', 'index.js'), 'module.exports = 2;');
    expect(bundler.treeDigest(a)).not.toBe(bundler.treeDigest(b));
    fs.writeFileSync(path.join(b, 'dist', 'index.js'), 'module.exports = 1;');
    fs.writeFileSync(path.join(b, 'dist', 'extra.js'), '');
    expect(bundler.treeDigest(a)).not.toBe(bundler.treeDigest(b));
  });
});

describe('schema check validators', () => {
  const kinds = new Set<string>();
  for (const f of listFiles(path.join(ROOT, 'charts-out'))) {
    const text = fs.readFileSync(path.join(ROOT, 'charts-out', f), 'utf8');
    const apiVersion = /^apiVersion: (\S+)$/m.exec(text)![1];
    const kind = /^kind: (\S+)$/m.exec(text)![1];
    if (BUILT_IN_GROUPS.has(apiVersion.includes('/') ? apiVersion.split('/')[0] : '')) kinds.add(`${apiVersion}/${kind}`);
  }

  test('every built-in kind the platform writes has a bundled validator (no model file is looked up at run time)', () => {
    expect([...kinds].filter((k) => !(k in BUNDLED_MODELS))).toEqual([]);
    expect(kinds.size).toBeGreaterThan(10);
  });

  test('a built-in kind outside the bundled table is checked just as strictly', () => {
    const obj = (manifest: Record<string, any>): RenderedObject => ({ path: 'x/y.yaml', manifest } as unknown as RenderedObject);
    expect('v1/PodTemplate' in BUNDLED_MODELS).toBe(false);
    expect(checkSchema([obj({ apiVersion: 'v1', kind: 'PodTemplate', metadata: { name: 'l' }, template: { spec: { containers: [{ name: 'c', image: 'x' }] } } })])).toEqual([]);
    expect(checkSchema([obj({ apiVersion: 'v1', kind: 'PodTemplate', metadata: { name: 'l' }, template: { spec: { containers: [{ name: 7, image: 'x' }] } } })])[0])
      .toMatch(/PodTemplate l does not match the Kubernetes schema: \/template\/spec\/containers\/0\/name must be string/);
  });
});
