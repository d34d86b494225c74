import {
  ExternalSecret,
  ExternalSecretSpecSecretStoreRefKind,
  ExternalSecretSpecTargetCreationPolicy,
  ExternalSecretSpecTargetDeletionPolicy,
} from '../../imports/external-secrets.io';
import type { PlatformComponent } from './component';
import { PlatformConfigError } from './errors';
import type { SecretDescriptor } from './graph';
import { isDnsSubdomain } from './names';

/** Where one key's value lives in the secret store. */
export interface RemoteRef {
  /** The path of the remote secret in the store, e.g. `data-platform/prod/superset`. */
  readonly key: string;
  /**
   * The property of the remote secret (for stores holding maps, such as Vault KV).
   * @default - the whole remote value
   */
  readonly property?: string;
}

/** The store an ExternalSecret reads from. */
export interface SecretStoreRef {
  readonly kind: 'ClusterSecretStore' | 'SecretStore';
  readonly name: string;
}

/** What to generate: the Secret's name and, for each of its keys, where the value comes from. */
export interface ExternalSecretProps<K extends string> {
  /** The name of the ExternalSecret and of the Secret it fills. */
  readonly name: string;
  /** Every key of the Secret with its remote reference; the keys become the descriptor's typed keys. */
  readonly data: Readonly<Record<K, RemoteRef>>;
  /** `app.kubernetes.io/component` of the object. */
  readonly role: string;
  /** `app.kubernetes.io/version` of the object. */
  readonly version: string;
  /**
   * The store to read from.
   * @default - the environment's `secretStore` (a ClusterSecretStore named `vault` unless set)
   */
  readonly store?: SecretStoreRef;
  /**
   * How often the values are re-read.
   * @default - the environment's `secretStore.refreshInterval` (1h)
   */
  readonly refreshInterval?: string;
  /**
   * Annotations, e.g. an Argo CD sync wave.
   * @default - none
   */
  readonly annotations?: Readonly<Record<string, string>>;
}

/**
 * The external-secrets.io API version generated: `v1` (bindings in imports/ from the External Secrets 2.9.0 CRD,
 * ../shared/crds-external-secrets-2.9.0). Served by External Secrets Operator v0.16.0 and later (v0.16 added `v1`,
 * v0.17.0 stopped serving v1beta1); see docs/runtime-facts.md, "External Secrets".
 */
export const EXTERNAL_SECRET_API_VERSION = ExternalSecret.GVK.apiVersion;

const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

/**
 * Generates an `ExternalSecret` (external-secrets.io/v1) in `component` that fills the Secret `props.name`
 * with exactly the keys of `props.data`, and returns the typed descriptor consumers reference with
 * `secretKeyRef(descriptor, key)`: a container can only name a key this ExternalSecret produces, and no
 * secret value is ever written to the output.
 */
export function addExternalSecret<K extends string>(component: PlatformComponent, props: ExternalSecretProps<K>): SecretDescriptor<K> {
  const where = component.where(`ExternalSecret ${props.name}`);
  if (!isDnsSubdomain(props.name)) {
    throw new PlatformConfigError(where, `'${props.name}' is not a valid Secret name`, "use lower-case letters, digits, '-' and '.'");
  }
  const keys = Object.keys(props.data) as K[];
  if (keys.length === 0) {
    throw new PlatformConfigError(where, 'no keys are declared', 'list every key the Secret must hold with its remote reference');
  }
  for (const key of keys) {
    const ref: RemoteRef = props.data[key];
    if (!SECRET_KEY.test(key)) {
      throw new PlatformConfigError(where, `'${key}' is not a valid Secret key`, "use letters, digits, '-', '_' and '.'");
    }
    if (!ref.key || ref.key.trim() !== ref.key) {
      throw new PlatformConfigError(where, `key '${key}' has an empty or padded remote key path '${ref.key}'`, 'give the path of the remote secret in the store, e.g. data-platform/prod/superset');
    }
    if (ref.property !== undefined && ref.property.length === 0) {
      throw new PlatformConfigError(where, `key '${key}' has an empty remote property`, 'name the property or leave it out');
    }
  }
  const env = component.environment;
  const store = props.store ?? { kind: env.secretStore.kind, name: env.secretStore.name };
  new ExternalSecret(component, `ExternalSecret.${props.name}`, {
    metadata: {
      name: props.name,
      labels: component.labelsFor(props.role, props.version),
      annotations: props.annotations ? { ...props.annotations } : undefined,
    },
    spec: {
      refreshInterval: props.refreshInterval ?? env.secretStore.refreshInterval,
      secretStoreRef: {
        kind: store.kind === 'ClusterSecretStore' ? ExternalSecretSpecSecretStoreRefKind.CLUSTER_SECRET_STORE : ExternalSecretSpecSecretStoreRefKind.SECRET_STORE,
        name: store.name,
      },
      // Owner: the Secret is deleted with its ExternalSecret; Retain: a failing store keeps the last good values.
      target: {
        name: props.name,
        creationPolicy: ExternalSecretSpecTargetCreationPolicy.OWNER,
        deletionPolicy: ExternalSecretSpecTargetDeletionPolicy.RETAIN,
      },
      data: keys.map((key) => ({
        secretKey: key,
        remoteRef: { key: props.data[key].key, property: props.data[key].property },
      })),
    },
  });
  return { component: component.component, name: props.name, keys };
}

/** One synthesized object, as the synth's checks see it. */
interface SynthesizedObject { readonly path: string; readonly manifest: Record<string, any> }

function podSpecIn(m: Record<string, any>): Record<string, any> | undefined {
  if (m.kind === 'Pod') return m.spec;
  if (m.kind === 'CronJob') return m.spec?.jobTemplate?.spec?.template?.spec;
  if (['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job'].includes(m.kind)) return m.spec?.template?.spec;
  return undefined;
}

/**
 * What the output reads of each Secret, by `namespace/name`: the set of keys, or `'all'` where a consumer takes the
 * whole Secret (envFrom, a secret volume without items, an image pull secret, an Ingress TLS secret). Consumers are
 * the containers and init containers of every workload (env secretKeyRef, envFrom, secret and projected volumes,
 * imagePullSecrets), Ingress TLS and any `credential: {name, key}` of a custom resource (Velero's
 * BackupStorageLocation).
 */
export function secretConsumers(objects: readonly SynthesizedObject[]): Map<string, Set<string> | 'all'> {
  const used = new Map<string, Set<string> | 'all'>();
  const use = (ns: string, name: string | undefined, key?: string) => {
    if (!name) return;
    const id = `${ns}/${name}`;
    const have = used.get(id);
    if (key === undefined) used.set(id, 'all');
    else if (have !== 'all') used.set(id, new Set([...(have ?? []), key]));
  };
  for (const { manifest: m } of objects) {
    const ns = m.metadata?.namespace ?? '';
    if (m.kind === 'Ingress') for (const t of m.spec?.tls ?? []) use(ns, t.secretName);
    const credential = m.spec?.credential;
    if (credential && typeof credential.name === 'string') use(ns, credential.name, credential.key);
    const pod = podSpecIn(m);
    if (!pod) continue;
    for (const s of pod.imagePullSecrets ?? []) use(ns, s.name);
    for (const c of [...(pod.initContainers ?? []), ...(pod.containers ?? [])]) {
      for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef) use(ns, e.valueFrom.secretKeyRef.name, e.valueFrom.secretKeyRef.key);
      for (const f of c.envFrom ?? []) if (f.secretRef) use(ns, f.secretRef.name);
    }
    for (const v of pod.volumes ?? []) {
      if (v.secret) {
        if (v.secret.items?.length) for (const it of v.secret.items) use(ns, v.secret.secretName, it.key);
        else use(ns, v.secret.secretName);
      }
      for (const src of v.projected?.sources ?? []) {
        if (!src.secret) continue;
        if (src.secret.items?.length) for (const it of src.secret.items) use(ns, src.secret.name, it.key);
        else use(ns, src.secret.name);
      }
    }
  }
  return used;
}

/**
 * Every ExternalSecret and every key of it is read by something in the output. A Secret nobody reads still needs
 * its store properties: when one is missing, the operator marks the ExternalSecret failed and Argo CD the
 * Application Degraded, which stops the sync of everything after it (issue 15 point 5). Returns one problem per
 * unread ExternalSecret or key, naming it and the fix.
 */
export function checkExternalSecretsConsumed(objects: readonly SynthesizedObject[]): string[] {
  const used = secretConsumers(objects);
  const problems: string[] = [];
  for (const { path, manifest: m } of objects) {
    if (m.kind !== 'ExternalSecret') continue;
    const ns = m.metadata?.namespace ?? '';
    const target = m.spec?.target?.name ?? m.metadata.name;
    const reads = used.get(`${ns}/${target}`);
    const where = `${path} (ExternalSecret ${m.metadata.name})`;
    if (!reads) {
      problems.push(`${where}: nothing in the output reads Secret ${ns}/${target}. Fix: do not generate it (every store property it needs must exist, or the ExternalSecret fails and blocks the sync)`);
      continue;
    }
    if (reads === 'all') continue;
    const unread = (m.spec?.data ?? []).map((d: any) => d.secretKey).filter((k: string) => !reads.has(k));
    if (unread.length) {
      problems.push(`${where}: key(s) ${unread.join(', ')} of Secret ${ns}/${target} are read by nothing in the output. Fix: drop them from the ExternalSecret (generate only the keys a workload reads)`);
    }
  }
  return problems;
}
