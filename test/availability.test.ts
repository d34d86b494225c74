import { synthesize } from '../src/output/synth';
import { replicaRange } from '../src/platform/availability/availability';
import { ENVS, objectsOf } from './util';

const manifests = (env: string, data?: Record<string, unknown>) => (data
  ? synthesize({ environments: [env], values: [{ source: 'test', data }] }).objects.map((o) => o.manifest)
  : objectsOf(env).map((o) => o.manifest));

describe('availability: PodDisruptionBudgets and topology spread, derived for every workload', () => {
  test.each(ENVS)('regression: every workload that can run more than one replica is spread over nodes, and one that always does has a PodDisruptionBudget selecting exactly its pods (%s)', (env) => {
    const objs = manifests(env);
    const hpas = objs.filter((m) => m.kind === 'HorizontalPodAutoscaler');
    const pdbs = objs.filter((m) => m.kind === 'PodDisruptionBudget');
    const workloads = objs.filter((m) => m.kind === 'Deployment' || m.kind === 'StatefulSet');
    let spread = 0;
    for (const w of workloads) {
      const range = replicaRange(w, hpas);
      const selector = w.spec.selector.matchLabels;
      const constraints = w.spec.template.spec.topologySpreadConstraints;
      const own = pdbs.filter((p) => p.metadata.namespace === w.metadata.namespace && JSON.stringify(p.spec.selector.matchLabels) === JSON.stringify(selector));
      const id = `${w.kind} ${w.metadata.name} (${range.min}-${range.max})`;
      if (range.max > 1) {
        spread += 1;
        expect({ id, constraints }).toEqual({ id, constraints: [expect.objectContaining({ maxSkew: 1, topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: selector } })] });
      } else {
        expect({ id, constraints }).toEqual({ id, constraints: undefined });
      }
      expect({ id, pdbs: own.map((p) => p.spec.maxUnavailable) }).toEqual({ id, pdbs: range.min > 1 ? [1] : [] });
    }
    // every PodDisruptionBudget selects the pods of exactly one workload
    for (const p of pdbs) {
      const selected = workloads.filter((w) => w.metadata.namespace === p.metadata.namespace
        && Object.entries(p.spec.selector.matchLabels).every(([k, v]) => w.spec.template.metadata.labels[k] === v));
      expect({ pdb: p.metadata.name, selects: selected.map((w) => w.metadata.name) }).toEqual({ pdb: p.metadata.name, selects: [p.metadata.name] });
    }
    if (env !== 'dev') expect(spread).toBeGreaterThanOrEqual(4);
  });

  test('regression: HPA-aware: the portal (HPA 2-5 in prod) gets both; spread counts each Deployment revision on its own', () => {
    const objs = manifests('prod');
    const portal = objs.find((m) => m.kind === 'Deployment' && m.metadata.name === 'portal-services')!;
    expect(portal.spec.replicas).toBeUndefined();
    expect(portal.spec.template.spec.topologySpreadConstraints[0].matchLabelKeys).toEqual(['pod-template-hash']);
    expect(objs.some((m) => m.kind === 'PodDisruptionBudget' && m.metadata.name === 'portal-services')).toBe(true);
    // an HPA that may scale down to one replica: spread, but no PodDisruptionBudget
    const low = manifests('prod', { components: { portalServices: { autoscaling: { minReplicas: 1, maxReplicas: 4, targetCpuUtilization: 70 } } } });
    expect(low.find((m) => m.kind === 'Deployment' && m.metadata.name === 'portal-services')!.spec.template.spec.topologySpreadConstraints).toHaveLength(1);
    expect(low.some((m) => m.kind === 'PodDisruptionBudget' && m.metadata.name === 'portal-services')).toBe(false);
  });

  test('regression: with zones declared, workloads are spread over zones too', () => {
    const objs = manifests('prod', { components: { availability: { zones: ['eu-1a', 'eu-1b', 'eu-1c'], whenUnsatisfiable: 'DoNotSchedule' } } });
    const worker = objs.find((m) => m.kind === 'Deployment' && m.metadata.name === 'trino-worker')!;
    expect(worker.spec.template.spec.topologySpreadConstraints.map((c: any) => [c.topologyKey, c.whenUnsatisfiable]))
      .toEqual([['kubernetes.io/hostname', 'DoNotSchedule'], ['topology.kubernetes.io/zone', 'DoNotSchedule']]);
  });

  test('regression: no single replica in prod for the stateless Iceberg REST catalog', () => {
    const catalog = manifests('prod').find((m) => m.kind === 'Deployment' && m.metadata.name === 'iceberg-rest-catalog')!;
    expect(catalog.spec.replicas).toBeGreaterThanOrEqual(2);
  });
});
