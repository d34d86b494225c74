import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import { main } from '../cli/diff';
import { diffOutputs, readTreeAtRef, renderDiffMarkdown } from '../cli/reports/diff';
import { synthesize } from '../src/output/synth';
import { runCommand } from './util';

const fresh = synthesize({ environments: ['prod'] });
const WORKER = 'prod/dolphinscheduler/Deployment.dolphinscheduler-worker.yaml';

/** The fresh tree with one object edited. */
function edited(file: string, edit: (m: any) => void): Map<string, string> {
  const files = new Map(fresh.files);
  const m = structuredClone(fresh.objects.find((o) => o.path === file)!.manifest);
  edit(m);
  files.set(file, stringify(m));
  return files;
}

describe('npm run diff', () => {
  test('a changed replica count and image tag: the object, the field paths, old and new values, as markdown', () => {
    const base = edited(WORKER, (m) => {
      m.spec.replicas = 4;
      m.spec.template.spec.containers[0].image = 'docker.io/apache/dolphinscheduler-worker:3.2.1';
    });
    const diff = diffOutputs(base, fresh.files);
    expect(diff.changes).toHaveLength(1);
    expect(diff.changes[0]).toMatchObject({ group: 'prod', key: 'Deployment/data-platform/dolphinscheduler-worker', status: 'changed' });
    expect(diff.changes[0].fields).toEqual([
      { field: 'spec.replicas', old: '4', new: '6', redacted: false },
      { field: 'spec.template.spec.containers[name=dolphinscheduler-worker].image', old: '"docker.io/apache/dolphinscheduler-worker:3.2.1"', new: '"docker.io/apache/dolphinscheduler-worker:3.2.2"', redacted: false },
    ]);
    const md = renderDiffMarkdown(diff, 'diff');
    expect(md).toContain('**0 added, 0 removed, 1 changed**');
    expect(md).toContain('| `spec.replicas` | `4` | `6` |');
    expect(md).toContain('| `spec.template.spec.containers[name=dolphinscheduler-worker].image` | `docker.io/apache/dolphinscheduler-worker:3.2.1` | `docker.io/apache/dolphinscheduler-worker:3.2.2` |');
  });

  test('added and removed objects; identical trees report nothing', () => {
    const base = new Map(fresh.files);
    base.delete('prod/minio/Service.minio-console.yaml');
    base.set('prod/old/ConfigMap.gone.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: gone\n  namespace: data-platform\n');
    const md = renderDiffMarkdown(diffOutputs(base, fresh.files), 'diff');
    expect(md).toContain('**Added:**\n\n- `Service/data-platform/minio-console`');
    expect(md).toContain('**Removed:**\n\n- `ConfigMap/data-platform/gone`');
    expect(renderDiffMarkdown(diffOutputs(fresh.files, fresh.files), 'x')).toContain('No object changed');
  });

  test('secret values are never printed (Secret data and secret-looking env values)', () => {
    const secretYaml = (v: string) => `apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n  namespace: data-platform\nstringData:\n  password: ${v}\n`;
    const a = new Map([['prod/x/Secret.s.yaml', secretYaml('hunter2')]]);
    const b = new Map([['prod/x/Secret.s.yaml', secretYaml('correct-horse')]]);
    const envYaml = (v: string) => `apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n    - name: c\n      env:\n        - name: DB_PASSWORD\n          value: ${v}\n`;
    a.set('prod/x/Pod.p.yaml', envYaml('old-pass'));
    b.set('prod/x/Pod.p.yaml', envYaml('new-pass'));
    const md = renderDiffMarkdown(diffOutputs(a, b), 'diff');
    expect(md).toContain('| `stringData.password` | _(secret, not shown)_ | _(secret, not shown)_ |');
    expect(md).toContain('DB_PASSWORD].value` | _(secret, not shown)_');
    for (const v of ['hunter2', 'correct-horse', 'old-pass', 'new-pass']) expect(md).not.toContain(v);
  });

  test('reads the base from a git ref (--base) and from a directory (--base-dir)', () => {
    const repo = fs.mkdtempSync(path.join(os.tmpdir(), 'diff-git-'));
    const git = (...args: string[]) => execFileSync('git', args, { cwd: repo, stdio: 'pipe' });
    git('init', '-q');
    const files = edited(WORKER, (m) => { m.spec.replicas = 2; });
    for (const [f, text] of files) {
      fs.mkdirSync(path.dirname(path.join(repo, 'charts-out', f)), { recursive: true });
      fs.writeFileSync(path.join(repo, 'charts-out', f), text);
    }
    git('add', '.');
    git('-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-q', '-m', 'base');
    const tree = readTreeAtRef(repo, 'HEAD', 'charts-out');
    expect(tree.size).toBe(files.size);
    expect(tree.get(WORKER)).toBe(files.get(WORKER));
    expect(diffOutputs(tree, fresh.files).changes.map((c) => c.fields.map((f) => f.field))).toEqual([['spec.replicas']]);

    const fromDir = runCommand(main, ['--base-dir', path.join(repo, 'charts-out'), '--env', 'prod']);
    expect(fromDir.code).toBe(0);
    expect(fromDir.stdout).toContain('| `spec.replicas` | `2` | `6` |');
    expect(runCommand(main, ['--base', 'no-such-ref-xyz', '--env', 'prod']).code).toBe(2);
    expect(runCommand(main, ['--base', 'HEAD', '--base-dir', repo]).code).toBe(2);
  });
});
