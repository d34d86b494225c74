import * as z from 'zod';
import { cronProblem } from '../../core/cron';
import { replicas, resourceSpec } from '../../core/schema';

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Environment values of the Iceberg lake: the warehouse, the REST catalog and the compaction job. */
export const icebergConfig = z.strictObject({
  /** The one warehouse location Trino, the REST catalog and the compaction job share. */
  warehouse: z.strictObject({
    /** The MinIO bucket (created by MinIO's bucket Job, claimed by the REST catalog). */
    bucket: z.string().regex(BUCKET, { message: 'not an S3 bucket name; use 3-63 lower-case letters, digits, dots and hyphens' }).default('iceberg-warehouse'),
    /** A path inside the bucket ('' for the bucket root). */
    prefix: z.string().regex(/^([a-z0-9._-]+\/)*([a-z0-9._-]+)?$/, { message: "not a relative path; use e.g. 'lake' or 'lake/v1'" }).default(''),
  }).prefault({}),
  /** The Iceberg REST catalog that Trino and the compaction job use. */
  restCatalog: z.strictObject({
    /** Whether the REST catalog is synthesized. */
    enabled: z.boolean().default(true),
    /** REST catalog pods. */
    replicas: replicas.default(1),
    /** The reference pack's iceberg-rest-catalog resources. */
    resources: resourceSpec.default({ requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '750m', memory: '1536Mi' } }),
    /** The id of the catalog's metadata database under `external.databases`. */
    database: z.string().default('iceberg'),
  }).prefault({}),
  /** The CronJob that compacts the lake's tables (rewrites small files, expires snapshots). */
  compaction: z.strictObject({
    /** Whether the compaction CronJob is synthesized. */
    enabled: z.boolean().default(true),
    /** Cron schedule (default daily at 02:00). */
    schedule: z.string().refine((s) => cronProblem(s) === undefined, { message: "not a valid cron schedule; write five fields 'minute hour day-of-month month day-of-week', e.g. '0 2 * * *'" }).default('0 2 * * *'),
    /** The time zone of the schedule. */
    timeZone: z.string().min(1).default('Etc/UTC'),
    /** Requests and limits of the compaction container: a preset name or written out. */
    resources: resourceSpec.default('medium'),
  }).prefault({}),
});
// Generated from `icebergConfig` with its TSDoc (`npm run config-types`); equal to `z.infer<typeof icebergConfig>`.
export type { IcebergConfig } from '../../config/types.generated';
