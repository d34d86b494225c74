import * as z from 'zod';
import { dnsLabel, resourceSpec, storageSize } from '../../core/schema';

/** Environment values of Grafana. */
export const grafanaConfig = z.strictObject({
  /** Whether Grafana is synthesized (false: none of its objects are written). */
  enabled: z.boolean().default(true),
  /** The namespace Grafana runs in (shared by the environments of a cluster; names carry `sharedObjectSuffix`). */
  namespace: dnsLabel.default('monitoring'),
  /** The volume holding Grafana's database (users, preferences, annotations). */
  storage: storageSize.default('10Gi'),
  /** Requests and limits: a preset name or written out. */
  resources: resourceSpec.default({ requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '1000m', memory: '2Gi' } }),
  /** The Secret (declared under `external.secrets`, in Grafana's namespace) and key holding the admin password. */
  adminPasswordSecret: z.strictObject({
    /** The Secret's name. */
    name: dnsLabel,
    /** The key in that Secret. */
    key: z.string().min(1),
  }).default({ name: 'grafana-secret', key: 'admin-password' }),
  /**
   * Log users in by the header the ingress's single sign-on sets (Grafana's auth proxy, `X-WEBAUTH-USER`). Off by
   * default: then no request header logs anyone in. On, Grafana is reachable from the ingress controller only, and
   * the synth requires the environment's ingress to set that header (`components.ingress.singleSignOn`).
   */
  singleSignOn: z.boolean().default(false),
});
// Generated from `grafanaConfig` with its TSDoc (`npm run config-types`); equal to `z.infer<typeof grafanaConfig>`.
export type { GrafanaConfig } from '../../config/types.generated';
