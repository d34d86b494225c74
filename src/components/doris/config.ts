import * as z from 'zod';
import { explicitResources, storageSize } from '../../core/schema';

/** Doris needs about 8 cores and 8 GiB per FE and BE (doris-operator README). */
const DORIS_NODE = { requests: { cpu: '8', memory: '8Gi' }, limits: { cpu: '8', memory: '8Gi' } };

const dorisRole = (storage: string) => z.strictObject({
  /** Pods of this role. */
  replicas: z.number().int().min(1).default(3),
  /** Requests and limits of each pod, written out (Doris needs about 8 cores and 8 GiB). */
  resources: explicitResources.default(DORIS_NODE),
  /** The persistent volume of each pod. */
  storage: storageSize.default(storage),
}).prefault({});

/** Environment values of Doris (a DorisCluster for the Doris Operator; off unless switched on). */
export const dorisConfig = z.strictObject({
  /** Off everywhere by default: the old hand-written FE image lacked its start script. */
  enabled: z.boolean().default(false),
  /**
   * Set to true once the Doris Operator and its `dorisclusters.doris.selectdb.com` CRD are installed in the
   * cluster; enabling Doris without it fails the synth (nothing would reconcile the DorisCluster).
   */
  operatorInstalled: z.boolean().default(false),
  /** The Doris version of the FE and BE images (`apache/doris:fe-<v>`, `be-<v>`). */
  version: z.string().regex(/^\d+\.\d+\.\d+$/).default('2.1.8'),
  /** The frontends (metadata, query planning). */
  fe: dorisRole('10Gi'),
  /** The backends (storage and query execution). */
  be: dorisRole('50Gi'),
});
// Generated from `dorisConfig` with its TSDoc (`npm run config-types`); equal to `z.infer<typeof dorisConfig>`.
export type { DorisConfig } from '../../config/types.generated';
