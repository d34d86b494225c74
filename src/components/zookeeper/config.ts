import * as z from 'zod';
import { resourceSpec, storageSize } from '../../core/schema';

/** Environment values of ZooKeeper. */
export const zookeeperConfig = z.strictObject({
  /** Whether ZooKeeper is synthesized (false: none of its objects are written). */
  enabled: z.boolean().default(true),
  /** Ensemble size: 1 (standalone) or an odd number, so that a quorum exists. */
  replicas: z.number().int().min(1).refine((n) => n === 1 || n % 2 === 1, {
    message: 'a ZooKeeper ensemble needs an odd number of servers for a quorum; use 1, 3 or 5',
  }).default(1),
  /** Requests and limits of each server: a preset name or written out. */
  resources: resourceSpec.default('small'),
  /** The persistent volumes of each server. */
  storage: z.strictObject({
    /** The snapshot volume (`dataDir`). */
    data: storageSize.default('5Gi'),
    /** The transaction log volume (`dataLogDir`). */
    datalog: storageSize.default('2Gi'),
  }).prefault({}),
});
// Generated from `zookeeperConfig` with its TSDoc (`npm run config-types`); equal to `z.infer<typeof zookeeperConfig>`.
export type { ZooKeeperConfig } from '../../config/types.generated';
