import { z } from 'zod';
import { resourceSpec, storageSize } from '../../core/schema';

/** Environment values of ZooKeeper. */
export const zookeeperConfig = z.strictObject({
  enabled: z.boolean().default(true),
  /** Ensemble size: 1 (standalone) or an odd number, so that a quorum exists. */
  replicas: z.number().int().min(1).refine((n) => n === 1 || n % 2 === 1, {
    message: 'a ZooKeeper ensemble needs an odd number of servers for a quorum; use 1, 3 or 5',
  }).default(1),
  resources: resourceSpec.default('small'),
  storage: z.strictObject({ data: storageSize.default('5Gi'), datalog: storageSize.default('2Gi') }).prefault({}),
});
export type ZooKeeperConfig = z.infer<typeof zookeeperConfig>;
