import { parse } from 'yaml';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { selectEnvironments } from '../cli/cli';
import { main } from '../cli/synth';
import { listFiles } from '../src/output/write';
import { runCommand } from './util';

function tmp(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'synth-test-'));
}

function snapshotTree(dir: string): Record<string, string> {
  return Object.fromEntries(listFiles(dir).map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
}

/** Runs the command line with its output captured. */
const run = (args: string[]) => runCommand(main, args);

/** Runs `fn` with the command line's output silenced. */
function quiet<T>(fn: () => T): T {
  let result!: T;
  runCommand(() => { result = fn(); return 0; }, []);
  return result;
}

let fresh: string | undefined;
/**
 * A copy of a fresh synth of every environment through the command line (`synth --out DIR`), made once for this
 * file: the tests that need a complete previous output start from their own copy instead of synthesizing again.
 */
function freshCopy(): string {
  if (!fresh) {
    fresh = tmp();
    expect(quiet(() => main(['--out', fresh!]))).toBe(0);
  }
  const out = tmp();
  fs.cpSync(fresh, out, { recursive: true });
  return out;
}

describe('synth pipeline', () => {
  test('two synths give byte-identical trees, one object per file under <env>/<component>/', () => {
    const a = freshCopy();
    const b = tmp();
    expect(quiet(() => main(['--out', b]))).toBe(0);
    const ta = snapshotTree(a);
    expect(ta).toEqual(snapshotTree(b));
    const files = Object.keys(ta);
    expect(files.length).toBeGreaterThan(30);
    for (const f of files) {
      expect(f).toMatch(/^((dev|staging|prod)\/[a-z0-9-]+|argocd\/(dev|staging|prod)(\/bootstrap)?)\/[A-Za-z]+\.[a-z0-9.-]+\.yaml$/);
      expect(ta[f].match(/^kind:/gm)).toHaveLength(1);
    }
  });

  test('an up-to-date tree is left untouched (no rewrite, mtimes kept)', () => {
    const out = tmp();
    expect(quiet(() => main(['--out', out, '--env', 'dev']))).toBe(0);
    const file = path.join(out, 'dev', 'zookeeper', 'StatefulSet.zookeeper.yaml');
    const old = new Date('2020-01-01T00:00:00Z');
    fs.utimesSync(file, old, old);
    const r = run(['--out', out, '--env', 'dev']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('already up to date');
    expect(fs.statSync(file).mtime.getTime()).toBe(old.getTime());
  });

  test('stale files are removed, foreign folders are kept', () => {
    const out = tmp();
    fs.mkdirSync(path.join(out, 'prod', 'gone'), { recursive: true });
    fs.writeFileSync(path.join(out, 'prod', 'gone', 'Deployment.old.yaml'), 'kind: Deployment\n');
    fs.writeFileSync(path.join(out, 'prod', 'zookeeper-stale.yaml'), 'x: 1\n');
    fs.mkdirSync(path.join(out, 'other'));
    fs.writeFileSync(path.join(out, 'other', 'keep.yaml'), 'keep: true\n');
    expect(quiet(() => main(['--out', out, '--env', 'prod']))).toBe(0);
    expect(fs.existsSync(path.join(out, 'prod', 'gone'))).toBe(false);
    expect(fs.existsSync(path.join(out, 'prod', 'zookeeper-stale.yaml'))).toBe(false);
    expect(fs.readFileSync(path.join(out, 'other', 'keep.yaml'), 'utf8')).toBe('keep: true\n');
    expect(fs.existsSync(path.join(out, 'prod', 'zookeeper', 'StatefulSet.zookeeper.yaml'))).toBe(true);
  });

  test('a failing synth leaves the previous output exactly as it was', () => {
    const out = freshCopy();
    fs.writeFileSync(path.join(out, 'prod', 'marker.txt'), 'before\n');
    const before = snapshotTree(out);
    const bad = path.join(tmp(), 'bad.yaml');
    fs.writeFileSync(bad, 'components:\n  dolphinscheduler:\n    replicas:\n      worker: -3\n');
    const { code, stderr } = run(['--out', out, '--env', 'prod', '--values', bad]);
    expect(code).toBe(1);
    expect(stderr).toContain('components.dolphinscheduler.replicas.worker');
    expect(stderr).toContain('nothing was written');
    expect(snapshotTree(out)).toEqual(before);
    expect(fs.readdirSync(path.dirname(out)).filter((d) => d.startsWith(`.${path.basename(out)}.new-`))).toEqual([]);
  });

  test('--check passes on a fresh tree and names a modified, a missing and an extra file', () => {
    const out = freshCopy();
    expect(quiet(() => main(['--out', out, '--check']))).toBe(0);
    fs.appendFileSync(path.join(out, 'prod', 'zookeeper', 'StatefulSet.zookeeper.yaml'), '# edited\n');
    fs.rmSync(path.join(out, 'dev', 'zookeeper', 'Service.zookeeper-service.yaml'));
    fs.writeFileSync(path.join(out, 'staging', 'zookeeper', 'ConfigMap.extra.yaml'), 'kind: ConfigMap\n');
    const { code, stderr } = run(['--out', out, '--check']);
    expect(code).toBe(1);
    expect(stderr).toContain('changed: prod/zookeeper/StatefulSet.zookeeper.yaml');
    expect(stderr).toContain('missing: dev/zookeeper/Service.zookeeper-service.yaml');
    expect(stderr).toContain('extra:   staging/zookeeper/ConfigMap.extra.yaml');
  });

  test('--check covers the Argo CD Applications: a modified, a missing and an extra Application file', () => {
    const out = freshCopy();
    fs.appendFileSync(path.join(out, 'argocd', 'prod', 'Application.minio.yaml'), '# edited\n');
    fs.rmSync(path.join(out, 'argocd', 'dev', 'bootstrap', 'Application.data-platform-dev.yaml'));
    fs.writeFileSync(path.join(out, 'argocd', 'staging', 'Application.gone.yaml'), 'kind: Application\n');
    const { code, stderr } = run(['--out', out, '--check']);
    expect(code).toBe(1);
    expect(stderr).toContain('changed: argocd/prod/Application.minio.yaml');
    expect(stderr).toContain('missing: argocd/dev/bootstrap/Application.data-platform-dev.yaml');
    expect(stderr).toContain('extra:   argocd/staging/Application.gone.yaml');
    // a synth of one environment rewrites its Application folder and leaves the others alone
    expect(quiet(() => main(['--out', out, '--env', 'staging']))).toBe(0);
    expect(fs.existsSync(path.join(out, 'argocd', 'staging', 'Application.gone.yaml'))).toBe(false);
    expect(fs.readFileSync(path.join(out, 'argocd', 'prod', 'Application.minio.yaml'), 'utf8')).toContain('# edited');
  });

  test('every command selects environments the same way: repeatable, comma-separated, unknown names refused', () => {
    expect(quiet(() => selectEnvironments(['dev,prod', ' staging ']))).toEqual(['dev', 'prod', 'staging']);
    expect(quiet(() => selectEnvironments(undefined))).toEqual([]);
    expect(quiet(() => selectEnvironments(['prod', 'qa']))).toBe(2);
  });

  test('usage errors exit 2', () => {
    expect(quiet(() => main(['--env', 'qa']))).toBe(2);
    expect(quiet(() => main(['--bogus']))).toBe(2);
  });
});

describe('cdk8s CLI configuration', () => {
  test('cdk8s.yaml runs the same fast path as npm run synth (the freshness-checked bundle, never ts-node) and lists no imports (imports/ is generated by npm run import-crds)', () => {
    const config = parse(fs.readFileSync(path.join(__dirname, '..', 'cdk8s.yaml'), 'utf8'));
    const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'package.json'), 'utf8'));
    expect(config.app).toBe(`${pkg.scripts.synth} --cdk8s-cli`);
    expect(config.app).not.toMatch(/ts-node/);
    // `cdk8s import FILE` appends FILE here; a temp path left behind breaks a bare `cdk8s import`.
    expect(config.imports).toBeUndefined();
  });
});
