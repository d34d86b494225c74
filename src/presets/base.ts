import type { EnvironmentInput } from '../config/schema';

/**
 * The repository of the reference Applications (`k8s/gitops/argocd-applications.yaml`), allowed by the
 * `production` AppProject. Only the organisation's presets use it (as `gitops.repoURL`); a consumer whose
 * `charts-out/` lives elsewhere names its own repository (the schema has no default).
 */
export const REFERENCE_REPO_URL = 'https://github.com/254CARBON/HMCo.git';

/** What every environment shares (the umbrella chart's global values). */
export const BASE: Omit<EnvironmentInput, 'name' | 'namespace' | 'domain'> = {
  storageClass: 'local-path',
  imagePullPolicy: 'IfNotPresent',
  imagePullSecrets: [],
  resourcePresets: {
    small: { requests: { cpu: '200m', memory: '512Mi' }, limits: { cpu: '500m', memory: '1Gi' } },
    medium: { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '2000m', memory: '4Gi' } },
    large: { requests: { cpu: '2000m', memory: '4Gi' }, limits: { cpu: '4000m', memory: '8Gi' } },
  },
  gitops: { repoURL: REFERENCE_REPO_URL },
};

/**
 * The external dependencies every environment declares today (PostgreSQL, the cluster's Prometheus and API
 * server, and the Secrets made outside this project). `sharedSuffix` is the environment's
 * `sharedObjectSuffix`: Secrets in namespaces all environments share carry it in their names.
 */
export function baseExternal(sharedSuffix = ''): NonNullable<EnvironmentInput['external']> {
  return {
    services: {
      'postgres-workflow': { service: 'postgres-workflow-service', port: 5432 },
      'postgres-shared': { service: 'postgres-shared-service', port: 5432 },
      // The cluster's Prometheus (kube-prometheus-stack, release `kube-prometheus-stack`); not deployed here.
      'prometheus': { service: 'kube-prometheus-stack-prometheus', namespace: 'monitoring', port: 9090 },
      // Its Alertmanager (same release): Loki's ruler sends the log alerts there.
      'alertmanager': { service: 'kube-prometheus-stack-alertmanager', namespace: 'monitoring', port: 9093 },
      // The Kubernetes API, as Fluent Bit's kubernetes filter reaches it.
      'kubernetes-api': { service: 'kubernetes', namespace: 'default', port: 443 },
    },
    secrets: {
      'postgres-workflow-secret': { keys: ['password'] },
      'minio-secret': { keys: ['access-key', 'secret-key'] },
      [`grafana-secret${sharedSuffix}`]: { namespace: 'monitoring', keys: ['admin-password'] },
      // Velero's AWS-format credentials file for the environment's MinIO (`[default]` access/secret key).
      [`minio-credentials${sharedSuffix}`]: { namespace: 'velero', keys: ['cloud'] },
    },
    databases: {
      workflow: {
        service: 'postgres-workflow',
        database: 'dolphinscheduler',
        username: 'dolphinscheduler',
        passwordSecret: { name: 'postgres-workflow-secret', key: 'password' },
      },
      // The Iceberg REST catalog's JDBC metadata store (reference: iceberg-rest.yaml, database iceberg_rest). The
      // password Secret is not external: the reference pack had the password inline, this project introduced the
      // Secret, so the REST catalog generates it (ExternalSecret from data-platform/<env>/iceberg-catalog).
      iceberg: {
        service: 'postgres-shared',
        database: 'iceberg_rest',
        username: 'iceberg_user',
        passwordSecret: { name: 'iceberg-catalog-db-secret', key: 'password' },
      },
    },
  };
}

/**
 * The MinIO volumes of an environment whose backups go to that same MinIO (`components.backup.target`
 * `in-cluster-minio`): nothing outside the cluster holds a copy of the lake. Accepted explicitly, so the backup
 * inventory lists them as unprotected instead of failing the synth; declare an off-cluster S3 target to protect them.
 */
export function minioWithoutOffClusterCopy(namespace: string): Record<string, string> {
  const reason = 'no off-cluster S3 store is declared yet: the lake and the backups share the one MinIO volume';
  return { [`${namespace}/minio-data-minio-0`]: reason, [`${namespace}/data-minio-v2-0`]: reason };
}
