import { parseQuantity } from '../../core/resources';

/**
 * What the platform's own pods in one namespace can demand at the same moment, for the ResourceQuota check:
 * every workload at its highest replica count (an HPA's `maxReplicas`), plus what a rollout adds while it runs
 * (a RollingUpdate Deployment's `maxSurge`, Kubernetes' default 25% rounded up), plus the hook and one-off Jobs
 * (they run during a sync, next to the pods of the previous revision) and one run of each CronJob (two when its
 * `concurrencyPolicy` lets runs overlap). A pod counts as the quota counts it: per resource, the larger of the
 * sum of its containers and its largest init container (kubernetes pkg/api/v1/resource PodRequests).
 */
export interface NamespaceDemand {
  readonly namespace: string;
  /** cores and bytes */
  readonly requests: { cpu: number; memory: number };
  readonly limits: { cpu: number; memory: number };
  readonly pods: number;
  readonly persistentVolumeClaims: number;
  /** bytes of storage requested by PVCs (StatefulSet claim templates included) */
  readonly storage: number;
  /** One line per workload: how many pods it counts for and why. */
  readonly detail: readonly string[];
  /** Largest request and limit of any single container (for the LimitRange `max`). */
  readonly containerMax: { cpu: number; memory: number };
  /** Workloads whose pods could not be counted (a DaemonSet without a declared node count). */
  readonly uncounted: readonly string[];
}

type Json = Record<string, any>;

const podOf = (m: Json): Json | undefined => (m.kind === 'CronJob' ? m.spec?.jobTemplate?.spec?.template?.spec : m.spec?.template?.spec);

/** Requests and limits of one pod as the quota sees them (init containers run before, not beside, the others). */
export function podResources(pod: Json, where: string): { requests: { cpu: number; memory: number }; limits: { cpu: number; memory: number } } {
  const of = (c: Json, kind: 'requests' | 'limits', r: 'cpu' | 'memory') => {
    const q = c.resources?.[kind]?.[r] ?? (kind === 'requests' ? c.resources?.limits?.[r] : undefined);
    return q === undefined ? 0 : parseQuantity(String(q), `${where} container ${c.name} resources.${kind}.${r}`);
  };
  const out = { requests: { cpu: 0, memory: 0 }, limits: { cpu: 0, memory: 0 } };
  for (const kind of ['requests', 'limits'] as const) {
    for (const r of ['cpu', 'memory'] as const) {
      const sum = ((pod.containers ?? []) as Json[]).reduce((a, c) => a + of(c, kind, r), 0);
      const init = Math.max(0, ...((pod.initContainers ?? []) as Json[]).map((c) => of(c, kind, r)));
      out[kind][r] = Math.max(sum, init);
    }
  }
  return out;
}

/** The extra pods a rolling update of `replicas` can add (`maxSurge`, an int or a percentage rounded up). */
export function surgeOf(m: Json, replicas: number): number {
  if (m.kind !== 'Deployment' || m.spec?.strategy?.type === 'Recreate') return 0;
  const s = m.spec?.strategy?.rollingUpdate?.maxSurge ?? '25%';
  if (typeof s === 'number') return s;
  const pct = /^(\d+)%$/.exec(String(s));
  return pct ? Math.ceil((replicas * parseInt(pct[1], 10)) / 100) : parseInt(String(s), 10);
}

/** The demand of the platform's objects in `namespace` (see `NamespaceDemand`). */
export function namespaceDemand(manifests: readonly Json[], namespace: string, nodes?: number): NamespaceDemand {
  const inNs = manifests.filter((m) => (m.metadata?.namespace ?? namespace) === namespace);
  const hpaMax = new Map<string, number>();
  for (const h of inNs.filter((m) => m.kind === 'HorizontalPodAutoscaler')) hpaMax.set(`${h.spec.scaleTargetRef.kind}/${h.spec.scaleTargetRef.name}`, h.spec.maxReplicas);
  const d = { requests: { cpu: 0, memory: 0 }, limits: { cpu: 0, memory: 0 }, pods: 0, persistentVolumeClaims: 0, storage: 0, containerMax: { cpu: 0, memory: 0 } };
  const detail: string[] = [];
  const uncounted: string[] = [];
  for (const m of inNs) {
    const where = `${m.kind} ${namespace}/${m.metadata?.name}`;
    if (m.kind === 'PersistentVolumeClaim') {
      d.persistentVolumeClaims += 1;
      d.storage += parseQuantity(String(m.spec?.resources?.requests?.storage ?? '0'), `${where} storage`);
      continue;
    }
    const pod = podOf(m);
    if (!pod || !['Deployment', 'StatefulSet', 'Job', 'CronJob', 'DaemonSet', 'ReplicaSet'].includes(m.kind)) continue;
    let count: number;
    let why: string;
    if (m.kind === 'Deployment' || m.kind === 'StatefulSet' || m.kind === 'ReplicaSet') {
      const hpa = hpaMax.get(`${m.kind}/${m.metadata.name}`);
      const replicas = hpa ?? (m.spec?.replicas ?? 1);
      const surge = surgeOf(m, replicas);
      count = replicas + surge;
      why = `${replicas}${hpa !== undefined ? ' (HPA maxReplicas)' : ''}${surge ? ` + ${surge} rolling-update surge` : ''}`;
      for (const t of (m.kind === 'StatefulSet' ? m.spec?.volumeClaimTemplates ?? [] : []) as Json[]) {
        d.persistentVolumeClaims += replicas;
        d.storage += replicas * parseQuantity(String(t.spec?.resources?.requests?.storage ?? '0'), `${where} claim ${t.metadata?.name}`);
      }
    } else if (m.kind === 'Job') {
      count = m.spec?.parallelism ?? 1;
      why = `${count} (a Job${m.metadata?.annotations?.['argocd.argoproj.io/hook'] ? ` hook ${m.metadata.annotations['argocd.argoproj.io/hook']}` : ''}, running beside the previous revision)`;
    } else if (m.kind === 'CronJob') {
      const parallel = m.spec?.jobTemplate?.spec?.parallelism ?? 1;
      const overlap = (m.spec?.concurrencyPolicy ?? 'Allow') === 'Forbid' ? 1 : 2;
      count = parallel * overlap;
      why = `${count} (a CronJob run${overlap > 1 ? `, two overlapping (concurrencyPolicy ${m.spec?.concurrencyPolicy ?? 'Allow'})` : ''})`;
    } else if (nodes !== undefined) {
      count = nodes;
      why = `${nodes} (a DaemonSet: one per node, quota.nodes)`;
    } else {
      uncounted.push(where);
      continue;
    }
    const r = podResources(pod, where);
    d.requests.cpu += count * r.requests.cpu;
    d.requests.memory += count * r.requests.memory;
    d.limits.cpu += count * r.limits.cpu;
    d.limits.memory += count * r.limits.memory;
    d.pods += count;
    for (const c of [...(pod.initContainers ?? []), ...(pod.containers ?? [])] as Json[]) {
      for (const res of ['cpu', 'memory'] as const) {
        const lim = c.resources?.limits?.[res];
        if (lim !== undefined) d.containerMax[res] = Math.max(d.containerMax[res], parseQuantity(String(lim), where));
      }
    }
    detail.push(`${where}: ${why} pods`);
  }
  return { namespace, ...d, detail: detail.sort(), uncounted };
}

/** A quantity for people: cores with up to 3 decimals, memory in Gi/Mi. */
export function formatQuantity(v: number, resource: 'cpu' | 'memory' | 'storage'): string {
  if (resource === 'cpu') return `${Math.round(v * 1000) / 1000}`;
  return v >= 2 ** 30 ? `${Math.round((v / 2 ** 30) * 100) / 100}Gi` : `${Math.round(v / 2 ** 20)}Mi`;
}

/** The quota and limit range values of one environment (see `guardrailsConfig`). */
export interface GuardrailValues {
  readonly quota?: {
    readonly requests: { readonly cpu: string; readonly memory: string };
    readonly limits: { readonly cpu: string; readonly memory: string };
    readonly pods: number;
    readonly persistentVolumeClaims: number;
    readonly requestsStorage: string;
    readonly nodes?: number;
  };
  readonly limitRange?: {
    readonly defaultRequest: { readonly cpu: string; readonly memory: string };
    readonly default: { readonly cpu: string; readonly memory: string };
    readonly max: { readonly cpu: string; readonly memory: string };
  };
}

/**
 * Problems of an environment's ResourceQuota and LimitRange against what its own pods demand: each hard limit of
 * the quota must hold the demand, and every container must fit under the LimitRange's `max`.
 */
export function guardrailProblems(env: string, values: GuardrailValues, demand: NamespaceDemand): string[] {
  const problems: string[] = [];
  const key = 'components.policies';
  const why = `what the platform's own pods in ${demand.namespace} can demand at once (every workload at its highest replica count, rolling-update surge, hook Jobs and CronJob runs)`;
  const q = values.quota;
  for (const u of demand.uncounted) {
    problems.push(`environment '${env}', ${key}.quota.nodes: ${u} runs one pod per node, and the number of nodes is not declared. Fix: set ${key}.quota.nodes to the most nodes it can run on`);
  }
  if (q) {
    const check = (path: string, have: number, need: number, kind: 'cpu' | 'memory' | 'storage' | 'count') => {
      if (have + 1e-9 < need) {
        const show = (v: number) => (kind === 'count' ? String(v) : formatQuantity(v, kind));
        problems.push(`environment '${env}', ${key}.quota.${path}: ${show(have)} is below ${why}: ${show(need)}. Fix: raise ${key}.quota.${path} to at least ${show(need)}${kind === 'count' ? '' : ' (plus room for the namespace\'s other pods)'}`);
      }
    };
    check('requests.cpu', parseQuantity(q.requests.cpu), demand.requests.cpu, 'cpu');
    check('requests.memory', parseQuantity(q.requests.memory), demand.requests.memory, 'memory');
    check('limits.cpu', parseQuantity(q.limits.cpu), demand.limits.cpu, 'cpu');
    check('limits.memory', parseQuantity(q.limits.memory), demand.limits.memory, 'memory');
    check('pods', q.pods, demand.pods, 'count');
    check('persistentVolumeClaims', q.persistentVolumeClaims, demand.persistentVolumeClaims, 'count');
    check('requestsStorage', parseQuantity(q.requestsStorage), demand.storage, 'storage');
  }
  const l = values.limitRange;
  if (l) {
    for (const r of ['cpu', 'memory'] as const) {
      const max = parseQuantity(l.max[r]);
      if (max + 1e-9 < demand.containerMax[r]) {
        problems.push(`environment '${env}', ${key}.limitRange.max.${r}: ${l.max[r]} is below the largest ${r} limit of a platform container (${formatQuantity(demand.containerMax[r], r)}), which the LimitRange would reject. Fix: raise it to at least ${formatQuantity(demand.containerMax[r], r)}`);
      }
      for (const k of ['default', 'defaultRequest'] as const) {
        if (parseQuantity(l[k][r]) > max) problems.push(`environment '${env}', ${key}.limitRange.${k}.${r}: ${l[k][r]} is above max.${r} ${l.max[r]}. Fix: lower it to at most ${l.max[r]}`);
      }
      if (parseQuantity(l.defaultRequest[r]) > parseQuantity(l.default[r])) {
        problems.push(`environment '${env}', ${key}.limitRange.defaultRequest.${r}: ${l.defaultRequest[r]} is above default.${r} ${l.default[r]}. Fix: lower it to at most ${l.default[r]}`);
      }
    }
  }
  return problems;
}
