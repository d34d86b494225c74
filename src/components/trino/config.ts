import { z } from 'zod';
import { quantity, replicas, resourceSpec } from '../../core/schema';

/** The reference pack's Trino container resources (trino.yaml). */
const REFERENCE_RESOURCES = { requests: { cpu: '500m', memory: '2Gi' }, limits: { cpu: '1000m', memory: '4Gi' } };

const percent = (min: number, max: number) => z.number().int({ message: 'a whole percentage' }).min(min).max(max);

/** Environment values of Trino. */
export const trinoConfig = z.strictObject({
  enabled: z.boolean().default(true),
  replicas: z.strictObject({
    /** Trino runs exactly one coordinator. */
    coordinator: z.literal(1, { message: 'Trino runs exactly one coordinator; keep replicas.coordinator at 1' }).default(1),
    /** Worker pods (0: the coordinator also schedules work). */
    worker: replicas.default(1),
  }).prefault({}),
  resources: z.strictObject({
    coordinator: resourceSpec.default(REFERENCE_RESOURCES),
    worker: resourceSpec.default(REFERENCE_RESOURCES),
  }).prefault({}),
  /** JVM and query memory, derived from each container's memory limit. */
  memory: z.strictObject({
    /** The heap (-Xmx) as a share of the memory limit, unless `heap` sets it. */
    heapPercent: percent(10, 95).default(75),
    /** Explicit heaps per role (must stay below the limit). */
    heap: z.strictObject({ coordinator: quantity.optional(), worker: quantity.optional() }).prefault({}),
    /** query.max-memory-per-node as a share of the heap. */
    queryMaxMemoryPerNodePercent: percent(1, 99).default(50),
    /** memory.heap-headroom-per-node as a share of the heap. */
    heapHeadroomPercent: percent(1, 99).default(30),
  }).prefault({}),
  catalogs: z.strictObject({
    /** PostgreSQL catalogs: catalog name → id of a database under `external.databases`. */
    postgresql: z.record(z.string().regex(/^[a-z][a-z0-9_]*(-[a-z0-9_]+)*$/, { message: "not a catalog name; use lower-case letters, digits, '_' and '-'" }), z.string()).default({}),
  }).prefault({}),
});
export type TrinoConfig = z.infer<typeof trinoConfig>;
