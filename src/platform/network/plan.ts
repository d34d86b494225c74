import type { ClientPods, DiscoverableEndpoint, Edge, WorkloadRecord } from '../../core/graph';
import type { EnvironmentConfig } from '../../config/schema';
import type { PodPeer } from './config';
import { ingressVerdict, NAMESPACE_NAME_LABEL, PodRef, selects } from './evaluate';
import { compareStrings } from '../../core/order';
import { PART_OF } from '../../core/labels';

/** The label every pod of the platform carries: the environment's default deny selects exactly those pods. */
export const PLATFORM_POD_SELECTOR: Readonly<Record<string, string>> = { 'app.kubernetes.io/part-of': PART_OF };

/**
 * The namespaces whose platform pods the policies isolate: the environment's, and each shared namespace where a
 * component of the platform runs workloads (Grafana in `monitoring`, Loki and Fluent Bit in the logging namespace).
 */
export function policedNamespaces(env: EnvironmentConfig, workloads: readonly WorkloadRecord[]): string[] {
  return [...new Set([env.namespace, ...workloads.map((w) => w.namespace)])].sort(compareStrings);
}

/** The annotation that says which paths of the graph a policy opens. */
export const ALLOWS_ANNOTATION = 'platform.254carbon.com/allows';

/** What the policies are derived from: the graph of one environment and its synthesized Services and Ingresses. */
export interface NetworkPolicyInputs {
  readonly env: EnvironmentConfig;
  readonly edges: readonly Edge[];
  readonly workloads: readonly WorkloadRecord[];
  readonly clientPods: readonly ClientPods[];
  readonly discoverables: readonly DiscoverableEndpoint[];
  /** Every synthesized Service manifest. */
  readonly services: ReadonlyArray<Record<string, any>>;
  /** Every synthesized Ingress manifest. */
  readonly ingresses: ReadonlyArray<Record<string, any>>;
  /**
   * The synthesized Deployments, StatefulSets and DaemonSets: one that is not a workload of the graph (the legacy
   * MinIO server, written as it runs) gets a default deny of its own pods.
   * @default - none
   */
  readonly workloadObjects?: ReadonlyArray<Record<string, any>>;
}

/** One NetworkPolicy to render. */
export interface PlannedPolicy {
  readonly name: string;
  readonly namespace: string;
  /** What it opens, one line per path, e.g. `trino → iceberg-rest-catalog:catalog-api`. */
  readonly allows: readonly string[];
  readonly spec: Record<string, any>;
}

/** The policies of one environment and every problem found on the way. */
export interface NetworkPolicyPlan {
  readonly policies: readonly PlannedPolicy[];
  readonly problems: readonly string[];
}

/** Pods a policy refers to: a namespace and a label selector. */
export interface PodGroup { readonly namespace: string; readonly podSelector: Readonly<Record<string, string>> }

const COMPONENT_KEYS = ['app.kubernetes.io/name', 'app.kubernetes.io/instance'] as const;

/** A `from`/`to` peer for a policy in `policyNamespace`: the pod selector, plus the namespace when it is another. */
export function peerFor(group: PodGroup, policyNamespace: string): Record<string, any> {
  const podSelector = { matchLabels: { ...group.podSelector } };
  return group.namespace === policyNamespace ? { podSelector }
    : { namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: group.namespace } }, podSelector };
}

/**
 * The pods of each component, by namespace: its workloads' pods, selected by their common
 * `app.kubernetes.io/name` + `instance` labels (every workload of a component carries them, reference selectors
 * included), plus the client pods it declares. A selector that would also select another component's workload
 * is a problem.
 */
export function componentPods(workloads: readonly WorkloadRecord[], clientPods: readonly ClientPods[], problems: string[]): Map<string, PodGroup[]> {
  const out = new Map<string, PodGroup[]>();
  const add = (component: string, g: PodGroup) => {
    const list = out.get(component) ?? [];
    if (!list.some((x) => x.namespace === g.namespace && JSON.stringify(x.podSelector) === JSON.stringify(g.podSelector))) list.push(g);
    out.set(component, list);
  };
  for (const w of workloads) {
    const sel: Record<string, string> = {};
    for (const k of COMPONENT_KEYS) {
      if (w.podLabels[k] === undefined) problems.push(`${w.kind} ${w.namespace}/${w.name} of component '${w.component}': its pods lack the label ${k}. Fix: create it with the PlatformComponent helpers`);
      else sel[k] = w.podLabels[k];
    }
    add(w.component, { namespace: w.namespace, podSelector: sel });
  }
  for (const c of clientPods) add(c.component, { namespace: c.namespace, podSelector: c.podSelector });
  for (const [component, groups] of out) {
    for (const g of groups) {
      const foreign = workloads.find((w) => w.component !== component && w.namespace === g.namespace && selects({ matchLabels: { ...g.podSelector } }, w.podLabels));
      if (foreign) problems.push(`the pods of component '${component}' in ${g.namespace} (${JSON.stringify(g.podSelector)}) cannot be told from ${foreign.kind} ${foreign.name} of '${foreign.component}'. Fix: give the components distinct app.kubernetes.io/name or instance labels`);
    }
  }
  return out;
}

interface ServicePort { readonly name: string; readonly port: number; readonly targetPort: number | string }
interface ServiceFacts { readonly namespace: string; readonly name: string; readonly selector: Record<string, string>; readonly ports: readonly ServicePort[] }

function serviceFacts(m: Record<string, any>, defaultNamespace: string): ServiceFacts {
  return {
    namespace: m.metadata.namespace ?? defaultNamespace,
    name: m.metadata.name,
    selector: { ...(m.spec?.selector ?? {}) },
    ports: (m.spec?.ports ?? []).map((p: any) => ({ name: p.name, port: p.port, targetPort: p.targetPort ?? p.port })),
  };
}

const policyPort = (p: ServicePort) => ({ protocol: 'TCP', port: p.targetPort });

/**
 * Derives the NetworkPolicies of one environment from its graph (see `PlatformNetworkPolicies`). Pure: the
 * same inputs give the same policies, sorted by name.
 */
export function planNetworkPolicies(inputs: NetworkPolicyInputs): NetworkPolicyPlan {
  const { env } = inputs;
  const cfg = env.components.networkPolicies;
  const ns = env.namespace;
  const problems: string[] = [];
  const policies = new Map<string, { name: string; namespace: string; allows: Set<string>; spec: Record<string, any> }>();
  // Names in a shared namespace carry the environment's suffix (the environments of a cluster share it).
  const put = (base: string, namespace: string, allows: string, spec: Record<string, any>) => {
    const suffix = env.sharedObjectSuffix;
    const carries = suffix === '' || base.endsWith(suffix) || base.includes(`${suffix}-`); // e.g. from the Service loki-dev
    const name = namespace === ns || carries ? base : `${base}${suffix}`;
    const existing = policies.get(`${namespace}/${name}`);
    if (existing) existing.allows.add(allows);
    else policies.set(`${namespace}/${name}`, { name, namespace, allows: new Set([allows]), spec });
  };
  const policed = new Set(policedNamespaces(env, inputs.workloads));

  const pods = componentPods(inputs.workloads, inputs.clientPods, problems);
  const services = inputs.services.map((m) => serviceFacts(m, ns));
  const serviceNamed = (name: string, namespace?: string): ServiceFacts | undefined => {
    const candidates = services.filter((s) => s.name === name && (namespace === undefined || s.namespace === namespace));
    return candidates.find((s) => s.namespace === ns) ?? (candidates.length === 1 ? candidates[0] : undefined);
  };
  // Service ports whose pods trust a login header: reachable from the ingress controller only.
  const trusting = new Map<string, DiscoverableEndpoint>();
  for (const d of inputs.discoverables.filter((x) => x.identityHeader)) trusting.set(`${d.service.namespace ?? ns}/${d.service.name}`, d);
  const trustingComponents = new Set([...trusting.values()].filter((d) => (d.service.namespace ?? ns) === ns).map((d) => d.component));

  if (cfg.defaultDeny) {
    // The platform's pods only: pods of the namespace the platform does not own (the PostgreSQL servers behind
    // the external services, anything else the cluster runs there) keep their own policies, or none.
    put('default-deny-ingress', ns, 'nothing: every other policy opens one path (selects the platform\'s pods only)',
      { podSelector: { matchLabels: { ...PLATFORM_POD_SELECTOR } }, policyTypes: ['Ingress'] });
    // Pods of a workload the platform writes but does not build through the graph (the legacy MinIO server, kept
    // with its live labels during the lake migration): denied too, so that only the declared edges reach them.
    for (const m of [...(inputs.workloadObjects ?? [])].sort((x, y) => compareStrings(x.metadata.name, y.metadata.name))) {
      const namespace = m.metadata.namespace ?? ns;
      if (namespace !== ns || inputs.workloads.some((w) => w.kind === m.kind && w.name === m.metadata.name && w.namespace === namespace)) continue;
      const labels: Record<string, string> = { ...(m.spec?.selector?.matchLabels ?? {}) };
      if (Object.keys(labels).length === 0) continue;
      put(`default-deny-ingress-${m.metadata.name}-pods`, ns, `nothing into the pods of ${m.kind} ${m.metadata.name}, which the graph does not build: every other policy opens one path`,
        { podSelector: { matchLabels: labels }, policyTypes: ['Ingress'] });
    }
    // In a shared namespace: each component's own pods (never the namespace's other tenants).
    for (const [component, groups] of [...pods].sort(([a], [b]) => compareStrings(a, b))) {
      const shared = groups.filter((x) => x.namespace !== ns && policed.has(x.namespace) && inputs.workloads.some((w) => w.component === component && w.namespace === x.namespace));
      // A component with pods in several shared namespaces (the backup's volume copies) gets one policy in each,
      // named after the namespace too: every object of a component is one file `<Kind>.<name>.yaml`.
      const several = new Set(shared.map((x) => x.namespace)).size > 1;
      for (const g of shared) {
        put(several ? `default-deny-ingress-${component}-${g.namespace}` : `default-deny-ingress-${component}`, g.namespace, `nothing into the pods of ${component}: every other policy opens one path`,
          { podSelector: { matchLabels: { ...g.podSelector } }, policyTypes: ['Ingress'] });
      }
    }
  }

  // Within a component (e.g. DolphinScheduler master ↔ worker RPC, Trino coordinator ↔ workers, the ZooKeeper
  // quorum, a component's Jobs): its pods may reach each other. Not for a component with a header-trusting Service.
  // Only where pods of a component do talk to each other: a self edge, several workloads, or a StatefulSet's peers.
  const talksInside = (component: string) => inputs.edges.some((e) => e.kind === 'service' && e.from === component && e.to === component && !e.scrape)
    || inputs.workloads.filter((w) => w.component === component && w.namespace === ns).length > 1
    || inputs.workloads.some((w) => w.component === component && w.namespace === ns && w.kind === 'StatefulSet');
  for (const [component, groups] of [...pods].sort(([a], [b]) => compareStrings(a, b))) {
    const local = groups.filter((g) => g.namespace === ns);
    if (local.length === 0 || trustingComponents.has(component) || !talksInside(component)) continue;
    for (const g of local) {
      put(`allow-${component}-internal`, ns, `${component} → ${component} (its own pods)`, {
        podSelector: { matchLabels: { ...g.podSelector } },
        policyTypes: ['Ingress'],
        ingress: [{ from: [peerFor(g, ns)] }],
      });
    }
  }

  // One policy per consumer → provider edge (Service port) in the environment's namespace.
  for (const e of inputs.edges) {
    if (e.kind !== 'service' || e.to === 'external') continue;
    const svc = serviceNamed(e.target);
    const what = `${e.scrape ? `Prometheus (scrape for ${e.from})` : e.from} → ${e.target}:${e.detail ?? '*'} of ${e.to}${e.soft ? ' (runtime link)' : ''}`;
    if (!svc) {
      problems.push(`edge ${what}: no Service ${e.target} is synthesized. Fix: create the Service or correct the descriptor`);
      continue;
    }
    const d = trusting.get(`${svc.namespace}/${svc.name}`);
    if (d) {
      problems.push(`edge ${what}: ${d.name} trusts the ${d.identityHeader} login header, so only the ingress controller may reach Service ${svc.name}. Fix: remove the edge, or turn off the header login of '${d.component}'`);
      continue;
    }
    if (!policed.has(svc.namespace)) continue; // a namespace where the platform runs nothing: not isolated here
    // A self edge is covered by the component's internal policy when the Service selects the component's own
    // workloads; not when it selects pods outside the graph (e.g. the legacy MinIO server kept as it runs).
    if (e.from === e.to && !e.scrape && svc.namespace === ns && inputs.workloads.some((w) => w.component === e.from && w.namespace === ns && selects({ matchLabels: { ...svc.selector } }, w.podLabels))) continue;
    const ports = e.detail === undefined ? svc.ports : svc.ports.filter((p) => p.name === e.detail);
    if (ports.length === 0) {
      problems.push(`edge ${what}: Service ${svc.name} has no port '${e.detail}'. Fix: use one of ${svc.ports.map((p) => p.name).join(', ')}`);
      continue;
    }
    let clients: PodGroup[];
    let name: string;
    if (e.scrape) {
      clients = [cfg.prometheus as PodPeer];
      name = `allow-prometheus-to-${svc.name}-${e.detail}`;
    } else {
      clients = pods.get(e.from) ?? [];
      name = `allow-${e.from}-to-${svc.name}-${e.detail}`;
      if (clients.length === 0) {
        problems.push(`edge ${what}: component '${e.from}' runs no pods and declares none, so no policy can admit it. Fix: declare the pods that act for it (declareClientPods)`);
        continue;
      }
    }
    put(name, svc.namespace, what, {
      podSelector: { matchLabels: { ...svc.selector } },
      policyTypes: ['Ingress'],
      ingress: [{ from: clients.map((c) => peerFor(c, svc.namespace)), ports: ports.map(policyPort) }],
    });
  }

  // The ingress controller to the Services the Ingresses route to (outside the environment's namespace only
  // for a header-trusting Service, which must be isolated wherever it runs).
  const controller = env.components.ingress.controller as PodPeer;
  for (const ing of inputs.ingresses) {
    const ingNs = ing.metadata.namespace ?? ns;
    for (const rule of ing.spec?.rules ?? []) {
      for (const path of rule.http?.paths ?? []) {
        const b = path.backend?.service;
        const svc = b ? serviceNamed(b.name, ingNs) : undefined;
        if (!b || !svc) continue; // the reference check reports a backend that is not a synthesized Service
        if (!policed.has(svc.namespace) && !trusting.has(`${svc.namespace}/${svc.name}`)) continue;
        const ports = svc.ports.filter((p) => (b.port?.number !== undefined ? p.port === b.port.number : p.name === b.port?.name));
        if (ports.length === 0) continue;
        put(`allow-ingress-to-${ing.metadata.name}`, svc.namespace, `ingress controller → ${svc.name}:${ports.map((p) => p.name).join(',')} (Ingress ${ing.metadata.name}, ${rule.host})`, {
          podSelector: { matchLabels: { ...svc.selector } },
          policyTypes: ['Ingress'],
          ingress: [{ from: [peerFor(controller, svc.namespace)], ports: ports.map(policyPort) }],
        });
      }
    }
  }

  if (cfg.restrictEgress) planEgress(inputs, pods, serviceNamed, put, problems);

  const out: PlannedPolicy[] = [...policies.values()].map((p) => ({ name: p.name, namespace: p.namespace, allows: [...p.allows].sort(), spec: p.spec }))
    .sort((a, b) => compareStrings(`${a.namespace}/${a.name}`, `${b.namespace}/${b.name}`));
  return { policies: out, problems };
}

/**
 * Egress, when the environment restricts it: deny by default, allow DNS, and per component its edges: to the
 * provider's pods on the Service's target port, to its own pods, and to each declared external dependency by
 * port only (an external dependency may be no pod at all: the API server, an off-cluster database).
 */
function planEgress(
  inputs: NetworkPolicyInputs, pods: Map<string, PodGroup[]>, serviceNamed: (name: string) => ServiceFacts | undefined,
  put: (name: string, namespace: string, allows: string, spec: Record<string, any>) => void, problems: string[],
): void {
  const { env } = inputs;
  const ns = env.namespace;
  const cfg = env.components.networkPolicies;
  if (cfg.defaultDeny) put('default-deny-egress', ns, 'nothing: every other policy opens one path', { podSelector: {}, policyTypes: ['Egress'] });
  put('allow-dns-egress', ns, `every pod → cluster DNS (${cfg.dns.namespace})`, {
    podSelector: {},
    policyTypes: ['Egress'],
    egress: [{ to: [peerFor(cfg.dns as PodPeer, ns)], ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }] }],
  });
  for (const [component, groups] of [...pods].sort(([a], [b]) => compareStrings(a, b))) {
    for (const g of groups.filter((x) => x.namespace === ns)) {
      const rules: Array<Record<string, any>> = [{ to: [peerFor(g, ns)] }];
      const allows = [`${component} → ${component} (its own pods)`];
      for (const e of inputs.edges.filter((x) => x.from === component && x.kind === 'service' && !x.scrape && x.from !== x.to)) {
        if (e.to === 'external') {
          const ext = env.external.services[e.target];
          if (!ext) { problems.push(`edge ${component} → external ${e.target}: not declared. Fix: declare it under external.services`); continue; }
          rules.push({ ports: [{ protocol: 'TCP', port: ext.port }] });
          allows.push(`${component} → external ${e.target} (port ${ext.port})`);
          continue;
        }
        const svc = serviceNamed(e.target);
        const port = svc?.ports.find((p) => p.name === e.detail);
        if (!svc || !port) continue; // reported with the ingress side
        rules.push({ to: [peerFor({ namespace: svc.namespace, podSelector: svc.selector }, ns)], ports: [policyPort(port)] });
        allows.push(`${component} → ${e.target}:${e.detail} of ${e.to}`);
      }
      put(`allow-${component}-egress`, ns, allows.join('; '), { podSelector: { matchLabels: { ...g.podSelector } }, policyTypes: ['Egress'], egress: rules });
    }
  }
}

/** The pods the policies protect and the clients they admit, as pods the evaluator understands. */
export interface EdgeCheckPods {
  /** Representative client pods of each component (its workloads' pod labels, its declared client pods). */
  readonly clients: ReadonlyMap<string, readonly PodRef[]>;
}

/**
 * The synth's self-check of a plan: every edge into the environment's namespace is admitted by exactly one
 * policy for each of its client pods and each pod behind the Service, and every pod behind a header-trusting
 * Service admits the ingress controller and nothing else.
 */
export function verifyPlan(inputs: NetworkPolicyInputs, plan: NetworkPolicyPlan): string[] {
  const { env } = inputs;
  const ns = env.namespace;
  const problems: string[] = [];
  const manifests = plan.policies.map((p) => ({ metadata: { name: p.name, namespace: p.namespace }, spec: p.spec }));
  const clientsOf = (component: string): PodRef[] => [
    ...inputs.workloads.filter((w) => w.component === component).map((w) => ({ namespace: w.namespace, labels: w.podLabels })),
    ...inputs.clientPods.filter((c) => c.component === component).map((c) => ({ namespace: c.namespace, labels: c.podSelector })),
  ];
  const behind = (svc: Record<string, any>): PodRef[] => inputs.workloads
    .filter((w) => w.namespace === (svc.metadata.namespace ?? ns) && Object.keys(svc.spec?.selector ?? {}).length > 0 && selects({ matchLabels: svc.spec.selector }, w.podLabels))
    .map((w) => ({ namespace: w.namespace, labels: w.podLabels }));
  const prometheus = env.components.networkPolicies.prometheus;
  const policed = new Set(policedNamespaces(env, inputs.workloads));
  for (const w of inputs.workloads.filter((x) => policed.has(x.namespace))) {
    if (!selects({ matchLabels: { ...PLATFORM_POD_SELECTOR } }, w.podLabels)) {
      problems.push(`${w.kind} ${w.namespace}/${w.name}: its pods lack ${JSON.stringify(PLATFORM_POD_SELECTOR)}, so the default deny does not isolate them. Fix: create it with the PlatformComponent helpers`);
    }
  }
  // External dependencies in a policed namespace (e.g. the PostgreSQL servers): every edge to them is admitted.
  // Their pods are the declared `pods.podSelector` labels (else a pod with no label of the platform's).
  for (const e of inputs.edges.filter((x) => x.kind === 'service' && x.to === 'external')) {
    const ext = env.external.services[e.target];
    if (!ext?.service) continue; // off-cluster
    const extNs = ext.namespace ?? ns;
    if (!policed.has(extNs)) continue;
    const labels = ext.pods?.podSelector ?? {};
    const clash = inputs.workloads.find((w) => w.namespace === extNs && Object.keys(labels).length > 0 && selects({ matchLabels: labels }, w.podLabels));
    if (clash) problems.push(`external.services.${e.target}.pods.podSelector ${JSON.stringify(labels)} also selects the platform's ${clash.kind} ${clash.name}. Fix: give the labels of the external server's pods only`);
    for (const from of clientsOf(e.from)) {
      const v = ingressVerdict(manifests, from, { namespace: extNs, labels }, ext.pods?.targetPort ?? ext.port);
      if (v.isolated && v.allowedBy.length === 0) {
        problems.push(`edge ${e.from} → external ${e.target} (${ext.service}.${extNs}:${ext.port}): no policy admits it, but a policy isolates its pods. Fix: this is a bug of the policy derivation`);
      }
    }
  }
  for (const e of inputs.edges) {
    if (e.kind !== 'service' || e.to === 'external') continue;
    const candidates = inputs.services.filter((s) => s.metadata.name === e.target);
    const svc = candidates.find((s) => (s.metadata.namespace ?? ns) === ns) ?? (candidates.length === 1 ? candidates[0] : undefined);
    if (!svc || !policed.has(svc.metadata.namespace ?? ns)) continue;
    const port = (svc.spec.ports ?? []).find((p: any) => p.name === e.detail);
    if (!port) continue;
    const clients = e.scrape ? [{ namespace: prometheus.namespace, labels: prometheus.podSelector }] : clientsOf(e.from);
    for (const from of clients) {
      for (const to of behind(svc)) {
        const v = ingressVerdict(manifests, from, to, port.targetPort ?? port.port);
        if (v.isolated && v.allowedBy.length !== 1) {
          problems.push(`edge ${e.from} → ${e.target}:${e.detail}: ${v.allowedBy.length === 0 ? 'no policy admits it' : `admitted by ${v.allowedBy.length} policies (${v.allowedBy.join(', ')})`}. Fix: this is a bug of the policy derivation`);
        }
      }
    }
  }
  const controller = env.components.ingress.controller;
  for (const d of inputs.discoverables.filter((x) => x.identityHeader)) {
    const svc = inputs.services.find((s) => s.metadata.name === d.service.name && (s.metadata.namespace ?? ns) === (d.service.namespace ?? ns));
    if (!svc) continue;
    for (const to of behind(svc)) {
      const selecting = manifests.filter((p) => p.metadata.namespace === to.namespace && selects(p.spec.podSelector, to.labels));
      const peers = selecting.flatMap((p) => (p.spec.ingress ?? []).flatMap((r: any) => (r.from && r.from.length ? r.from : [{ any: true }])));
      const foreign = peers.filter((peer: any) => JSON.stringify(peer) !== JSON.stringify(peerFor(controller, to.namespace)));
      if (selecting.length === 0 || foreign.length > 0) {
        problems.push(`${d.name} (${d.identityHeader} login) must admit only the ingress controller, but ${selecting.length === 0 ? 'no policy isolates it' : `it admits ${JSON.stringify(foreign)}`}. Fix: remove the edge to it`);
      }
    }
  }
  return problems;
}
