import * as z from 'zod';
import { quantity, replicas, resourceSpec } from '../../core/schema';

/** The reference pack's Trino container resources (trino.yaml). */
const REFERENCE_RESOURCES = { requests: { cpu: '500m', memory: '2Gi' }, limits: { cpu: '1000m', memory: '4Gi' } };

const percent = (min: number, max: number) => z.number().int({ message: 'a whole percentage' }).min(min).max(max);

/** Environment values of Trino. */
export const trinoConfig = z.strictObject({
  /** Whether Trino is synthesized (false: none of its objects are written). */
  enabled: z.boolean().default(true),
  /** Pods per role. */
  replicas: z.strictObject({
    /** Trino runs exactly one coordinator. */
    coordinator: z.literal(1, { message: 'Trino runs exactly one coordinator; keep replicas.coordinator at 1' }).default(1),
    /** Worker pods (0: the coordinator also schedules work). */
    worker: replicas.default(1),
  }).prefault({}),
  /** Requests and limits per role (the reference pack's trino.yaml); the JVM and query memory follow the memory limit. */
  resources: z.strictObject({
    /** Of the coordinator. */
    coordinator: resourceSpec.default(REFERENCE_RESOURCES),
    /** Of each worker. */
    worker: resourceSpec.default(REFERENCE_RESOURCES),
  }).prefault({}),
  /** JVM and query memory, derived from each container's memory limit. */
  memory: z.strictObject({
    /** The heap (-Xmx) as a share of the memory limit, unless `heap` sets it. */
    heapPercent: percent(10, 95).default(75),
    /** Explicit heaps per role (must stay below the limit). */
    heap: z.strictObject({
      /**
       * The coordinator's heap, e.g. `3Gi`.
       * @default - `heapPercent` of the coordinator's memory limit
       */
      coordinator: quantity.optional(),
      /**
       * Each worker's heap, e.g. `3Gi`.
       * @default - `heapPercent` of the worker's memory limit
       */
      worker: quantity.optional(),
    }).prefault({}),
    /** query.max-memory-per-node as a share of the heap. */
    queryMaxMemoryPerNodePercent: percent(1, 99).default(50),
    /** memory.heap-headroom-per-node as a share of the heap. */
    heapHeadroomPercent: percent(1, 99).default(30),
  }).prefault({}),
  /** Catalogs besides the Iceberg lake. */
  catalogs: z.strictObject({
    /** PostgreSQL catalogs: catalog name → id of a database under `external.databases`. */
    postgresql: z.record(z.string().regex(/^[a-z][a-z0-9_]*(-[a-z0-9_]+)*$/, { message: "not a catalog name; use lower-case letters, digits, '_' and '-'" }), z.string()).default({}),
  }).prefault({}),
});
// Generated from `trinoConfig` with its TSDoc (`npm run config-types`); equal to `z.infer<typeof trinoConfig>`.
export type { TrinoConfig } from '../../config/types.generated';
