import { Construct } from 'constructs';
import { PlatformComponent, PlatformComponentProps } from '../../core/component';
import { addExternalSecret, RemoteRef } from '../../core/external-secret';
import { PlatformConfigError } from '../../core/errors';
import { SecretDescriptor } from '../../core/graph';

/** Keys of Secret `superset-secret`, the one Superset's own workloads read. */
export const SUPERSET_SECRET_KEYS = ['secret-key', 'database-uri', 'admin-password'] as const;
export type SupersetSecretKey = (typeof SUPERSET_SECRET_KEYS)[number];

/** Keys of Secret `superset-secrets`, kept for older consumers with the reference pack's key names. */
export const SUPERSET_LEGACY_SECRET_KEYS = [
  'SUPERSET_SECRET_KEY', 'DATABASE_URI', 'DATABASE_USERNAME', 'DATABASE_PASSWORD', 'SUPERSET_DORIS_URI', 'SUPERSET_TRINO_URI',
  'ADMIN_USERNAME', 'ADMIN_PASSWORD', 'ADMIN_EMAIL', 'ADMIN_FIRSTNAME', 'ADMIN_LASTNAME',
] as const;
export type SupersetLegacySecretKey = (typeof SUPERSET_LEGACY_SECRET_KEYS)[number];

/** The component that produces both Secrets. */
export const SUPERSET_SECRETS_COMPONENT = 'superset-secrets';

/** Secret `superset-secret` (keys `secret-key`, `database-uri`, `admin-password`). */
export const SUPERSET_SECRET: SecretDescriptor<SupersetSecretKey> = {
  component: SUPERSET_SECRETS_COMPONENT, name: 'superset-secret', keys: SUPERSET_SECRET_KEYS,
};
/** Secret `superset-secrets` (the reference pack's upper-case keys). */
export const SUPERSET_LEGACY_SECRET: SecretDescriptor<SupersetLegacySecretKey> = {
  component: SUPERSET_SECRETS_COMPONENT, name: 'superset-secrets', keys: SUPERSET_LEGACY_SECRET_KEYS,
};

/**
 * The property of the remote secret behind each key. Both Secrets read one remote secret, and keys with the same
 * meaning read the same property (`SUPERSET_SECRET_KEY` and `secret-key` are `secret-key`), so the two can never
 * disagree and a rotation happens in one place.
 */
export const SUPERSET_REMOTE_PROPERTIES: Readonly<Record<SupersetSecretKey | SupersetLegacySecretKey, string>> = {
  'secret-key': 'secret-key',
  'database-uri': 'database-uri',
  'admin-password': 'admin-password',
  'SUPERSET_SECRET_KEY': 'secret-key',
  'DATABASE_URI': 'database-uri',
  'ADMIN_PASSWORD': 'admin-password',
  'DATABASE_USERNAME': 'database-username',
  'DATABASE_PASSWORD': 'database-password',
  'SUPERSET_DORIS_URI': 'doris-uri',
  'SUPERSET_TRINO_URI': 'trino-uri',
  'ADMIN_USERNAME': 'admin-username',
  'ADMIN_EMAIL': 'admin-email',
  'ADMIN_FIRSTNAME': 'admin-firstname',
  'ADMIN_LASTNAME': 'admin-lastname',
};

/** Props of `SupersetSecrets`. */
export interface SupersetSecretsProps extends PlatformComponentProps {
  /**
   * The path of the remote secret that fills `superset-secret`.
   * @default 'data-platform/<environment>/superset'
   */
  readonly remoteKey?: string;
  /**
   * The path of the remote secret that fills `superset-secrets`.
   * @default - the same as `remoteKey`
   */
  readonly legacyRemoteKey?: string;
}

/**
 * The Secrets of Superset with no value in Git: `ExternalSecret`s (external-secrets.io/v1) reading the
 * environment's secret store (default ClusterSecretStore `vault`). `superset-secret` (read by every Superset
 * container and the init Job) is always generated. The legacy `superset-secrets` is generated only when something
 * reads it, i.e. when `components.superset.extraSecretEnv` names it, and then with exactly the keys named there:
 * an ExternalSecret needs every store property it lists, and one missing property of a Secret nobody reads made the
 * Application Degraded and stopped the sync (issue 15 point 5; the synth's `checkExternalSecretsConsumed` fails on an
 * unread ExternalSecret or key).
 */
export class SupersetSecrets extends PlatformComponent {
  /** `superset-secret`. */
  public readonly secret: SecretDescriptor<SupersetSecretKey>;
  /** `superset-secrets`, when `extraSecretEnv` reads it (with only the keys read). */
  public readonly legacySecret?: SecretDescriptor<SupersetLegacySecretKey>;

  constructor(scope: Construct, id: string, props: SupersetSecretsProps) {
    super(scope, id, SUPERSET_SECRETS_COMPONENT, props);
    const remoteKey = props.remoteKey ?? `data-platform/${this.environment.name}/superset`;
    const legacyRemoteKey = props.legacyRemoteKey ?? remoteKey;
    const refs = <K extends SupersetSecretKey | SupersetLegacySecretKey>(keys: readonly K[], key: string) =>
      Object.fromEntries(keys.map((k) => [k, { key, property: SUPERSET_REMOTE_PROPERTIES[k] }])) as Record<K, RemoteRef>;
    // Filled before anything of Superset starts (its init Job and pods read them).
    const annotations = { 'argocd.argoproj.io/sync-wave': '-1' };
    this.secret = addExternalSecret(this, {
      name: SUPERSET_SECRET.name, role: 'secrets', version: 'v1', annotations, data: refs(SUPERSET_SECRET.keys, remoteKey),
    });
    const legacyKeys = legacyKeysRead(this.environment.components.superset.extraSecretEnv, this.where('components.superset.extraSecretEnv'));
    if (legacyKeys.length > 0) {
      this.legacySecret = addExternalSecret(this, {
        name: SUPERSET_LEGACY_SECRET.name, role: 'secrets', version: 'v1', annotations, data: refs(legacyKeys, legacyRemoteKey),
      });
    }
  }
}

/** The keys of `superset-secrets` that `extraSecretEnv` reads (sorted, each once); an unknown key fails naming it. */
export function legacyKeysRead(extraSecretEnv: Readonly<Record<string, { secret: string; key: string }>>, where: string): SupersetLegacySecretKey[] {
  const keys = new Set<SupersetLegacySecretKey>();
  for (const [name, ref] of Object.entries(extraSecretEnv)) {
    if (ref.secret !== SUPERSET_LEGACY_SECRET.name) continue;
    if (!(SUPERSET_LEGACY_SECRET_KEYS as readonly string[]).includes(ref.key)) {
      throw new PlatformConfigError(`${where}.${name}`, `'${ref.key}' is not a key of Secret ${SUPERSET_LEGACY_SECRET.name}`,
        `use one of ${SUPERSET_LEGACY_SECRET_KEYS.join(', ')}`);
    }
    keys.add(ref.key as SupersetLegacySecretKey);
  }
  return [...keys].sort();
}
