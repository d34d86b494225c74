import { BASE, baseExternal } from './base';
import type { EnvironmentInput } from './schema';

/** Production: full scale. */
export const prod: EnvironmentInput = {
  ...BASE,
  name: 'prod',
  namespace: 'data-platform',
  domain: '254carbon.com',
  external: baseExternal(),
  components: {
    zookeeper: { replicas: 1, storage: { data: '5Gi', datalog: '2Gi' } },
    dolphinscheduler: {
      replicas: { api: 3, master: 1, worker: 6, alert: 1 },
      resources: { worker: 'large' },
    },
    minio: { storage: '50Gi' },
    policies: { validationFailureAction: 'Audit', librarySets: ['best-practices', 'pod-security-baseline', 'pod-security-restricted'] },
    datahub: { enabled: false },
    doris: { enabled: false },
  },
};
