import * as z from 'zod';
import { dnsLabel, explicitResources, imageReference, resourceSpec } from '../../core/schema';

/** Bounds of the portal's HorizontalPodAutoscaler. */
export const portalAutoscalingConfig = z.strictObject({
  /** The fewest pods the HPA keeps. */
  minReplicas: z.number().int({ message: 'minReplicas must be a whole number' }).min(1),
  /** The most pods the HPA scales to (at least `minReplicas`). */
  maxReplicas: z.number().int({ message: 'maxReplicas must be a whole number' }).min(1),
  /** Average CPU utilisation (percent of the requests) the HPA aims at. */
  targetCpuUtilization: z.number().int().min(10).max(100).default(70),
}).superRefine((a, ctx) => {
  if (a.maxReplicas < a.minReplicas) {
    ctx.addIssue({ code: 'custom', path: ['maxReplicas'], message: `maxReplicas ${a.maxReplicas} is below minReplicas ${a.minReplicas}; raise maxReplicas or lower minReplicas` });
  }
});

/** The reference chart's requests and limits. */
const PORTAL_RESOURCES: z.input<typeof explicitResources> = { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '500m', memory: '512Mi' } };

/** Environment values of PortalServices. */
export const portalServicesConfig = z.strictObject({
  /** Whether the portal services is synthesized (false: none of its objects are written). */
  enabled: z.boolean().default(true),
  /** The image, registry-qualified and pinned (`registry/repository:tag`; never `latest`). */
  image: imageReference.default('harbor.254carbon.com/library/portal-services:1.0.0'),
  /** Pull Secrets (dockerconfigjson, declared under `external.secrets`) for the image's registry. */
  imagePullSecrets: z.array(dnsLabel).default([]),
  /**
   * A fixed replica count; used when `autoscaling` is not set.
   * @default - 1 when `autoscaling` is not set; unset (the HPA's) when it is
   */
  replicas: z.number().int({ message: 'replicas must be a whole number' }).min(1).optional(),
  /**
   * HPA bounds; when set, the HPA owns the replica count and the Deployment leaves `replicas` unset.
   * @default - no HorizontalPodAutoscaler (a fixed replica count)
   */
  autoscaling: portalAutoscalingConfig.optional(),
  /** Requests and limits (the reference chart's): a preset name or written out. */
  resources: resourceSpec.default(PORTAL_RESOURCES),
  /**
   * Kubernetes discovery (services, endpoints, endpointslices, pods of the namespace, read-only). Without it
   * the pod gets no service-account token and there is no Role.
   */
  kubernetesDiscovery: z.boolean().default(true),
  /** Whether the public hosts are behind Cloudflare Access (the registry's `useCloudflareAccess`). */
  cloudflareAccess: z.boolean().default(false),
  /** Timeout of the portal's health checks of each registered endpoint. */
  healthTimeoutMs: z.number().int().min(100).max(60000).default(5000),
}).superRefine((c, ctx) => {
  if (c.replicas !== undefined && c.autoscaling !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['replicas'], message: 'replicas and autoscaling are both set; set replicas for a fixed count or autoscaling for an HPA, not both' });
  }
});
// Generated from `portalServicesConfig` with its TSDoc (`npm run config-types`); equal to `z.infer<typeof portalServicesConfig>`.
export type { PortalServicesConfig } from '../../config/types.generated';
