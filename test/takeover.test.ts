import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { main as synthMain } from '../cli/synth';
import { ZooKeeper } from '../src/components/zookeeper/zookeeper';
import { loadEnvironment } from '../src/config/values';
import { checkNotInPlace, declareNotInPlace, immutableChanges, NOT_IN_PLACE_ANNOTATION, readBaseline } from '../src/core/immutable';
import {
  argoCdDeletesWithApplication, argoCdPrunes, claimsOfStatefulSet, hasSyncOption, trackedBy, volumeProtectionProblems,
} from '../src/core/protection';
import { synthesize } from '../src/output/synth';
import { ENVS, find, objectsOf, runCommand } from './util';

/** The live ZooKeeper StatefulSet's claim templates (reference k8s/zookeeper/zookeeper-statefulset.yaml, as written). */
const LIVE_ZOOKEEPER_CLAIMS = [
  { metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'local-path', resources: { requests: { storage: '5Gi' } } } },
  { metadata: { name: 'datalog' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'local-path', resources: { requests: { storage: '2Gi' } } } },
];

function zookeeperStatefulSet(image: string): Record<string, any> {
  const app = new App();
  const chart = new ZooKeeper(app, 'zookeeper', { environment: loadEnvironment('prod'), image });
  return (chart as Chart).toJson().find((m: any) => m.kind === 'StatefulSet');
}

describe('take-over: changes Kubernetes refuses in place', () => {
  test('regression: the ZooKeeper StatefulSet keeps the live claim templates, podManagementPolicy and revisionHistoryLimit', () => {
    const sts = find(objectsOf('prod'), 'StatefulSet', 'zookeeper');
    expect(sts.spec.volumeClaimTemplates).toEqual(LIVE_ZOOKEEPER_CLAIMS);
    // Unset: the live object has the server's defaults (OrderedReady, 10) and neither can change in place.
    expect(sts.spec.podManagementPolicy).toBeUndefined();
    expect(sts.spec.revisionHistoryLimit).toBeUndefined();
    expect(sts.spec.selector).toEqual({ matchLabels: { app: 'zookeeper' } });
    // The live definition, with ours: no field Kubernetes fixes at creation differs.
    const live = { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'zookeeper', namespace: 'data-platform' },
      spec: { serviceName: 'zookeeper-service', replicas: 1, selector: { matchLabels: { app: 'zookeeper' } }, template: {}, volumeClaimTemplates: LIVE_ZOOKEEPER_CLAIMS } };
    expect(immutableChanges(live, sts)).toEqual([]);
  });

  test('regression: a ZooKeeper version bump changes no field that is fixed at creation', () => {
    const before = zookeeperStatefulSet('docker.io/library/zookeeper:3.8.4');
    const after = zookeeperStatefulSet('docker.io/library/zookeeper:3.9.3');
    // The bump does change the object (image and version labels) ...
    expect(after.spec.template.spec.containers[0].image).toBe('docker.io/library/zookeeper:3.9.3');
    expect(after.metadata.labels['app.kubernetes.io/version']).toBe('3.9.3');
    expect(after).not.toEqual(before);
    // ... but only where Kubernetes allows it.
    expect(immutableChanges(before, after)).toEqual([]);
  });

  test.each(ENVS)('regression: no StatefulSet puts a version label in its claim templates or selector (%s)', (env) => {
    const sets = objectsOf(env).filter((o) => o.manifest.kind === 'StatefulSet');
    expect(sets.length).toBeGreaterThan(0);
    for (const { manifest: sts } of sets) {
      for (const t of sts.spec.volumeClaimTemplates ?? []) expect(Object.keys(t.metadata.labels ?? {})).not.toContain('app.kubernetes.io/version');
      expect(Object.keys(sts.spec.selector.matchLabels)).not.toContain('app.kubernetes.io/version');
    }
  });

  test('immutableChanges: claim templates, podManagementPolicy, selectors and roleRefs count; replicas and the pod template do not', () => {
    const sts = zookeeperStatefulSet('docker.io/library/zookeeper:3.8.4');
    const labelled = JSON.parse(JSON.stringify(sts));
    labelled.spec.volumeClaimTemplates[0].metadata.labels = { 'app.kubernetes.io/version': '3.8.4' };
    labelled.spec.podManagementPolicy = 'Parallel';
    labelled.spec.replicas = 3;
    labelled.spec.template.spec.containers[0].image = 'x';
    expect(immutableChanges(sts, labelled).map((c) => c.path)).toEqual(['spec.podManagementPolicy', 'spec.volumeClaimTemplates']);
    const dep = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { selector: { matchLabels: { app: 'd' } }, replicas: 1 } };
    expect(immutableChanges(dep, { ...dep, spec: { ...dep.spec, replicas: 2 } })).toEqual([]);
    expect(immutableChanges(dep, { ...dep, spec: { ...dep.spec, selector: { matchLabels: { app: 'e' } } } }).map((c) => c.path)).toEqual(['spec.selector']);
    const rb = { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'r' }, roleRef: { kind: 'Role', name: 'a' } };
    expect(immutableChanges(rb, { ...rb, roleRef: { kind: 'Role', name: 'b' } }).map((c) => c.path)).toEqual(['roleRef']);
    const pvc = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'p' }, spec: { storageClassName: 'a', resources: { requests: { storage: '1Gi' } } } };
    expect(immutableChanges(pvc, { ...pvc, spec: { ...pvc.spec, resources: { requests: { storage: '2Gi' } } } })).toEqual([]);
    expect(immutableChanges(pvc, { ...pvc, spec: { ...pvc.spec, storageClassName: 'b' } }).map((c) => c.path)).toEqual(['spec.storageClassName']);
  });

  test('regression: the synth fails on an undeclared change that cannot be made in place, naming environment, object, field and fix', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'takeover-baseline-'));
    try {
      const out = path.join(dir, 'charts-out');
      expect(runCommand(synthMain, ['--env', 'prod', '--out', out, '--no-baseline']).code).toBe(0);
      // Pretend the deployed output had other claim templates: the next synth over it must refuse.
      const file = path.join(out, 'prod', 'zookeeper', 'StatefulSet.zookeeper.yaml');
      const text = fs.readFileSync(file, 'utf8');
      fs.writeFileSync(file, text.replace('spec:\n', 'spec:\n  podManagementPolicy: Parallel\n'));
      const res = runCommand(synthMain, ['--env', 'prod', '--out', out]);
      expect(res.code).toBe(1);
      expect(res.stderr).toContain('nothing was written');
      expect(res.stderr).toContain("environment 'prod': StatefulSet data-platform/zookeeper");
      expect(res.stderr).toContain('spec.podManagementPolicy from "Parallel" to (unset: the server default)');
      expect(res.stderr).toContain("declareNotInPlace(obj, { reason, remedy: 'orphan-and-recreate' })");
      expect(fs.readFileSync(file, 'utf8')).toContain('podManagementPolicy: Parallel'); // untouched
      // A declared change passes and is listed with its remedy.
      const objects = synthesize({ environments: ['prod'] }).objects.map((o) => {
        if (o.manifest.kind !== 'StatefulSet' || o.manifest.metadata.name !== 'zookeeper') return o;
        const m = JSON.parse(JSON.stringify(o.manifest));
        m.metadata.annotations = { [NOT_IN_PLACE_ANNOTATION]: 'orphan-and-recreate', 'platform.254carbon.com/not-in-place-reason': 'test' };
        return { ...o, manifest: m };
      });
      const { problems, declared } = checkNotInPlace(objects, readBaseline(out, ['prod']));
      expect(problems).toEqual([]);
      expect(declared.map((d) => `${d.kind}/${d.name}:${d.changes.map((c) => c.path).join(',')}`)).toEqual(['StatefulSet/zookeeper:spec.podManagementPolicy']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('declareNotInPlace writes the remedy on that object only, and wants a reason', () => {
    const app = new App();
    const chart = new ZooKeeper(app, 'zookeeper', { environment: loadEnvironment('dev') });
    const sts = chart.node.findAll().find((c: any) => c.kind === 'StatefulSet') as any;
    declareNotInPlace(sts, { reason: 'claims move to a new storage class', remedy: 'orphan-and-recreate' });
    const all = chart.toJson();
    expect(all.filter((m: any) => m.metadata.annotations?.[NOT_IN_PLACE_ANNOTATION]).map((m: any) => m.kind)).toEqual(['StatefulSet']);
    expect(() => declareNotInPlace(sts, { reason: ' ', remedy: 'orphan-and-recreate' })).toThrow('no reason given');
  });
});

describe('take-over: Argo CD never deletes data', () => {
  /** Every component that writes a volume: a PersistentVolumeClaim object or a StatefulSet with claim templates. */
  function statefulComponents(env: string): Map<string, Record<string, any>[]> {
    const out = new Map<string, Record<string, any>[]>();
    for (const o of objectsOf(env)) {
      const m = o.manifest;
      const volumes = m.kind === 'PersistentVolumeClaim' ? [m] : m.kind === 'StatefulSet' ? claimsOfStatefulSet(m) : [];
      if (volumes.length) out.set(o.component, [...out.get(o.component) ?? [], ...volumes]);
    }
    return out;
  }

  test.each(ENVS)('regression: every volume of every stateful component survives prune, Application deletion and StatefulSet deletion (%s)', (env) => {
    const objs = objectsOf(env);
    const stateful = statefulComponents(env);
    // Derived, not listed: today MinIO, ZooKeeper, Grafana and Loki; a new component that writes a claim joins here.
    expect([...stateful.keys()].sort()).toEqual(expect.arrayContaining(['grafana', 'logging', 'minio', 'zookeeper']));
    const applications = objs.filter((o) => o.manifest.kind === 'Application').map((o) => o.manifest.metadata.name as string);
    expect(applications.length).toBeGreaterThan(0);
    for (const [component, volumes] of stateful) {
      for (const v of volumes) {
        const where = `${env}/${component} ${v.metadata.name}`;
        const written = objs.some((o) => o.manifest.kind === 'PersistentVolumeClaim' && o.manifest.metadata.name === v.metadata.name);
        if (written) {
          // A claim object: Argo CD tracks it, and must neither prune it nor delete it with its Application.
          expect(`${where}: prunes=${argoCdPrunes(v)}`).toBe(`${where}: prunes=false`);
          expect(`${where}: deleted with the Application=${argoCdDeletesWithApplication(v)}`).toBe(`${where}: deleted with the Application=false`);
        } else {
          // A claim made from a template: no Application tracks it, by either tracking method.
          for (const app of applications) {
            expect(`${where}: tracked by ${app}=${trackedBy(v, app, 'annotation') || trackedBy(v, app, 'label')}`).toBe(`${where}: tracked by ${app}=false`);
          }
        }
      }
    }
    for (const o of objs.filter((x) => x.manifest.kind === 'StatefulSet')) {
      expect(o.manifest.spec.persistentVolumeClaimRetentionPolicy?.whenDeleted ?? 'Retain').toBe('Retain');
      expect(o.manifest.spec.persistentVolumeClaimRetentionPolicy?.whenScaled ?? 'Retain').toBe('Retain');
    }
  });

  test('regression: disabling a component leaves its claim out of the output, and Argo CD keeps the live one', () => {
    const before = find(objectsOf('prod'), 'PersistentVolumeClaim', 'grafana-data');
    const disabled = objectsOf('prod', { values: [{ source: 'test', data: { components: { grafana: { enabled: false } } } }] });
    expect(disabled.some((o) => o.manifest.kind === 'PersistentVolumeClaim' && o.manifest.metadata.name === 'grafana-data')).toBe(false);
    expect(disabled.some((o) => o.manifest.kind === 'Application' && o.manifest.metadata.name === 'grafana')).toBe(false);
    // The root prunes the grafana Application (its finalizer deletes what it tracks), or grafana's own sync prunes:
    // the live claim, as the previous sync applied it, is kept either way.
    expect(argoCdPrunes(before)).toBe(false);
    expect(argoCdDeletesWithApplication(before)).toBe(false);
  });

  test('sync options are read as gitops-engine reads them (comma-separated, trimmed, exact)', () => {
    const m = (v: string) => ({ kind: 'PersistentVolumeClaim', metadata: { annotations: { 'argocd.argoproj.io/sync-options': v } } });
    expect(hasSyncOption(m('Delete=false, Prune=false'), 'Prune=false')).toBe(true);
    expect(hasSyncOption(m('Prune=false'), 'Delete=false')).toBe(false);
    expect(hasSyncOption(m('prune=false'), 'Prune=false')).toBe(false);
    expect(argoCdPrunes(m('Delete=false'))).toBe(true);
    expect(argoCdDeletesWithApplication({ kind: 'CustomResourceDefinition', metadata: {} })).toBe(false);
  });

  test('regression: the synth refuses a claim without the options, and claim templates that Argo CD would track', () => {
    const pvc = { kind: 'PersistentVolumeClaim', metadata: { name: 'x', annotations: { 'argocd.argoproj.io/sync-options': 'Prune=false' } } };
    expect(volumeProtectionProblems(pvc, 'here')).toEqual([expect.stringContaining('lacks the sync option Delete=false')]);
    const sts = {
      kind: 'StatefulSet', metadata: { name: 's' },
      spec: {
        persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete' },
        volumeClaimTemplates: [{ metadata: { name: 'd', labels: { 'app.kubernetes.io/version': '1' }, annotations: { 'argocd.argoproj.io/tracking-id': 'minio:/PersistentVolumeClaim:ns/d' } } }],
      },
    };
    const problems = volumeProtectionProblems(sts, 'here');
    expect(problems).toHaveLength(3);
    expect(problems.join('\n')).toContain('whenDeleted: Delete');
    expect(problems.join('\n')).toContain('would make Argo CD track, prune and delete');
    expect(problems.join('\n')).toContain('every version bump would be refused');
    for (const env of ENVS) {
      for (const o of objectsOf(env)) expect(volumeProtectionProblems(o.manifest, o.path)).toEqual([]);
    }
  });
});
