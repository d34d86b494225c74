import { BASE, baseExternal } from './base';
import type { EnvironmentInput } from './schema';

/** Staging: mirrors production at a smaller scale. */
export const staging: EnvironmentInput = {
  ...BASE,
  name: 'staging',
  namespace: 'data-platform-staging',
  domain: 'staging.254carbon.com',
  external: baseExternal(),
  gitops: { nameSuffix: '-staging' },
  components: {
    zookeeper: { replicas: 1, storage: { data: '5Gi', datalog: '2Gi' } },
    dolphinscheduler: { replicas: { api: 2, master: 1, worker: 2, alert: 1 } },
    minio: { storage: '20Gi' },
    datahub: { enabled: false },
    doris: { enabled: false },
  },
};
