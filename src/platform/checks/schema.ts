import type { RenderedObject } from '../../core/manifest';

type Validatable = new (data: any) => { validate(): void };
const cache = new Map<string, Validatable | null>();

/**
 * The kubernetes-models classes of the built-in kinds the platform writes, as literal `require`s, so that the
 * bundled command line (`scripts/cli-bundle.js`) carries exactly these validators and no other model file is
 * read at run time. Any other kind is looked up in kubernetes-models by path (below), checked just as strictly,
 * only slower; `test/cli-bundle.test.ts` keeps this table complete for what `charts-out/` holds.
 */
export const BUNDLED_MODELS: Readonly<Record<string, () => Validatable>> = {
  'v1/ConfigMap': () => require('kubernetes-models/v1/ConfigMap').ConfigMap,
  'v1/Namespace': () => require('kubernetes-models/v1/Namespace').Namespace,
  'v1/PersistentVolumeClaim': () => require('kubernetes-models/v1/PersistentVolumeClaim').PersistentVolumeClaim,
  'v1/LimitRange': () => require('kubernetes-models/v1/LimitRange').LimitRange,
  'v1/ResourceQuota': () => require('kubernetes-models/v1/ResourceQuota').ResourceQuota,
  'v1/Secret': () => require('kubernetes-models/v1/Secret').Secret,
  'v1/Service': () => require('kubernetes-models/v1/Service').Service,
  'v1/ServiceAccount': () => require('kubernetes-models/v1/ServiceAccount').ServiceAccount,
  'apps/v1/DaemonSet': () => require('kubernetes-models/apps/v1/DaemonSet').DaemonSet,
  'apps/v1/Deployment': () => require('kubernetes-models/apps/v1/Deployment').Deployment,
  'apps/v1/StatefulSet': () => require('kubernetes-models/apps/v1/StatefulSet').StatefulSet,
  'autoscaling/v2/HorizontalPodAutoscaler': () => require('kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler').HorizontalPodAutoscaler,
  'batch/v1/CronJob': () => require('kubernetes-models/batch/v1/CronJob').CronJob,
  'batch/v1/Job': () => require('kubernetes-models/batch/v1/Job').Job,
  'networking.k8s.io/v1/Ingress': () => require('kubernetes-models/networking.k8s.io/v1/Ingress').Ingress,
  'networking.k8s.io/v1/NetworkPolicy': () => require('kubernetes-models/networking.k8s.io/v1/NetworkPolicy').NetworkPolicy,
  'policy/v1/PodDisruptionBudget': () => require('kubernetes-models/policy/v1/PodDisruptionBudget').PodDisruptionBudget,
  'rbac.authorization.k8s.io/v1/ClusterRole': () => require('kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole').ClusterRole,
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': () => require('kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding').ClusterRoleBinding,
  'rbac.authorization.k8s.io/v1/Role': () => require('kubernetes-models/rbac.authorization.k8s.io/v1/Role').Role,
  'rbac.authorization.k8s.io/v1/RoleBinding': () => require('kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding').RoleBinding,
};

/** The kubernetes-models class of a built-in kind, or null for a custom resource. */
function modelFor(apiVersion: string, kind: string): Validatable | null {
  const key = `${apiVersion}/${kind}`;
  if (!cache.has(key)) {
    const bundled = Object.prototype.hasOwnProperty.call(BUNDLED_MODELS, key) ? BUNDLED_MODELS[key] : undefined;
    if (bundled) {
      cache.set(key, bundled());
      return cache.get(key)!;
    }
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
    const modulePath = group ? `kubernetes-models/${group}/${version}/${kind}` : `kubernetes-models/${version}/${kind}`;
    let model: Validatable | null = null;
    try {
      model = (require(modulePath) as Record<string, Validatable>)[kind] ?? null;
    } catch {
      model = null;
    }
    cache.set(key, model);
  }
  return cache.get(key)!;
}

/** Built-in groups: an object of these groups must have a model, or its apiVersion/kind is wrong. */
export const BUILT_IN_GROUPS: ReadonlySet<string> = new Set(['', 'apps', 'batch', 'policy', 'autoscaling', 'networking.k8s.io', 'rbac.authorization.k8s.io',
  'storage.k8s.io', 'scheduling.k8s.io', 'coordination.k8s.io', 'discovery.k8s.io', 'admissionregistration.k8s.io', 'apiextensions.k8s.io']);

/**
 * Structural check of every built-in object against the Kubernetes OpenAPI schema (kubernetes-models 4.x):
 * types, required fields, enums and formats. Custom resources are typed by the bindings in imports/ and
 * checked by the real API server in the conformance tier. Returns one message per invalid object.
 */
export function checkSchema(objects: readonly RenderedObject[]): string[] {
  const problems: string[] = [];
  for (const o of objects) {
    const { apiVersion, kind } = o.manifest;
    const group = String(apiVersion).includes('/') ? String(apiVersion).split('/')[0] : '';
    const Model = modelFor(apiVersion, kind);
    if (!Model) {
      if (BUILT_IN_GROUPS.has(group)) problems.push(`${o.path}: ${apiVersion} ${kind} is not a Kubernetes API kind. Fix: use the right apiVersion for ${kind}`);
      continue;
    }
    try {
      // A model instance over the manifest's own fields (the constructor would deep-copy the whole manifest to
      // drop undefined values, and a rendered manifest has none).
      (Object.assign(Object.create(Model.prototype), o.manifest) as InstanceType<Validatable>).validate();
    } catch (e) {
      const errors = (e as { errors?: Array<{ instancePath: string; message: string }> }).errors;
      const detail = errors ? errors.map((x) => `${x.instancePath || '/'} ${x.message}`).join('; ') : (e as Error).message;
      problems.push(`${o.path}: ${kind} ${o.manifest.metadata?.name} does not match the Kubernetes schema: ${detail}`);
    }
  }
  return problems;
}
