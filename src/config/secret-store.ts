import * as z from 'zod';
import { dnsLabel } from '../core/schema';

/**
 * The external-secrets.io store every `ExternalSecret` of the environment reads from. It is a prerequisite
 * of the cluster (not synthesized here): a `ClusterSecretStore` named `vault` unless the environment says otherwise.
 */
export const secretStoreSchema = z.strictObject({
  /** `ClusterSecretStore` (cluster-wide) or `SecretStore` (in the environment's namespace). */
  kind: z.enum(['ClusterSecretStore', 'SecretStore']).default('ClusterSecretStore'),
  /** The store's name. */
  name: dnsLabel.default('vault'),
  /** How often the operator re-reads the remote values (a Go duration, e.g. `1h`, `15m`). */
  refreshInterval: z.string().regex(/^(\d+(ns|us|µs|ms|s|m|h))+$/, {
    message: "not a Go duration; write e.g. '1h', '30m' or '1h30m'",
  }).default('1h'),
});
// Generated from `secretStoreSchema` with its TSDoc (`npm run config-types`); equal to `z.infer<typeof secretStoreSchema>`.
export type { SecretStoreConfig } from './types.generated';
