import { z } from 'zod';
import { resourceSpec, storageSize } from '../../core/schema';

/** Environment values of MinIO. */
export const minioConfig = z.strictObject({
  enabled: z.boolean().default(true),
  /** The size of the data volume. */
  storage: storageSize.default('50Gi'),
  resources: resourceSpec.default('medium'),
  /** The Secret (a key of `external.secrets`) holding the root credentials under `access-key` and `secret-key`. */
  rootCredentialsSecret: z.string().default('minio-secret'),
  /** The S3 region name MinIO answers to. */
  region: z.string().min(1).default('us-east-1'),
});
export type MinioConfig = z.infer<typeof minioConfig>;
