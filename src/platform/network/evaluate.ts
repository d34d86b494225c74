/**
 * An in-process evaluation of Kubernetes NetworkPolicies (networking.k8s.io/v1, ingress and egress): which
 * policies let a pod reach another pod's port. Used by the synth's self-check and by the tests; the label
 * semantics are the API's (matchLabels and matchExpressions; namespaces by `kubernetes.io/metadata.name`).
 */

/** A pod as policies see it: its namespace and labels. */
export interface PodRef {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** The label every namespace carries with its own name (Kubernetes ≥ 1.21). */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

type Selector = { matchLabels?: Record<string, string>; matchExpressions?: Array<{ key: string; operator: string; values?: string[] }> } | undefined;

/** Whether a label selector selects `labels` (an empty selector selects everything). */
export function selects(selector: Selector, labels: Readonly<Record<string, string>>): boolean {
  if (!selector) return true;
  // By index, without an entry array per label: the network-policy checks call this for every pair of pod and policy.
  const match = selector.matchLabels ?? {};
  const keys = Object.keys(match);
  for (let i = 0; i < keys.length; i++) if (labels[keys[i]] !== match[keys[i]]) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const value = labels[e.key];
    const ok = e.operator === 'In' ? has && (e.values ?? []).includes(value)
      : e.operator === 'NotIn' ? !has || !(e.values ?? []).includes(value)
        : e.operator === 'Exists' ? has : e.operator === 'DoesNotExist' ? !has : false;
    if (!ok) return false;
  }
  return true;
}

/** Whether one `from`/`to` peer matches a pod, seen from a policy in `policyNamespace`. */
function peerMatches(peer: Record<string, any>, pod: PodRef, policyNamespace: string): boolean {
  if (peer.ipBlock) return false; // pods are addressed by selectors only here
  const nsOk = peer.namespaceSelector !== undefined
    ? selects(peer.namespaceSelector, { [NAMESPACE_NAME_LABEL]: pod.namespace })
    : pod.namespace === policyNamespace;
  return nsOk && (peer.podSelector === undefined || selects(peer.podSelector, pod.labels));
}

function portMatches(ports: Array<Record<string, any>> | undefined, port: number, protocol: string): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((p) => (p.protocol ?? 'TCP') === protocol && (p.port === undefined || (typeof p.port === 'number'
    ? (p.endPort !== undefined ? port >= p.port && port <= p.endPort : p.port === port) : false)));
}

const typesOf = (p: Record<string, any>): string[] => p.spec.policyTypes ?? (p.spec.egress ? ['Ingress', 'Egress'] : ['Ingress']);

/** The outcome for one direction: `open` when no policy isolates the pod, else the names of the policies that allow. */
export type PolicyVerdict = { readonly isolated: false } | { readonly isolated: true; readonly allowedBy: readonly string[] };

/**
 * Which policies of one direction let `from` reach `to` on `port`: ingress policies select the receiving pod and
 * list the sender in `from`; egress policies select the sending pod and list the receiver in `to`.
 */
function verdict(direction: 'Ingress' | 'Egress', policies: ReadonlyArray<Record<string, any>>, from: PodRef, to: PodRef, port: number, protocol: string): PolicyVerdict {
  const [subject, peer, rulesKey, peersKey] = direction === 'Ingress' ? [to, from, 'ingress', 'from'] as const : [from, to, 'egress', 'to'] as const;
  const applying = policies.filter((p) => p.metadata.namespace === subject.namespace && typesOf(p).includes(direction) && selects(p.spec.podSelector, subject.labels));
  if (applying.length === 0) return { isolated: false };
  const allowedBy = applying.filter((p) => (p.spec[rulesKey] ?? []).some((rule: Record<string, any>) =>
    (!rule[peersKey] || rule[peersKey].length === 0 || rule[peersKey].some((x: Record<string, any>) => peerMatches(x, peer, p.metadata.namespace)))
    && portMatches(rule.ports, port, protocol))).map((p) => p.metadata.name as string);
  return { isolated: true, allowedBy };
}

/** Which ingress policies admit `from` to `to` on `port`. */
export function ingressVerdict(policies: ReadonlyArray<Record<string, any>>, from: PodRef, to: PodRef, port: number, protocol = 'TCP'): PolicyVerdict {
  return verdict('Ingress', policies, from, to, port, protocol);
}

/** Which egress policies let `from` reach `to` on `port`. */
export function egressVerdict(policies: ReadonlyArray<Record<string, any>>, from: PodRef, to: PodRef, port: number, protocol = 'TCP'): PolicyVerdict {
  return verdict('Egress', policies, from, to, port, protocol);
}

/** Whether traffic from `from` to `to` on `port` is allowed in both directions. */
export function isAllowed(policies: ReadonlyArray<Record<string, any>>, from: PodRef, to: PodRef, port: number, protocol = 'TCP'): boolean {
  const ok = (v: PolicyVerdict) => !v.isolated || v.allowedBy.length > 0;
  return ok(ingressVerdict(policies, from, to, port, protocol)) && ok(egressVerdict(policies, from, to, port, protocol));
}
