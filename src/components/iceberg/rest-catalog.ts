import { Construct } from 'constructs';
import { PlatformComponent, PlatformComponentProps } from '../../core/component';
import { PlatformConfigError } from '../../core/errors';
import { addExternalSecret, RemoteRef } from '../../core/external-secret';
import { ServiceDescriptor } from '../../core/graph';
import { Image } from '../../core/image';
import { toMebibytes } from '../../core/resources';
import { EnvValue, httpProbe } from '../../core/workload';
import { MINIO_SERVICE } from '../minio/minio';
import { icebergWarehouse, IcebergWarehouse } from './warehouse';

/** The REST catalog Service, `iceberg-rest-catalog` on 8181, as in the reference pack. */
export const ICEBERG_REST_SERVICE: ServiceDescriptor<'catalog-api'> = {
  component: 'iceberg-rest-catalog',
  name: 'iceberg-rest-catalog',
  ports: { 'catalog-api': 8181 },
};

const PROPERTY = /^[a-z0-9]+([.-][a-z0-9]+)*$/;

/**
 * The environment variable the REST catalog image turns into catalog property `property`: the image strips
 * `CATALOG_`, turns `__` into `-` and `_` into `.`, and lower-cases the rest. Property names with `_` or upper
 * case cannot be expressed and are rejected.
 */
export function catalogPropertyEnvName(property: string, where = 'iceberg-rest-catalog'): string {
  if (!PROPERTY.test(property)) {
    throw new PlatformConfigError(where, `catalog property '${property}' cannot be passed as a CATALOG_* variable`,
      "use lower-case names of letters, digits, '.' and '-' (the image maps '_' to '.' and '__' to '-')");
  }
  return `CATALOG_${property.replace(/-/g, '__').replace(/\./g, '_').toUpperCase()}`;
}

/** The property the image reads from a `CATALOG_*` variable (the image's own mapping, for checks). */
export function catalogPropertyOfEnv(envName: string): string {
  return envName.replace(/^CATALOG_/, '').replace(/__/g, '-').replace(/_/g, '.').toLowerCase();
}

/** Props of `IcebergRestCatalog`. */
export interface IcebergRestCatalogProps extends PlatformComponentProps {
  /**
   * The REST catalog image (reads `CATALOG_*` variables; runs as uid 1000).
   * @default 'docker.io/tabulario/iceberg-rest:1.6.0'
   */
  readonly image?: string;
  /**
   * The warehouse shared with Trino and the compaction job.
   * @default - icebergWarehouse(environment)
   */
  readonly warehouse?: IcebergWarehouse;
  /**
   * The PostgreSQL schema of the catalog tables (`currentSchema` of the JDBC URL), as in the reference pack.
   * @default 'iceberg_catalog'
   */
  readonly databaseSchema?: string;
  /**
   * Where the catalog database's password lives in the secret store. Used when the database's `passwordSecret` is
   * not declared under `external.secrets`: this project introduced that Secret (the reference pack had the password
   * inline), so the catalog generates it with an ExternalSecret instead of assuming someone created it.
   * @default - key `data-platform/<environment>/iceberg-catalog`, property `password`
   */
  readonly databasePasswordRemoteRef?: RemoteRef;
}

/**
 * The Iceberg REST catalog (`iceberg-rest-catalog:8181`): a JDBC catalog on the environment's PostgreSQL,
 * with S3FileIO writing to MinIO (endpoint by FQDN, path-style access, region, keys from the Secret).
 * Every `CATALOG_*` variable is generated from its property name, so the image's name mapping cannot be
 * got wrong (the old `CATALOG_S3_PATH_STYLE_ACCESS` became `s3.path.style.access` and nothing could write).
 * The warehouse bucket is claimed in the graph, so MinIO's bucket Job creates it.
 */
export class IcebergRestCatalog extends PlatformComponent {
  /** The catalog properties as the image will see them (secret values shown as `<secret name/key>`). */
  public readonly properties: Readonly<Record<string, string>>;
  public readonly warehouse: IcebergWarehouse;

  constructor(scope: Construct, id: string, props: IcebergRestCatalogProps) {
    super(scope, id, 'iceberg-rest-catalog', props);
    const env = props.environment;
    const cfg = env.components.iceberg.restCatalog;
    const image = Image.parse(props.image ?? 'docker.io/tabulario/iceberg-rest:1.6.0', this.where('image'));
    this.warehouse = props.warehouse ?? icebergWarehouse(env);
    this.graph.claimBucket({ component: this.component, bucket: this.warehouse.bucket, purpose: 'Iceberg warehouse' });

    const db = env.external.databases[cfg.database];
    if (!db) {
      throw new PlatformConfigError(this.where('components.iceberg.restCatalog.database'), `database '${cfg.database}' is not declared`,
        `declare it under external.databases.${cfg.database} or use one of: ${Object.keys(env.external.databases).join(', ') || '(none declared)'}`);
    }
    const schema = props.databaseSchema ?? 'iceberg_catalog';
    if (!/^[a-z_][a-z0-9_]*$/.test(schema)) {
      throw new PlatformConfigError(this.where('databaseSchema'), `'${schema}' is not a PostgreSQL schema name`, 'use lower-case letters, digits and _');
    }
    const minioSecret = env.components.minio.rootCredentialsSecret;
    const catalog: Record<string, EnvValue> = {
      'catalog-impl': 'org.apache.iceberg.jdbc.JdbcCatalog',
      'uri': `jdbc:postgresql://${this.externalEndpoint(db.service).hostPort}/${db.database}?currentSchema=${schema}`,
      'jdbc.user': db.username,
      'jdbc.password': this.databasePassword(db.passwordSecret, props.databasePasswordRemoteRef, image.tag),
      'warehouse': this.warehouse.location,
      'io-impl': 'org.apache.iceberg.aws.s3.S3FileIO',
      's3.endpoint': this.endpoint(MINIO_SERVICE, 'minio-api').url('http'),
      's3.path-style-access': 'true',
      's3.access-key-id': this.externalSecretKeyRef(minioSecret, 'access-key'),
      's3.secret-access-key': this.externalSecretKeyRef(minioSecret, 'secret-key'),
      'client.region': env.components.minio.region,
    };
    this.properties = Object.fromEntries(Object.entries(catalog).map(([k, v]) =>
      [k, typeof v === 'string' ? v : `<secret ${v.secretKeyRef?.name}/${v.secretKeyRef?.key}>`]));
    const catalogEnv = Object.fromEntries(Object.entries(catalog).map(([k, v]) => [catalogPropertyEnvName(k, this.where('catalog properties')), v]));

    const selector = { app: 'iceberg-rest-catalog' };
    const version = image.tag;
    this.addService(ICEBERG_REST_SERVICE, { selector, role: 'catalog', version });
    const port = 'catalog-api';
    const resources = this.resourcesFor(cfg.resources, 'resources');
    // The image runs `java -jar` with no heap flag, so the JVM (Zulu 17, container-aware) would take its default
    // 25% of the limit; the heap is three quarters of the limit instead, the rest left for metaspace and buffers.
    const heapMiB = Math.floor(toMebibytes(resources.limits.memory) * 0.75);
    this.addDeployment({ name: 'iceberg-rest-catalog', role: 'catalog', version, selector }, {
      replicas: cfg.replicas,
      pod: {
        containers: [{
          name: 'iceberg-rest-catalog',
          image,
          ports: { [port]: ICEBERG_REST_SERVICE.ports[port] },
          env: { ...catalogEnv, REST_PORT: String(ICEBERG_REST_SERVICE.ports[port]), JAVA_TOOL_OPTIONS: `-Xmx${heapMiB}m` },
          resources,
          security: { uid: 1000, gid: 1000 },
          writablePaths: ['/tmp'],
          startupProbe: httpProbe('/v1/config', port, { periodSeconds: 5, timeoutSeconds: 5, failureThreshold: 24 }),
          livenessProbe: httpProbe('/v1/config', port, { periodSeconds: 30, timeoutSeconds: 10, failureThreshold: 3 }),
          readinessProbe: httpProbe('/v1/config', port, { periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 }),
        }],
      },
    });
  }

  /**
   * The password of the catalog database: a declared external Secret as it is, else an ExternalSecret of this
   * component that fills the Secret the database names (issue 14 point 6: every Secret a workload reads is produced by
   * the platform or declared external).
   */
  private databasePassword(secret: { name: string; key: string }, remoteRef: RemoteRef | undefined, version: string): EnvValue {
    if (this.environment.external.secrets[secret.name]) return this.externalSecretKeyRef(secret.name, secret.key);
    const produced = addExternalSecret(this, {
      name: secret.name,
      role: 'catalog',
      version,
      // Filled before the catalog's pods start (they read it at start).
      annotations: { 'argocd.argoproj.io/sync-wave': '-1' },
      data: { [secret.key]: remoteRef ?? { key: `data-platform/${this.environment.name}/iceberg-catalog`, property: 'password' } },
    });
    return this.secretKeyRef(produced, secret.key);
  }
}
