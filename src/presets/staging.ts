import { defineEnvironment } from '../core/define-environment';
import { BASE, baseExternal, minioWithoutOffClusterCopy } from './base';
import type { EnvironmentInput } from '../config/schema';

/** Staging: mirrors production at a smaller scale. */
export const staging: EnvironmentInput = defineEnvironment(BASE, {
  name: 'staging',
  namespace: 'data-platform-staging',
  domain: 'staging.254carbon.com',
  sharedObjectSuffix: '-staging',
  external: {
    ...baseExternal('-staging'),
    // oauth2-proxy at auth.staging.254carbon.com (not deployed here), run with --set-xauthrequest.
    authProxy: {
      implementation: 'oauth2-proxy',
      setXAuthRequest: true,
      authUrl: 'https://auth.staging.254carbon.com/oauth2/auth',
      signinUrl: 'https://auth.staging.254carbon.com/oauth2/start?rd=https://$host$escaped_request_uri',
      loginHeader: 'X-Auth-Request-Email',
    },
  },
  // Prod's `namespaces` Application owns the shared namespaces (see dev.ts).
  gitops: { ownSharedNamespaces: false },
  components: {
    zookeeper: { replicas: 1, storage: { data: '5Gi', datalog: '2Gi' } },
    dolphinscheduler: { replicas: { api: 2, master: 1, worker: 2, alert: 1 } },
    // The legacy server's claim as the umbrella chart rendered it in every environment (data-lake minio.yaml: 50Gi).
    minio: { storage: '20Gi', migration: { legacyStorage: '50Gi' } },
    trino: { replicas: { coordinator: 1, worker: 2 }, catalogs: { postgresql: { 'postgres-workflow': 'workflow' } } },
    redis: { auth: { enabled: true } },
    superset: { replicas: { web: 1, worker: 1, beat: 1 } },
    portalServices: { autoscaling: { minReplicas: 2, maxReplicas: 3 }, cloudflareAccess: true },
    apiGateway: { replicas: 1 },
    policies: {
      validationFailureAction: 'Audit',
      librarySets: ['best-practices', 'pod-security-baseline', 'pod-security-restricted'],
      // Checked at synth against what the platform's pods can demand at once, with ~25% room for the namespace's
      // other pods (the PostgreSQL servers).
      quota: { requests: { cpu: '18', memory: '44Gi' }, limits: { cpu: '52', memory: '112Gi' }, pods: 50, persistentVolumeClaims: 10, requestsStorage: '120Gi' },
      limitRange: { defaultRequest: { cpu: '100m', memory: '128Mi' }, default: { cpu: '500m', memory: '512Mi' }, max: { cpu: '4', memory: '8Gi' } },
    },
    datahub: { enabled: false },
    doris: { enabled: false },
    grafana: { adminPasswordSecret: { name: 'grafana-secret-staging', key: 'admin-password' }, storage: '5Gi' },
    logging: { loki: { storage: '10Gi', retention: '168h' } },
    backup: { ttl: '168h0m0s', credentialsSecret: { name: 'minio-credentials-staging', key: 'cloud' }, unprotectedVolumes: minioWithoutOffClusterCopy('data-platform-staging') },
    // Published through the Cloudflare tunnel to ingress-nginx (plain HTTP inside: no HTTPS redirect), certificates
    // from cert-manager, single sign-on through the declared auth proxy (external.authProxy).
    ingress: {
      tls: { clusterIssuer: 'letsencrypt-prod' },
      sslRedirect: false,
      singleSignOn: true,
    },
    networkPolicies: { defaultDeny: true },
  },
});
