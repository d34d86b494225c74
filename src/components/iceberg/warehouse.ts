import type { EnvironmentConfig } from '../../config/schema';

/**
 * The Iceberg warehouse: one bucket and location shared by Trino's Iceberg catalog, the REST catalog and
 * the compaction job, so the three cannot disagree. Build it once with `icebergWarehouse(env)` and pass it on.
 */
export interface IcebergWarehouse {
  /** The bucket, e.g. `iceberg-warehouse`. */
  readonly bucket: string;
  /** The location, e.g. `s3://iceberg-warehouse/` (always ending in '/'). */
  readonly location: string;
}

/** The warehouse an environment declares under `components.iceberg.warehouse`. */
export function icebergWarehouse(env: EnvironmentConfig): IcebergWarehouse {
  const { bucket, prefix } = env.components.iceberg.warehouse;
  const path = prefix.replace(/\/+$/, '');
  return { bucket, location: `s3://${bucket}/${path ? `${path}/` : ''}` };
}
