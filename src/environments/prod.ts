import { BASE, baseExternal } from './base';
import type { EnvironmentInput } from './schema';

/** Production: full scale. */
export const prod: EnvironmentInput = {
  ...BASE,
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
    datahub: { enabled: false },
    doris: { enabled: false },
    grafana: { storage: '10Gi' },
    logging: { loki: { storage: '20Gi', retention: '336h' }, fluentBit: { extraNamespaces: ['monitoring', 'velero', 'victoria-metrics'] } },
    backup: { ttl: '720h0m0s' },
  },
};
