import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../cli/parity';
import { loadManifestDir } from '../cli/reports/objects';
import { compareParity, Explanations, facetsOf } from '../cli/reports/parity';
import { runCommand } from './util';

const FIXTURE = path.join(__dirname, 'fixtures', 'parity');

const run = (args: string[]) => runCommand(main, args);

describe('npm run parity', () => {
  const result = run([path.join(FIXTURE, 'rendered'), '--env', 'prod', '--explanations', path.join(FIXTURE, 'explanations.yaml')]);

  test('exits 1 and names the object when a selector differs', () => {
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('selector differs: StatefulSet/data-platform/zookeeper: reference {app=zk} vs synthesized {app=zookeeper}');
    expect(result.stdout).toContain('| `StatefulSet/data-platform/zookeeper` | app=zk | app=zookeeper | **unexplained gap** |');
  });

  test('objects without a namespace go to the environment namespace; identical facets are not reported', () => {
    expect(result.stdout).not.toContain('`Service/data-platform/zookeeper-service`');
    expect(result.stdout).toMatch(/\| `StatefulSet\/data-platform\/zookeeper` \| images \| zookeeper: zookeeper:3.8 \| zookeeper: docker.io\/library\/zookeeper:3.8.4 \| deliberate fix \| pinned \|/);
    expect(result.stdout).toMatch(/\| `StatefulSet\/data-platform\/zookeeper` \| env \| zookeeper: ZOO_MY_ID \|.*\*\*unexplained gap\*\*/);
  });

  test('objects on one side only, with explanations, unexplained gaps and stale explanations', () => {
    expect(result.stdout).toContain('| `ConfigMap/data-platform/legacy-settings` | `raw/legacy.yaml` | deliberate fix | nothing mounted it |');
    expect(result.stdout).toMatch(/\| `Deployment\/data-platform\/dolphinscheduler-api` \| `prod\/dolphinscheduler\/Deployment.dolphinscheduler-api.yaml` \| \*\*unexplained gap\*\*/);
    expect(result.stdout).toContain('- `Deployment/data-platform/never-there`');
    expect(result.stdout).toContain('| objects in the reference | 3 |');
  });

  test('deterministic: the same input gives the same report', () => {
    const again = run([path.join(FIXTURE, 'rendered'), '--env', 'prod', '--explanations', path.join(FIXTURE, 'explanations.yaml')]);
    expect(again.stdout).toBe(result.stdout);
  });

  test('--out writes the report; no selector difference exits 0; bad input exits 2', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'parity-'));
    fs.writeFileSync(path.join(dir, 'minio.yaml'), 'apiVersion: v1\nkind: Service\nmetadata:\n  name: minio-service\nspec:\n  selector:\n    app: minio\n  ports:\n    - name: minio-api\n      port: 9000\n      targetPort: 9000\n');
    const out = path.join(dir, 'report.md');
    expect(run([dir, '--out', out]).code).toBe(0);
    expect(fs.readFileSync(out, 'utf8')).toContain('# Parity: prod output vs');
    expect(run([path.join(dir, 'missing')]).code).toBe(2);
    expect(run([]).code).toBe(2);
    expect(run([dir, '--env', 'qa']).code).toBe(2);
  });

  test('facets: selector, images, ports, env names, mounts and probes of a workload', () => {
    const [sts] = loadManifestDir(path.join(FIXTURE, 'rendered')).filter((o) => o.manifest.kind === 'StatefulSet');
    expect(facetsOf(sts.manifest)).toEqual({
      selector: 'app=zk', images: 'zookeeper: zookeeper:3.8', ports: 'zookeeper: client:2181', env: 'zookeeper: ZOO_MY_ID',
      volumeMounts: 'zookeeper: /data', probes: 'zookeeper: readiness tcp :2181',
    });
    const r = compareParity([sts, sts], [{ key: 'StatefulSet/ns/zookeeper', source: 'x', manifest: sts.manifest }], 'ns');
    expect(r.differences).toEqual([]);
    expect([...r.referenceDuplicates.keys()]).toEqual(['StatefulSet/ns/zookeeper']);
  });

  test('explanations: exact beats pattern, facet beats object, longer pattern first; bad verdicts are rejected', () => {
    const e = new Explanations({
      'Deployment/ns/*': { verdict: 'gap', note: 'any' },
      'Deployment/ns/trino-*': { verdict: 'gap', note: 'trino' },
      'Deployment/ns/trino-worker#images': { verdict: 'fix', note: 'pinned' },
    });
    expect(e.lookup('Deployment/ns/trino-worker', 'images')?.note).toBe('pinned');
    expect(e.lookup('Deployment/ns/trino-worker', 'env')?.note).toBe('trino');
    expect(e.lookup('Deployment/ns/other')?.note).toBe('any');
    expect(e.lookup('Service/ns/other')).toBeUndefined();
    expect(() => new Explanations({ x: { verdict: 'maybe' as any, note: 'n' } })).toThrow(/verdict/);
  });
});
