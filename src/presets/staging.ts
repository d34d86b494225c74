import { defineEnvironment } from '../core/define-environment';
import { BASE, baseExternal, minioWithoutOffClusterCopy } from './base';
import type { EnvironmentInput } from '../config/schema';

/** Staging: mirrors production at a smaller scale. */
export const staging: EnvironmentInput = defineEnvironment(BASE, {
  name: 'staging',
  namespace: 'data-platform-staging',
  domain: 'staging.254carbon.com',
  sharedObjectSuffix: '-staging',
  external: baseExternal('-staging'),
  components: {
    zookeeper: { replicas: 1, storage: { data: '5Gi', datalog: '2Gi' } },
    dolphinscheduler: { replicas: { api: 2, master: 1, worker: 2, alert: 1 } },
    minio: { storage: '20Gi' },
    trino: { replicas: { coordinator: 1, worker: 2 }, catalogs: { postgresql: { 'postgres-workflow': 'workflow' } } },
    redis: { auth: { enabled: true } },
    superset: { replicas: { web: 1, worker: 1, beat: 1 } },
    portalServices: { autoscaling: { minReplicas: 2, maxReplicas: 3 }, cloudflareAccess: true },
    apiGateway: { replicas: 1 },
    policies: { validationFailureAction: 'Audit', librarySets: ['best-practices', 'pod-security-baseline', 'pod-security-restricted'] },
    datahub: { enabled: false },
    doris: { enabled: false },
    grafana: { adminPasswordSecret: { name: 'grafana-secret-staging', key: 'admin-password' }, storage: '5Gi' },
    logging: { loki: { storage: '10Gi', retention: '168h' } },
    backup: { ttl: '168h0m0s', credentialsSecret: { name: 'minio-credentials-staging', key: 'cloud' }, unprotectedVolumes: minioWithoutOffClusterCopy('data-platform-staging') },
    // Published through the Cloudflare tunnel to ingress-nginx (plain HTTP inside: no HTTPS redirect), certificates
    // from cert-manager, single sign-on by ingress-nginx external authentication that returns the user in X-WEBAUTH-USER.
    ingress: {
      tls: { clusterIssuer: 'letsencrypt-prod' },
      sslRedirect: false,
      singleSignOn: {
        authUrl: 'https://auth.staging.254carbon.com/oauth2/auth',
        signinUrl: 'https://auth.staging.254carbon.com/oauth2/start?rd=https://$host$escaped_request_uri',
        responseHeaders: ['X-WEBAUTH-USER', 'X-WEBAUTH-EMAIL'],
      },
    },
    networkPolicies: { defaultDeny: true },
  },
});
