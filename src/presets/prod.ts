import { defineEnvironment } from '../core/define-environment';
import { BASE, baseExternal, minioWithoutOffClusterCopy } from './base';
import type { EnvironmentInput } from '../config/schema';

/** Production: full scale. */
export const prod: EnvironmentInput = defineEnvironment(BASE, {
  name: 'prod',
  namespace: 'data-platform',
  domain: '254carbon.com',
  sharedObjectSuffix: '',
  external: baseExternal(),
  components: {
    zookeeper: { replicas: 1, storage: { data: '5Gi', datalog: '2Gi' } },
    dolphinscheduler: {
      replicas: { api: 3, master: 1, worker: 6, alert: 1 },
      resources: { worker: 'large' },
    },
    minio: { storage: '50Gi' },
    trino: {
      replicas: { coordinator: 1, worker: 3 },
      // values/prod.yaml trino.resources
      resources: {
        coordinator: { requests: { cpu: '2000m', memory: '8Gi' }, limits: { cpu: '4000m', memory: '16Gi' } },
        worker: { requests: { cpu: '4000m', memory: '16Gi' }, limits: { cpu: '8000m', memory: '32Gi' } },
      },
      catalogs: { postgresql: { 'postgres-workflow': 'workflow' } },
    },
    redis: { auth: { enabled: true } },
    superset: { replicas: { web: 2, worker: 2, beat: 1 } },
    portalServices: { autoscaling: { minReplicas: 2, maxReplicas: 5, targetCpuUtilization: 70 }, cloudflareAccess: true },
    apiGateway: { replicas: 2 },
    policies: { validationFailureAction: 'Audit', librarySets: ['best-practices', 'pod-security-baseline', 'pod-security-restricted'] },
    datahub: { enabled: false },
    doris: { enabled: false },
    grafana: { storage: '10Gi' },
    logging: { loki: { storage: '20Gi', retention: '336h' }, fluentBit: { extraNamespaces: ['monitoring', 'velero', 'victoria-metrics'] } },
    backup: { ttl: '720h0m0s', unprotectedVolumes: minioWithoutOffClusterCopy('data-platform') },
    // Published through the Cloudflare tunnel to ingress-nginx (plain HTTP inside: no HTTPS redirect), certificates
    // from cert-manager, single sign-on by ingress-nginx external authentication that returns the user in X-WEBAUTH-USER.
    ingress: {
      tls: { clusterIssuer: 'letsencrypt-prod' },
      sslRedirect: false,
      singleSignOn: {
        authUrl: 'https://auth.254carbon.com/oauth2/auth',
        signinUrl: 'https://auth.254carbon.com/oauth2/start?rd=https://$host$escaped_request_uri',
        responseHeaders: ['X-WEBAUTH-USER', 'X-WEBAUTH-EMAIL'],
      },
    },
    networkPolicies: { defaultDeny: true },
  },
});
