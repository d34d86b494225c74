import * as z from 'zod';
import { resourceSpec, storageSize } from '../../core/schema';
import { MIGRATION_PHASES } from './migration';

/** The live server's image (the reference pack): the last release this project runs on the legacy FS volume. */
export const MINIO_LEGACY_IMAGE = 'quay.io/minio/minio:RELEASE.2022-02-16T00-35-27Z';

/**
 * The lake migration from the live legacy server (StatefulSet `minio`, FS-format volume `minio-data-minio-0`) to
 * the current server (StatefulSet `minio-v2` on new claims). Steps in the README ("MinIO: moving the lake").
 */
export const minioMigrationConfig = z.strictObject({
  /**
   * - `legacy`: only the live server, kept exactly as it runs (nothing new starts, nothing touches its volume);
   * - `mirror`: plus `minio-v2` on a new claim and the Job `minio-migrate`, which mirrors every bucket old → new and
   *   verifies; clients still use the old server;
   * - `verified`: writers stopped; the Job only verifies (object counts and bytes per bucket) and fails on a difference;
   * - `switched`: `minio-service`, `minio-console` and `minio-headless` select the new server; the old one keeps
   *   running, unchanged, for the rollback (set `verified` again);
   * - `done`: the old StatefulSet is no longer written (Argo CD keeps it: Prune=false); delete it by hand.
   * A new environment without a legacy server starts at `done`.
   */
  phase: z.enum(MIGRATION_PHASES).default('legacy'),
  /** The image of the legacy server (as live; changing it would restart the old server). */
  legacyImage: z.string().min(1).default(MINIO_LEGACY_IMAGE),
  /**
   * The size of the legacy claim as live (its volumeClaimTemplate must not change).
   * @default - `components.minio.storage`
   */
  legacyStorage: storageSize.optional(),
  /**
   * How long the migration Job may run (mirror of the whole lake).
   * @default 21600 (6 h)
   */
  activeDeadlineSeconds: z.number().int().min(600).default(21600),
});
// Generated from `minioMigrationConfig` with its TSDoc (`npm run config-types`); equal to `z.infer<typeof minioMigrationConfig>`.
export type { MinioMigrationConfig } from '../../config/types.generated';

/** Environment values of MinIO. */
export const minioConfig = z.strictObject({
  /** Whether MinIO is synthesized (false: none of its objects are written). */
  enabled: z.boolean().default(true),
  /** The size of the data volume. */
  storage: storageSize.default('50Gi'),
  /** Requests and limits of the MinIO server: a preset name or written out. */
  resources: resourceSpec.default('medium'),
  /** The Secret (a key of `external.secrets`) holding the root credentials under `access-key` and `secret-key`. */
  rootCredentialsSecret: z.string().default('minio-secret'),
  /** The S3 region name MinIO answers to. */
  region: z.string().min(1).default('us-east-1'),
  /** The move of the lake off the legacy FS-format volume. */
  migration: minioMigrationConfig.prefault({}),
});
// Generated from `minioConfig` with its TSDoc (`npm run config-types`); equal to `z.infer<typeof minioConfig>`.
export type { MinioConfig } from '../../config/types.generated';
