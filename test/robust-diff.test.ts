import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import { main } from '../cli/diff';
import { diffOutputs, renderDiffMarkdown } from '../cli/reports/diff';
import { synthesize } from '../src/output/synth';
import { writeTree } from '../src/output/write';
import { runCommand } from './util';

const deployment = (env: Record<string, string>, args: string[], annotations: Record<string, string>) => stringify({
  apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'app', namespace: 'ns', annotations },
  spec: { template: { spec: { containers: [{ name: 'app', image: 'x:1', args, env: Object.entries(env).map(([name, value]) => ({ name, value })) }] } } },
});
const configMap = (data: Record<string, string>) => stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'ns' }, data });

describe('regression: npm run diff never prints a value that may be a secret', () => {
  const SECRETS = ['hunter2', 'pw9876', 'AKIAIOSFODNN7EXAMPLE', 'topsecret', 's3cr3t-token', 'vaultpass'];
  const base = new Map([
    ['prod/app/Deployment.app.yaml', deployment(
      { DB_PASS: 'hunter2', DATABASE_URL: 'postgres://app:pw9876@db:5432/app', AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', LOG_LEVEL: 'info', PLAIN: 'postgres://app:pw9876@db/app' },
      ['--password', 'topsecret', '--token=s3cr3t-token', '--verbose'], { 'vault.hashicorp.com/token': 'vaultpass', 'owner': 'team-a' })],
    ['prod/app/ConfigMap.cfg.yaml', configMap({ 'app.properties': 'user=app\npassword=vaultpass\n', 'credentials': 'hunter2', 'level': 'info' })],
  ]);
  const head = new Map([
    ['prod/app/Deployment.app.yaml', deployment(
      { DB_PASS: 'hunter3', DATABASE_URL: 'postgres://app:pw0000@db:5432/app', AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLF', LOG_LEVEL: 'debug', PLAIN: 'postgres://app:pw0000@db/app' },
      ['--password', 'topsecreu', '--token=s3cr3t-tokem', '--quiet'], { 'vault.hashicorp.com/token': 'vaultpasz', 'owner': 'team-b' })],
    ['prod/app/ConfigMap.cfg.yaml', configMap({ 'app.properties': 'user=app\npassword=vaultpaxx\n', 'credentials': 'hunter4', 'level': 'warn' })],
  ]);
  const md = renderDiffMarkdown(diffOutputs(base, head), 'diff');

  test('by name, by shape, in args, annotations and ConfigMap data: listed as changed, values not shown', () => {
    for (const s of [...SECRETS, 'hunter3', 'pw0000', 'AKIAIOSFODNN7EXAMPLF', 'topsecreu', 's3cr3t-tokem', 'vaultpasz', 'vaultpaxx', 'hunter4']) expect(md).not.toContain(s);
    for (const f of ['DB_PASS].value', 'DATABASE_URL].value', 'AWS_ACCESS_KEY_ID].value', 'PLAIN].value', 'args[1]', 'args[2]', '"vault.hashicorp.com/token"', 'data."app.properties"', 'data.credentials']) {
      expect(md).toMatch(new RegExp(`${f.replace(/[.[\]]/g, '\\$&')}\` \\| _\\(secret, not shown\\)_ \\| _\\(secret, not shown\\)_`));
    }
    // What is not secret is still shown.
    expect(md).toContain('`info` | `debug`');
    expect(md).toContain('`--verbose` | `--quiet`');
    expect(md).toContain('`team-a` | `team-b`');
    expect(md).toContain('`warn`');
  });
});

describe('regression: npm run diff shows the changed part of a long value', () => {
  test('a change deep inside a long Prometheus expression is visible, with context', () => {
    const expr = (threshold: string) => `sum by (namespace) (increase(velero_backup_failure_total{schedule=~"daily-backup.*"}[25h])) / sum by (namespace) (increase(velero_backup_attempt_total{schedule=~"daily-backup.*"}[25h])) > ${threshold}`;
    const rule = (t: string) => stringify({ apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name: 'r', namespace: 'monitoring' }, spec: { groups: [{ name: 'g', rules: [{ alert: 'A', expr: expr(t) }] }] } });
    const md = renderDiffMarkdown(diffOutputs(new Map([['prod/m/PrometheusRule.r.yaml', rule('0.5')]]), new Map([['prod/m/PrometheusRule.r.yaml', rule('0.25')]])), 'diff');
    expect(expr('0.5').length).toBeGreaterThan(150);
    expect(md).toMatch(/\| `…[^`]*\[25h\]\)\) > 0\.5` \| `…[^`]*\[25h\]\)\) > 0\.25` \|/);
  });

  test('a long value whose start changed shows its start', () => {
    const cm = (v: string) => configMapPlain(v);
    const configMapPlain = (v: string) => stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'n' }, data: { k: v } });
    const md = renderDiffMarkdown(diffOutputs(new Map([['prod/x/ConfigMap.c.yaml', cm(`A${'x'.repeat(200)}`)]]), new Map([['prod/x/ConfigMap.c.yaml', cm(`B${'x'.repeat(200)}`)]])), 'diff');
    expect(md).toMatch(/\| `Ax+…` \| `Bx+…` \|/);
  });
});

describe('regression: npm run diff accepts --values and the working tree', () => {
  test('--values needs --env', () => {
    const r = runCommand(main, ['--values', 'x.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--values needs --env');
  });

  test('the working tree as the base, a values overlay for the fresh synth', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'robust-diff-'));
    const out = path.join(dir, 'charts-out');
    const fresh = synthesize({ environments: ['dev'] });
    writeTree(out, fresh.files, fresh.roots);
    const values = path.join(dir, 'more-workers.yaml');
    fs.writeFileSync(values, 'components:\n  dolphinscheduler:\n    replicas:\n      worker: 5\n');
    const r = runCommand(main, ['--working-tree', '--out', out, '--env', 'dev', '--values', values]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('(working tree) → fresh synth with');
    expect(r.stdout).toContain('**Changed** `Deployment/data-platform-dev/dolphinscheduler-worker`');
    expect(r.stdout).toContain('| `spec.replicas` | `1` | `5` |');
    const same = runCommand(main, ['--working-tree', '--out', out, '--env', 'dev']);
    expect(same.stdout).toContain('No object changed');
  });
});
