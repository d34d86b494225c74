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
