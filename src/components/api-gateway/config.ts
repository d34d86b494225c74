import * as z from 'zod';
import { explicitResources, imageReference, resourceSpec } from '../../core/schema';

/** The reference gateway's requests and limits. */
const GATEWAY_RESOURCES: z.input<typeof explicitResources> = { requests: { cpu: '500m', memory: '512Mi' }, limits: { cpu: '1000m', memory: '1Gi' } };

/** Environment values of the API gateway (the GraphQL gateway). */
export const apiGatewayConfig = z.strictObject({
  /** Whether the API gateway is synthesized (false: none of its objects are written). */
  enabled: z.boolean().default(true),
  /** The gateway image, registry-qualified and pinned; it holds everything it runs (nothing is installed at start). */
  image: imageReference.default('ghcr.io/graphql-hive/gateway:2.1.19'),
  /** Replicas; at least one, since its Ingress routes to it. */
  replicas: z.number().int({ message: 'replicas must be a whole number' }).min(1).default(1),
  /** Requests and limits (the reference gateway's): a preset name or written out. */
  resources: resourceSpec.default(GATEWAY_RESOURCES),
});
// Generated from `apiGatewayConfig` with its TSDoc (`npm run config-types`); equal to `z.infer<typeof apiGatewayConfig>`.
export type { ApiGatewayConfig } from '../../config/types.generated';
