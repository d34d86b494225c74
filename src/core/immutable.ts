import * as fs from 'fs';
import * as path from 'path';
import { ApiObject } from 'cdk8s';
import { parseAllDocuments } from 'yaml';
import { PlatformConfigError } from './errors';

/**
 * Changes the API server refuses on an existing object, and the explicit remedy for one that must happen anyway.
 *
 * A change to a field that Kubernetes fixes at creation (a StatefulSet's claim templates, a Deployment's selector,
 * a PersistentVolumeClaim's spec, a binding's roleRef, ...) is refused at every sync: Argo CD retries and
 * self-heals into the same refusal forever. So the synth compares every object with the same object in the
 * previous output (the committed `charts-out/`, which is what Argo CD has applied) and fails on such a change,
 * naming the object, the field and the fix, unless the object's construct declared the change with
 * `declareNotInPlace` and the documented remedy (README, "Take-over runbook"): delete the object with
 * `--cascade=orphan` (its pods and claims keep running), then let Argo CD create it anew.
 *
 * The rules follow Kubernetes 1.28.15 (docs/runtime-facts.md, "Changes Kubernetes refuses in place").
 */

/** Annotation with which a construct declares a change that cannot be made in place, and its remedy. */
export const NOT_IN_PLACE_ANNOTATION = 'platform.254carbon.com/not-in-place';
/** Annotation with the declared reason (for the operator running the remedy). */
export const NOT_IN_PLACE_REASON_ANNOTATION = 'platform.254carbon.com/not-in-place-reason';

/** The remedies this project supports for a change Kubernetes refuses in place. */
export type NotInPlaceRemedy = 'orphan-and-recreate';

interface ImmutableRule {
  readonly group: string;
  readonly kind: string;
  /** Dotted paths that must not change. */
  readonly fixed?: readonly string[];
  /** Every key of `spec` except these must not change. */
  readonly specExcept?: readonly string[];
  /** Applies only when this holds for the old object. */
  readonly when?: (old: Record<string, any>) => boolean;
  readonly source: string;
}

const K8S = 'k8s.io/kubernetes v1.28.15';

/** What Kubernetes 1.28 refuses to change in place, per kind (the kinds this platform writes). */
export const IMMUTABLE_RULES: readonly ImmutableRule[] = [
  {
    group: 'apps', kind: 'StatefulSet',
    specExcept: ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds'],
    source: `${K8S} pkg/apis/apps/validation/validation.go ValidateStatefulSetUpdate`,
  },
  { group: 'apps', kind: 'Deployment', fixed: ['spec.selector'], source: `${K8S} pkg/registry/apps/deployment/strategy.go ValidateUpdate` },
  { group: 'apps', kind: 'DaemonSet', fixed: ['spec.selector'], source: `${K8S} pkg/registry/apps/daemonset/strategy.go ValidateUpdate` },
  { group: 'apps', kind: 'ReplicaSet', fixed: ['spec.selector'], source: `${K8S} pkg/registry/apps/replicaset/strategy.go ValidateUpdate` },
  {
    // A hook Job is deleted and created anew by Argo CD (hook-delete-policy BeforeHookCreation), never updated.
    group: 'batch', kind: 'Job', fixed: ['spec.selector', 'spec.template', 'spec.completionMode', 'spec.podFailurePolicy', 'spec.backoffLimitPerIndex'],
    when: (old) => !old.metadata?.annotations?.['argocd.argoproj.io/hook'],
    source: `${K8S} pkg/apis/batch/validation/validation.go ValidateJobSpecUpdate`,
  },
  {
    group: '', kind: 'PersistentVolumeClaim', specExcept: ['resources', 'volumeName', 'volumeAttributesClassName'],
    source: `${K8S} pkg/apis/core/validation/validation.go ValidatePersistentVolumeClaimUpdate (storage requests may only grow)`,
  },
  { group: 'rbac.authorization.k8s.io', kind: 'RoleBinding', fixed: ['roleRef'], source: `${K8S} pkg/apis/rbac/validation/validation.go ValidateRoleBindingUpdate` },
  { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding', fixed: ['roleRef'], source: `${K8S} pkg/apis/rbac/validation/validation.go ValidateClusterRoleBindingUpdate` },
  {
    group: '', kind: 'ConfigMap', fixed: ['immutable', 'data', 'binaryData'], when: (old) => old.immutable === true,
    source: `${K8S} pkg/apis/core/validation/validation.go ValidateConfigMapUpdate`,
  },
  {
    group: '', kind: 'Secret', fixed: ['immutable', 'data', 'stringData', 'binaryData', 'type'], when: (old) => old.immutable === true,
    source: `${K8S} pkg/apis/core/validation/validation.go ValidateSecretUpdate`,
  },
  { group: '', kind: 'Secret', fixed: ['type'], source: `${K8S} pkg/apis/core/validation/validation.go ValidateSecretUpdate` },
];

function groupOf(apiVersion: unknown): string {
  const v = String(apiVersion ?? '');
  return v.includes('/') ? v.slice(0, v.indexOf('/')) : '';
}

function get(o: unknown, dotted: string): unknown {
  let cur: any = o;
  for (const k of dotted.split('.')) cur = cur === undefined || cur === null ? undefined : cur[k];
  return cur;
}

/** Deep equality of JSON values; key order does not matter. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== 'object') return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    return a.length === bb.length && a.every((x, i) => jsonEqual(x, bb[i]));
  }
  const ka = Object.keys(a as object).filter((k) => (a as any)[k] !== undefined);
  const kb = Object.keys(b as object).filter((k) => (b as any)[k] !== undefined);
  return ka.length === kb.length && ka.every((k) => jsonEqual((a as any)[k], (b as any)[k]));
}

/** One field that differs between two versions of an object and cannot change in place. */
export interface ImmutableChange {
  readonly path: string;
  readonly before: unknown;
  readonly after: unknown;
  readonly source: string;
}

/**
 * The fields that differ between the old and the new manifest of one object and that Kubernetes refuses to change
 * in place. An absent field counts as the server's default on both sides, as a three-way apply sees it (a field
 * dropped from the manifest is reset to its default).
 */
export function immutableChanges(before: Record<string, any>, after: Record<string, any>): ImmutableChange[] {
  const out: ImmutableChange[] = [];
  const group = groupOf(after.apiVersion);
  for (const rule of IMMUTABLE_RULES) {
    if (rule.group !== group || rule.kind !== after.kind) continue;
    if (rule.when && !rule.when(before)) continue;
    for (const p of rule.fixed ?? []) {
      const a = get(before, p);
      const b = get(after, p);
      if (!jsonEqual(a, b)) out.push({ path: p, before: a, after: b, source: rule.source });
    }
    if (rule.specExcept) {
      const keys = new Set([...Object.keys(before.spec ?? {}), ...Object.keys(after.spec ?? {})]);
      for (const k of [...keys].sort()) {
        if (rule.specExcept.includes(k)) continue;
        const a = before.spec?.[k];
        const b = after.spec?.[k];
        if (!jsonEqual(a, b)) out.push({ path: `spec.${k}`, before: a, after: b, source: rule.source });
      }
    }
  }
  return out;
}

/**
 * Declares that an object changes a field Kubernetes fixes at creation, so Argo CD cannot sync it in place: the
 * synth then accepts the change and the take-over runbook's remedy applies to this object only
 * (`orphan-and-recreate`: `kubectl delete <kind> <name> --cascade=orphan`, then Argo CD creates it anew; the pods
 * keep running until the new object adopts and rolls them, the claims stay).
 */
export function declareNotInPlace(obj: ApiObject, opts: { readonly reason: string; readonly remedy: NotInPlaceRemedy }): void {
  if (!opts.reason.trim()) {
    throw new PlatformConfigError(`declareNotInPlace(${obj.kind} ${obj.name})`, 'no reason given', 'give the reason, which the runbook\'s recreate step prints');
  }
  obj.metadata.addAnnotation(NOT_IN_PLACE_ANNOTATION, opts.remedy);
  obj.metadata.addAnnotation(NOT_IN_PLACE_REASON_ANNOTATION, opts.reason);
}

/** A manifest of the new output and the path it is written to. */
export interface OutputObject {
  readonly path: string;
  readonly env: string;
  readonly manifest: Record<string, any>;
}

/** `Kind/namespace/name` of a manifest (group-qualified). */
function keyOf(m: Record<string, any>): string {
  return `${groupOf(m.apiVersion)}/${m.kind}/${m.metadata?.namespace ?? ''}/${m.metadata?.name}`;
}

/** Every object of a previous output, per environment folder, by key. */
export function readBaseline(dir: string, envs: readonly string[]): Map<string, Map<string, Record<string, any>>> {
  const out = new Map<string, Map<string, Record<string, any>>>();
  for (const env of envs) {
    const byKey = new Map<string, Record<string, any>>();
    for (const root of [path.join(dir, env), path.join(dir, 'argocd', env)]) {
      for (const file of yamlFiles(root)) {
        for (const doc of parseAllDocuments(fs.readFileSync(file, 'utf8'))) {
          const m = doc.toJS() as Record<string, any> | null;
          if (m && typeof m === 'object' && m.kind && m.metadata?.name) byKey.set(keyOf(m), m);
        }
      }
    }
    out.set(env, byKey);
  }
  return out;
}

function yamlFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return yamlFiles(full);
    return e.isFile() && e.name.endsWith('.yaml') ? [full] : [];
  });
}

function show(v: unknown): string {
  const s = v === undefined ? '(unset: the server default)' : JSON.stringify(v);
  return s.length > 160 ? `${s.slice(0, 157)}...` : s;
}

/** An object whose change needs the declared remedy (for the synth's report and the take-over CLI). */
export interface NotInPlaceChange {
  readonly env: string;
  readonly path: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
  readonly remedy: NotInPlaceRemedy;
  readonly reason: string;
  readonly changes: readonly ImmutableChange[];
}

/**
 * Compares the new output with the previous one: returns the problems (changes Kubernetes refuses in place that no
 * construct declared) and the declared changes (which need their remedy before Argo CD syncs them).
 */
export function checkNotInPlace(objects: readonly OutputObject[], baseline: Map<string, Map<string, Record<string, any>>>):
{ problems: string[]; declared: NotInPlaceChange[] } {
  const problems: string[] = [];
  const declared: NotInPlaceChange[] = [];
  for (const o of objects) {
    const old = baseline.get(o.env)?.get(keyOf(o.manifest));
    if (!old) continue;
    const changes = immutableChanges(old, o.manifest);
    if (!changes.length) continue;
    const m = o.manifest;
    const remedy = m.metadata?.annotations?.[NOT_IN_PLACE_ANNOTATION] as string | undefined;
    const what = `${m.kind} ${m.metadata?.namespace ? `${m.metadata.namespace}/` : ''}${m.metadata?.name} (${o.path})`;
    if (remedy === 'orphan-and-recreate') {
      declared.push({
        env: o.env, path: o.path, kind: m.kind, namespace: m.metadata?.namespace, name: m.metadata?.name, remedy,
        reason: String(m.metadata?.annotations?.[NOT_IN_PLACE_REASON_ANNOTATION] ?? ''), changes,
      });
      continue;
    }
    problems.push(`environment '${o.env}': ${what} changes ${changes.map((c) => `${c.path} from ${show(c.before)} to ${show(c.after)}`).join('; ')}, ` +
      `which Kubernetes refuses to change on the existing object (${changes[0].source}), so Argo CD would retry the sync forever. ` +
      'Fix: keep the field as it is live, or declare the change in the construct with declareNotInPlace(obj, { reason, remedy: \'orphan-and-recreate\' }) ' +
      'and run the remedy of the README take-over runbook for this object');
  }
  return { problems, declared };
}
