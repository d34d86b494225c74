import type { k8s } from 'cdk8s-plus-28';
import { PlatformConfigError } from '../../core/errors';

/**
 * The Trino versions whose catalog keys this registry knows. 435-457 is the window in which the legacy
 * Hadoop S3 file system is still the default and the native `s3.*` keys are bound only with
 * `fs.native-s3.enabled=true` (Trino 458 made a file-system flag mandatory; 464 renamed the Iceberg
 * retention keys). Extend the tables below, with `since`/`until`, before allowing a newer version.
 */
export const TRINO_CATALOG_VERSIONS = { min: 435, max: 457 } as const;

/** A catalog key and the Trino versions that read it (inclusive bounds). */
interface KeyRule {
  readonly key: string;
  /** @default - every version of the registry */
  readonly since?: number;
  /** @default - every version of the registry */
  readonly until?: number;
}

type KeyGroup = 'common' | 'iceberg' | 'iceberg-rest' | 'native-s3' | 'legacy-s3' | 'postgresql';

const keys = (...names: string[]): KeyRule[] => names.map((key) => ({ key }));

/**
 * Catalog keys by group, from the Trino documentation and config classes of the 435-457 releases
 * (IcebergConfig, IcebergRestCatalogConfig, S3FileSystemConfig, HiveS3Config, BaseJdbcConfig, PostgreSqlConfig).
 * Keys whose arrival inside the window is not established are deliberately left out: an unlisted key fails
 * the synth instead of failing Trino's startup.
 */
const REGISTRY: Readonly<Record<KeyGroup, readonly KeyRule[]>> = {
  common: keys('connector.name'),
  iceberg: keys(
    'iceberg.catalog.type', 'iceberg.file-format', 'iceberg.compression-codec', 'iceberg.use-file-size-from-metadata',
    'iceberg.max-partitions-per-writer', 'iceberg.target-max-file-size', 'iceberg.unique-table-location',
    'iceberg.dynamic-filtering.wait-timeout', 'iceberg.delete-schema-locations-fallback', 'iceberg.minimum-assigned-split-weight',
    'iceberg.table-statistics-enabled', 'iceberg.extended-statistics.enabled', 'iceberg.projection-pushdown-enabled',
    'iceberg.hive-catalog-name', 'iceberg.register-table-procedure.enabled', 'iceberg.materialized-views.storage-schema',
    'iceberg.materialized-views.hide-storage-table', 'iceberg.expire_snapshots.min-retention',
    'iceberg.remove_orphan_files.min-retention', 'fs.native-s3.enabled',
  ),
  'iceberg-rest': keys(
    'iceberg.rest-catalog.uri', 'iceberg.rest-catalog.prefix', 'iceberg.rest-catalog.warehouse', 'iceberg.rest-catalog.security',
    'iceberg.rest-catalog.oauth2.token', 'iceberg.rest-catalog.oauth2.credential',
  ),
  'native-s3': keys(
    's3.endpoint', 's3.region', 's3.path-style-access', 's3.aws-access-key', 's3.aws-secret-key', 's3.iam-role',
    's3.external-id', 's3.sse.type', 's3.sse.kms-key-id', 's3.streaming.part-size', 's3.max-connections',
  ),
  'legacy-s3': keys(
    'hive.s3.endpoint', 'hive.s3.path-style-access', 'hive.s3.aws-access-key', 'hive.s3.aws-secret-key', 'hive.s3.ssl.enabled',
    'hive.s3.iam-role', 'hive.s3.max-connections',
  ),
  postgresql: keys(
    'connection-url', 'connection-user', 'connection-password', 'case-insensitive-name-matching', 'metadata.cache-ttl',
    'unsupported-type-handling', 'join-pushdown.enabled', 'domain-compaction-threshold', 'postgresql.array-mapping',
    'postgresql.include-system-tables',
  ),
};

/** Which key groups a connector reads. */
const CONNECTOR_GROUPS: Readonly<Record<string, readonly KeyGroup[]>> = {
  iceberg: ['common', 'iceberg', 'iceberg-rest', 'native-s3', 'legacy-s3'],
  postgresql: ['common', 'postgresql'],
};

const SECRET_KEY = /password|secret|credential|token|access-key/;
const ENV_REF = /^\$\{ENV:[A-Z_][A-Z0-9_]*\}$/;

function groupOf(key: string, groups: readonly KeyGroup[]): { group: KeyGroup; rule: KeyRule } | undefined {
  for (const group of groups) {
    const rule = REGISTRY[group].find((r) => r.key === key);
    if (rule) return { group, rule };
  }
  return undefined;
}

function nearest(key: string, candidates: readonly string[]): string | undefined {
  const dist = (a: string, b: string): number => {
    const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
    for (let j = 1; j <= b.length; j++) d[0][j] = j;
    for (let i = 1; i <= a.length; i++) {
      for (let j = 1; j <= b.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    return d[a.length][b.length];
  };
  const tokens = (k: string) => new Set(k.split(/[.-]/));
  const scored = candidates.map((c) => {
    const shared = [...tokens(key)].filter((t) => tokens(c).has(t)).length;
    return { c, d: dist(key, c), shared };
  });
  const close = scored.filter((s) => s.d <= 4).sort((a, b) => a.d - b.d)[0];
  if (close) return close.c;
  const overlap = scored.filter((s) => s.shared >= 3).sort((a, b) => b.shared - a.shared || a.d - b.d)[0];
  return overlap?.c;
}

/** Parses a Trino version such as `436`. */
export function trinoVersionNumber(version: string, where: string): number {
  if (!/^\d{3}$/.test(version)) {
    throw new PlatformConfigError(where, `Trino version '${version}' is not a release number`, "give the release number, e.g. '436'");
  }
  const n = parseInt(version, 10);
  if (n < TRINO_CATALOG_VERSIONS.min || n > TRINO_CATALOG_VERSIONS.max) {
    throw new PlatformConfigError(where, `Trino ${n} is outside the versions whose catalog keys are known (${TRINO_CATALOG_VERSIONS.min}-${TRINO_CATALOG_VERSIONS.max})`,
      `use a version in ${TRINO_CATALOG_VERSIONS.min}-${TRINO_CATALOG_VERSIONS.max}, or extend the key registry in src/components/trino/catalogs.ts for ${n} first (458 makes a file-system flag mandatory)`);
  }
  return n;
}

/**
 * Validates the properties of one catalog against a Trino version: the connector is known, every key is
 * read by that connector in that version, `s3.*` keys come only with `fs.native-s3.enabled=true` (without
 * it Trino 435-457 fails at startup with "Configuration property 's3.endpoint' was not used"), `hive.s3.*`
 * keys not with it, REST keys only for a REST catalog, and secret-bearing values only as `${ENV:...}`.
 * Throws a PlatformConfigError naming the catalog, the key and the version.
 */
export function validateCatalogProperties(catalog: string, props: Readonly<Record<string, string>>, version: number, where: string): void {
  const at = `${where}, catalog '${catalog}'`;
  if (version < TRINO_CATALOG_VERSIONS.min || version > TRINO_CATALOG_VERSIONS.max) {
    trinoVersionNumber(String(version), where);
  }
  const connector = props['connector.name'];
  const groups = connector ? CONNECTOR_GROUPS[connector] : undefined;
  if (!groups) {
    throw new PlatformConfigError(at, `connector.name '${connector ?? ''}' is not a connector this platform configures`,
      `use one of ${Object.keys(CONNECTOR_GROUPS).join(', ')}`);
  }
  const nativeS3 = props['fs.native-s3.enabled'] === 'true';
  for (const [key, value] of Object.entries(props)) {
    const found = groupOf(key, groups);
    const known = found && (found.rule.since ?? 0) <= version && version <= (found.rule.until ?? Infinity);
    if (!known) {
      const valid = groups.flatMap((g) => REGISTRY[g]).filter((r) => (r.since ?? 0) <= version && version <= (r.until ?? Infinity)).map((r) => r.key);
      const near = nearest(key, valid);
      throw new PlatformConfigError(at, `unknown key '${key}' for the ${connector} connector of Trino ${version}${found ? ` (it is read only in ${found.rule.since ?? TRINO_CATALOG_VERSIONS.min}-${found.rule.until ?? TRINO_CATALOG_VERSIONS.max})` : ''}`,
        near ? `did you mean '${near}'? Remove or correct the key` : 'remove the key; Trino fails at startup on a property it does not use');
    }
    if (found.group === 'native-s3' && !nativeS3) {
      throw new PlatformConfigError(at, `key '${key}' is set without fs.native-s3.enabled=true; Trino ${version} (435-457) binds s3.* keys only with the native S3 file system and otherwise fails at startup ("Configuration property '${key}' was not used")`,
        'set fs.native-s3.enabled=true in the catalog (and keep the s3.* keys: removing them leaves Trino without access to the object store)');
    }
    if (found.group === 'legacy-s3' && nativeS3) {
      throw new PlatformConfigError(at, `key '${key}' belongs to the legacy Hadoop S3 file system, which is not used when fs.native-s3.enabled=true`,
        `use the native key '${key.replace(/^hive\./, '')}' instead`);
    }
    if (found.group === 'iceberg-rest' && props['iceberg.catalog.type'] !== 'rest') {
      throw new PlatformConfigError(at, `key '${key}' is read only when iceberg.catalog.type=rest (it is '${props['iceberg.catalog.type'] ?? 'unset'}')`,
        'set iceberg.catalog.type=rest or remove the key');
    }
    if (SECRET_KEY.test(key) && !ENV_REF.test(value)) {
      throw new PlatformConfigError(at, `key '${key}' holds a literal value; a secret must never be written into a ConfigMap`,
        "write '${ENV:NAME}' and inject NAME into the container from a Secret reference");
    }
  }
  if (connector === 'iceberg' && !props['iceberg.catalog.type']) {
    throw new PlatformConfigError(at, 'iceberg.catalog.type is not set', "set it, e.g. 'rest' for the platform's Iceberg REST catalog");
  }
  if (props['iceberg.catalog.type'] === 'rest' && !props['iceberg.rest-catalog.uri']) {
    throw new PlatformConfigError(at, 'iceberg.rest-catalog.uri is not set for a REST catalog', "set it to the REST catalog's in-cluster URL");
  }
}

/** Object-store access of a catalog. */
export interface S3Access {
  /** The S3 endpoint URL, e.g. MinIO's in-cluster `http://minio-service.<ns>.svc.cluster.local:9000`. */
  readonly endpoint: string;
  readonly region: string;
  /** MinIO needs path-style access. */
  readonly pathStyleAccess: boolean;
  /** The access key, as a Secret reference injected into the container. */
  readonly accessKey: k8s.EnvVarSource;
  /** The secret key, as a Secret reference injected into the container. */
  readonly secretKey: k8s.EnvVarSource;
  /**
   * Use Trino's native S3 file system (`fs.native-s3.enabled=true` with `s3.*` keys); false writes the legacy
   * `hive.s3.*` keys instead.
   * @default true
   */
  readonly nativeS3?: boolean;
}

/** An Iceberg catalog backed by an Iceberg REST catalog. */
export interface IcebergRestCatalogSpec {
  readonly connector: 'iceberg';
  /** The catalog name (the file `<name>.properties`). */
  readonly name: string;
  /** The REST catalog URL. */
  readonly restUri: string;
  /** The warehouse location, e.g. `s3://iceberg-warehouse/`. */
  readonly warehouse: string;
  readonly objectStore: S3Access;
  /** @default 'PARQUET' */
  readonly fileFormat?: 'PARQUET' | 'ORC' | 'AVRO';
  /** Further catalog keys (validated like the rest). @default - none */
  readonly properties?: Readonly<Record<string, string>>;
}

/** A PostgreSQL catalog. */
export interface PostgresCatalogSpec {
  readonly connector: 'postgresql';
  readonly name: string;
  /** `jdbc:postgresql://<host>:<port>/<database>`. */
  readonly connectionUrl: string;
  readonly user: string;
  /** The password, as a Secret reference injected into the container. */
  readonly password: k8s.EnvVarSource;
  /** Further catalog keys (validated like the rest). @default - none */
  readonly properties?: Readonly<Record<string, string>>;
}

/** A typed catalog. */
export type TrinoCatalogSpec = IcebergRestCatalogSpec | PostgresCatalogSpec;

/** A catalog ready to mount: its properties and the environment variables its `${ENV:...}` values read. */
export interface RenderedCatalog {
  readonly name: string;
  readonly properties: Readonly<Record<string, string>>;
  readonly env: Readonly<Record<string, k8s.EnvVarSource>>;
}

const CATALOG_NAME = /^[a-z][a-z0-9_]*(-[a-z0-9_]+)*$/;

/** The environment variable of one secret of a catalog, e.g. `ICEBERG_S3_SECRET_KEY`. */
export function catalogEnvName(catalog: string, what: string): string {
  return `${catalog}_${what}`.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
}

/** Renders a typed catalog into its properties and environment, then validates it for `version`. */
export function renderCatalog(spec: TrinoCatalogSpec, version: number, where: string): RenderedCatalog {
  if (!CATALOG_NAME.test(spec.name)) {
    throw new PlatformConfigError(where, `catalog name '${spec.name}' is not valid`, "use lower-case letters, digits, '_' and '-', starting with a letter");
  }
  const env: Record<string, k8s.EnvVarSource> = {};
  const ref = (what: string, source: k8s.EnvVarSource): string => {
    const name = catalogEnvName(spec.name, what);
    env[name] = source;
    return `\${ENV:${name}}`;
  };
  let props: Record<string, string>;
  if (spec.connector === 'iceberg') {
    const s3 = spec.objectStore;
    const native = s3.nativeS3 ?? true;
    props = {
      'connector.name': 'iceberg',
      'iceberg.catalog.type': 'rest',
      'iceberg.rest-catalog.uri': spec.restUri,
      'iceberg.rest-catalog.warehouse': spec.warehouse,
      'iceberg.rest-catalog.security': 'NONE',
      'iceberg.file-format': spec.fileFormat ?? 'PARQUET',
      ...(native ? {
        'fs.native-s3.enabled': 'true',
        's3.endpoint': s3.endpoint,
        's3.region': s3.region,
        's3.path-style-access': String(s3.pathStyleAccess),
        's3.aws-access-key': ref('s3-access-key', s3.accessKey),
        's3.aws-secret-key': ref('s3-secret-key', s3.secretKey),
      } : {
        'hive.s3.endpoint': s3.endpoint,
        'hive.s3.path-style-access': String(s3.pathStyleAccess),
        'hive.s3.aws-access-key': ref('s3-access-key', s3.accessKey),
        'hive.s3.aws-secret-key': ref('s3-secret-key', s3.secretKey),
      }),
    };
  } else {
    props = {
      'connector.name': 'postgresql',
      'connection-url': spec.connectionUrl,
      'connection-user': spec.user,
      'connection-password': ref('password', spec.password),
    };
  }
  for (const [k, v] of Object.entries(spec.properties ?? {})) {
    if (k in props && props[k] !== v) {
      throw new PlatformConfigError(`${where}, catalog '${spec.name}'`, `key '${k}' is set by the typed catalog to '${props[k]}' and again to '${v}'`,
        'set it through the typed field instead of properties');
    }
    props[k] = v;
  }
  validateCatalogProperties(spec.name, props, version, where);
  return { name: spec.name, properties: props, env };
}

/** A properties file: `key=value` lines in the given order. */
export function propertiesFile(props: Readonly<Record<string, string>>): string {
  return `${Object.entries(props).map(([k, v]) => `${k}=${v}`).join('\n')}\n`;
}
