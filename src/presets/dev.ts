import { defineEnvironment } from '../core/define-environment';
import { BASE, baseExternal, minioWithoutOffClusterCopy } from './base';
import type { EnvironmentInput } from '../config/schema';

/** Development: one of everything, small volumes. */
export const dev: EnvironmentInput = defineEnvironment(BASE, {
  name: 'dev',
  namespace: 'data-platform-dev',
  domain: 'dev.254carbon.local',
  sharedObjectSuffix: '-dev',
  external: baseExternal('-dev'),
  // One cluster and one Argo CD serve every environment: prod's `namespaces` Application owns the shared
  // namespaces (monitoring, velero, victoria-metrics); exactly one environment may.
  gitops: { ownSharedNamespaces: false },
  components: {
    // The claim sizes of the live StatefulSet (k8s/zookeeper: 5Gi/2Gi): claim templates cannot change in place.
    zookeeper: { replicas: 1, storage: { data: '5Gi', datalog: '2Gi' } },
    dolphinscheduler: { replicas: { api: 1, master: 1, worker: 1, alert: 1 }, resources: { api: 'small', master: 'small', worker: 'small' } },
    // The legacy server's claim as the umbrella chart rendered it in every environment (data-lake minio.yaml: 50Gi).
    minio: { storage: '10Gi', resources: 'small', migration: { legacyStorage: '50Gi' } },
    trino: { replicas: { coordinator: 1, worker: 1 }, catalogs: { postgresql: { 'postgres-workflow': 'workflow' } } },
    iceberg: { compaction: { resources: 'small' } },
    redis: { auth: { enabled: false } },
    // No ingress (and so no single sign-on) in dev: Superset uses its login form instead of the header login.
    superset: { replicas: { web: 1, worker: 1, beat: 1 }, remoteUserAuth: false },
    portalServices: { replicas: 1 },
    apiGateway: { replicas: 1 },
    policies: {
      validationFailureAction: 'Audit',
      librarySets: ['best-practices', 'pod-security-baseline', 'pod-security-restricted'],
      // Checked at synth against what the platform's pods can demand at once, with ~25% room for the namespace's
      // other pods (the PostgreSQL servers).
      quota: { requests: { cpu: '12', memory: '32Gi' }, limits: { cpu: '30', memory: '64Gi' }, pods: 45, persistentVolumeClaims: 10, requestsStorage: '80Gi' },
      limitRange: { defaultRequest: { cpu: '100m', memory: '128Mi' }, default: { cpu: '500m', memory: '512Mi' }, max: { cpu: '4', memory: '8Gi' } },
    },
    datahub: { enabled: false },
    doris: { enabled: false },
    grafana: { adminPasswordSecret: { name: 'grafana-secret-dev', key: 'admin-password' }, storage: '2Gi' },
    logging: { loki: { storage: '5Gi', retention: '72h' } },
    backup: { ttl: '72h0m0s', credentialsSecret: { name: 'minio-credentials-dev', key: 'cloud' }, unprotectedVolumes: minioWithoutOffClusterCopy('data-platform-dev') },
    // dev.254carbon.local is not published: no Ingress; the policies apply as everywhere.
    ingress: { enabled: false },
    networkPolicies: { defaultDeny: true },
  },
});
