import { BASE, baseExternal } from './base';
import type { EnvironmentInput } from './schema';

/** Development: one of everything, small volumes. */
export const dev: EnvironmentInput = {
  ...BASE,
  name: 'dev',
  namespace: 'data-platform-dev',
  domain: 'dev.254carbon.local',
  external: baseExternal(),
  gitops: { nameSuffix: '-dev' },
  components: {
    zookeeper: { replicas: 1, storage: { data: '1Gi', datalog: '1Gi' } },
    dolphinscheduler: { replicas: { api: 1, master: 1, worker: 1, alert: 1 }, resources: { api: 'small', master: 'small', worker: 'small' } },
    minio: { storage: '10Gi', resources: 'small' },
    datahub: { enabled: false },
    doris: { enabled: false },
  },
};
