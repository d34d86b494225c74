import * as z from 'zod';
import { quantity, replicas, resourceSpec } from '../../core/schema';

/** Environment values of the DolphinScheduler stack. */
export const dolphinSchedulerConfig = z.strictObject({
  /** Whether the DolphinScheduler stack is synthesized (false: none of its objects are written). */
  enabled: z.boolean().default(true),
  /** Pods per server (0 stops a server without removing its objects). */
  replicas: z.strictObject({
    /** API server pods (UI and REST API). */
    api: replicas.default(1),
    /** Master server pods (scheduling). */
    master: replicas.default(1),
    /** Worker server pods (running tasks). */
    worker: replicas.default(1),
    /** Alert server pods. */
    alert: replicas.default(1),
  }).prefault({}),
  /** Requests and limits per server: a preset name or written out (the JVM heaps follow the memory limit). */
  resources: z.strictObject({
    /** Of the API server. */
    api: resourceSpec.default('medium'),
    /** Of the master server. */
    master: resourceSpec.default('medium'),
    /** Of the worker server. */
    worker: resourceSpec.default('medium'),
    /** Of the alert server. */
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
  /** The schema Job (a PreSync hook: guard, upstream `upgrade-schema.sh`, finish). */
  schema: z.strictObject({
    /**
     * Migrate a database made by the old charts' hand-written init Job (DolphinScheduler tables, no
     * `t_ds_version`) into the pinned schema, keeping every row: the guard moves those tables into the schema
     * `ds_legacy_handmade`, the upstream tool installs, the finish step copies the rows back and keeps the old
     * tables as `ds_legacy_handmade_copied`. Without it such a database is refused and nothing is changed.
     * Set it for one sync, with the old servers scaled to 0 and a pg_dump taken; then remove it.
     */
    migrateHandMadeSchema: z.boolean().default(false),
  }).prefault({}),
  /**
   * Ephemeral storage of each worker (task working directories under /tmp and the writable root filesystem
   * where tasks run); the kubelet evicts a worker above the limit instead of letting it fill the node's disk.
   */
  workerEphemeralStorage: z.strictObject({
    /** The ephemeral-storage request of each worker. */
    request: quantity.default('2Gi'),
    /** The ephemeral-storage limit of each worker (eviction above it). */
    limit: quantity.default('20Gi'),
  }).prefault({}),
});
// Generated from `dolphinSchedulerConfig` with its TSDoc (`npm run config-types`); equal to `z.infer<typeof dolphinSchedulerConfig>`.
export type { DolphinSchedulerConfig } from '../../config/types.generated';
