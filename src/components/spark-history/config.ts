import * as z from 'zod';
import { resourceSpec } from '../../core/schema';

/** Environment values of the Spark History Server. */
export const sparkHistoryConfig = z.strictObject({
  /** Whether the Spark History Server is synthesized (false: none of its objects are written). */
  enabled: z.boolean().default(true),
  /** Requests and limits: a preset name or written out. */
  resources: resourceSpec.default({ requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1000m', memory: '2Gi' } }),
  /** The MinIO bucket Spark applications write their event logs to (`spark.eventLog.dir s3a://<bucket>/`). */
  eventLogBucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, { message: 'not an S3 bucket name; use 3-63 lower-case letters, digits, dots and hyphens' }).default('spark-logs'),
  /** Event logs older than this are deleted by the history server's cleaner. */
  cleanerMaxAge: z.string().regex(/^\d+[smhd]$/, { message: "not a Spark duration; write e.g. '7d'" }).default('7d'),
});
// Generated from `sparkHistoryConfig` with its TSDoc (`npm run config-types`); equal to `z.infer<typeof sparkHistoryConfig>`.
export type { SparkHistoryConfig } from '../../config/types.generated';
