import type { EnvironmentInput } from '../config/schema';

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
      // The Kubernetes API, as Fluent Bit's kubernetes filter reaches it.
      'kubernetes-api': { service: 'kubernetes', namespace: 'default', port: 443 },
    },
    secrets: {
      'postgres-workflow-secret': { keys: ['password'] },
      'minio-secret': { keys: ['access-key', 'secret-key'] },
      // The Iceberg REST catalog's metadata DB password (the reference pack had it inline in the Deployment).
      'iceberg-catalog-db-secret': { keys: ['password'] },
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
      // The Iceberg REST catalog's JDBC metadata store (reference: iceberg-rest.yaml, database iceberg_rest).
      iceberg: {
        service: 'postgres-shared',
        database: 'iceberg_rest',
        username: 'iceberg_user',
        passwordSecret: { name: 'iceberg-catalog-db-secret', key: 'password' },
      },
    },
  };
}
