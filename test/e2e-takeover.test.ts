import { oldHookJobs, preflightRequest } from '../cli/takeover';
import { normalizations } from '../e2e/controller-log';
import { liveDefinitions } from '../e2e/takeover';

/** A logrus text line as the v2.13.9 application-controller writes it (controller/appcontroller.go 1856). */
const logLine = (app: string, patch: unknown) =>
  `time="2026-12-02T00:33:27Z" level=info msg=${JSON.stringify(`Normalized app spec: ${JSON.stringify(patch)}`)} app-namespace=argocd app-qualified-name=argocd/${app} application=${app} project=production`;

describe('e2e take-over rehearsal', () => {
  const ours = new Map([
    ['zookeeper', { metadata: { name: 'zookeeper' }, spec: { source: { repoURL: 'file:///r', path: 'charts-out/prod/zookeeper', directory: { recurse: false } } } }],
    ['data-platform', { metadata: { name: 'data-platform' }, spec: { source: { repoURL: 'file:///r', path: 'charts-out/argocd/prod' } } }],
  ]);

  test('regression: a zero value the platform wrote counts, one on an old reference Application or a status-only patch does not', () => {
    const log = [
      logLine('zookeeper', { spec: { source: { directory: null } } }), // ours: directory {recurse:false} stripped
      logLine('ray-serve', { spec: { source: { kustomize: null } } }), // an old reference Application
      logLine('data-platform', { spec: { source: { helm: null } } }), // our name, but a field only the old umbrella had
      logLine('data-platform', { status: { conditions: [{ type: 'ComparisonError', message: 'Get "https://github.com/...": dial tcp' }] } }),
      'time="2026-12-02T00:33:28Z" level=info msg="Reconciliation completed" application=zookeeper',
    ].join('\n');
    const found = normalizations(log, ours);
    expect(found.map((n) => [n.app, n.ours, n.paths])).toEqual([
      ['zookeeper', true, ['spec.source.directory']],
      ['ray-serve', false, ['spec.source.kustomize']],
      ['data-platform', false, ['spec.source.helm']],
      ['data-platform', false, []],
    ]);
  });

  test('regression: the preflight checks a BeforeHookCreation hook Job as a create, never as a patch of the live Job', () => {
    const job = {
      apiVersion: 'batch/v1', kind: 'Job',
      metadata: { name: 'dolphinscheduler-init-db', namespace: 'data-platform', annotations: { 'argocd.argoproj.io/hook': 'PreSync', 'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation' } },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'c', image: 'i' }] } } },
    };
    const hook = preflightRequest(job, []);
    expect(hook.args.slice(0, 3)).toEqual(['create', '--dry-run=server', '--validate=strict']);
    expect(hook.body.metadata.name).toBeUndefined();
    expect(hook.body.metadata.generateName).toBe('dolphinscheduler-init-db-preflight-');
    expect(job.metadata.name).toBe('dolphinscheduler-init-db'); // the manifest itself is untouched
    const plain = preflightRequest({ ...job, metadata: { name: 'j', namespace: 'data-platform' } }, []);
    expect(plain.args[0]).toBe('apply');
    expect(plain.args).toContain('--dry-run=server');
    expect(plain.body.metadata.name).toBe('j');
  });

  test('regression: an object the pack defines twice is applied once, from the later file (the live ZooKeeper definition)', () => {
    const sts = (file: string, claims: number) => ({ file, obj: { kind: 'StatefulSet', metadata: { name: 'zookeeper', namespace: 'data-platform' }, spec: { volumeClaimTemplates: new Array(claims).fill({}) } } });
    const other = { file: 'k8s/other.yaml', obj: { kind: 'Service', metadata: { name: 's', namespace: 'data-platform' } } };
    const { live, dropped } = liveDefinitions([sts('k8s/gitops/applications/zookeeper-simple.yaml', 1), other, sts('k8s/zookeeper/zookeeper-statefulset.yaml', 2)]);
    expect(live.map((o) => o.file)).toEqual(['k8s/other.yaml', 'k8s/zookeeper/zookeeper-statefulset.yaml']);
    expect(dropped).toEqual([{ key: 'StatefulSet/data-platform/zookeeper', file: 'k8s/gitops/applications/zookeeper-simple.yaml', kept: 'k8s/zookeeper/zookeeper-statefulset.yaml' }]);
  });

  test('regression: an old Job with the name of a hook Job of ours is cleared before the first sync; our own hook and other Jobs are not', () => {
    const hook = (name: string, phase: string) => ({ kind: 'Job', metadata: { name, namespace: 'data-platform', annotations: { 'argocd.argoproj.io/hook': phase, 'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation' } } });
    const ours = [hook('superset-init', 'Sync'), hook('minio-init-buckets', 'PostSync'), { kind: 'Deployment', metadata: { name: 'superset-web', namespace: 'data-platform' } }];
    const live = [
      { kind: 'Job', metadata: { name: 'superset-init', namespace: 'data-platform', labels: { 'app.kubernetes.io/instance': 'data-platform' } }, status: { succeeded: 1 } }, // the umbrella's
      { ...hook('minio-init-buckets', 'PostSync'), status: { succeeded: 1 } }, // ours, from an earlier sync
      { kind: 'Job', metadata: { name: 'superset-init', namespace: 'other' } }, // another namespace
      { kind: 'Job', metadata: { name: 'dolphinscheduler-full-schema-init', namespace: 'data-platform' } }, // no hook of ours has its name
    ];
    expect(oldHookJobs(ours, live).map((j) => `${j.metadata.namespace}/${j.metadata.name}`)).toEqual(['data-platform/superset-init']);
  });
});
