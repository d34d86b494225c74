import { z } from 'zod';
import { replicas, resourceSpec } from '../../core/schema';

/** Environment values of the DolphinScheduler stack. */
export const dolphinSchedulerConfig = z.strictObject({
  enabled: z.boolean().default(true),
  replicas: z.strictObject({
    api: replicas.default(1),
    master: replicas.default(1),
    worker: replicas.default(1),
    alert: replicas.default(1),
  }).prefault({}),
  resources: z.strictObject({
    api: resourceSpec.default('medium'),
    master: resourceSpec.default('medium'),
    worker: resourceSpec.default('medium'),
    alert: resourceSpec.default('small'),
  }).prefault({}),
  /** The id of the PostgreSQL database (a key of `external.databases`). */
  database: z.string().default('workflow'),
  /** Time zone of the servers and of the schedules they display. */
  timezone: z.string().min(1).default('UTC'),
  /** Worker task threads (`WORKER_EXEC_THREADS`). */
  workerExecThreads: z.number().int().min(1).max(512).default(32),
  /** Master execution threads (`MASTER_EXEC_THREADS`). */
  masterExecThreads: z.number().int().min(1).max(1024).default(100),
});
export type DolphinSchedulerConfig = z.infer<typeof dolphinSchedulerConfig>;
