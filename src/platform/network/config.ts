import * as z from 'zod';
import { dnsLabel } from '../../core/schema';

const labels = z.record(z.string().min(1), z.string()).refine((r) => Object.keys(r).length > 0, {
  message: 'an empty selector selects every pod of the namespace; give the labels of exactly those pods',
});

/** Pods in another namespace, e.g. the ingress controller or Prometheus. */
export const podPeer = z.strictObject({
  /** The namespace of those pods. */
  namespace: dnsLabel,
  /** Labels that select exactly those pods. */
  podSelector: labels,
});
// Generated from `podPeer` with its TSDoc (`npm run config-types`); equal to `z.infer<typeof podPeer>`.
export type { PodPeer } from '../../config/types.generated';

/** Environment values of the Ingresses of the user-facing endpoints. */
export const ingressConfig = z.strictObject({
  /** Render an Ingress per user-facing endpoint (false: nothing is published; the portal lists no public URL). */
  enabled: z.boolean().default(true),
  /** The IngressClass (`spec.ingressClassName`). */
  className: dnsLabel.default('nginx'),
  /** The ingress controller's pods: the only peer network policies admit to the published Services. */
  controller: podPeer.default({
    namespace: 'ingress-nginx',
    podSelector: { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' },
  }),
  /** TLS at the ingress. */
  tls: z.strictObject({
    /** Terminate TLS at the ingress with a certificate per host. */
    enabled: z.boolean().default(true),
    /**
     * The cert-manager ClusterIssuer that issues the certificates (annotation `cert-manager.io/cluster-issuer`).
     * @default - none: no annotation; the TLS Secrets are provided otherwise
     */
    clusterIssuer: dnsLabel.optional(),
    /** The TLS Secret name; `{name}` is replaced by the Ingress name. */
    secretName: z.string().regex(/^[a-z0-9{}-]+$/).refine((s) => s.includes('{name}'), { message: "the name must contain '{name}' (one Secret per Ingress), e.g. '{name}-tls'" })
      .default('{name}-tls'),
  }).prefault({}),
  /**
   * Redirect plain HTTP to HTTPS at the controller. Off where a tunnel (Cloudflare) reaches the controller over
   * HTTP, which would otherwise loop.
   */
  sslRedirect: z.boolean().default(true),
  /**
   * Single sign-on at the ingress (ingress-nginx external authentication) through the environment's declared
   * `external.authProxy`: every request is checked at its `authUrl`, unauthenticated users are sent to its
   * `signinUrl`, and every identity header the proxy sets is copied from its authentication response onto the
   * request to the Service, replacing any value the client sent. A Service that trusts a login header needs it.
   */
  singleSignOn: z.boolean().default(false),
});
// Generated from `ingressConfig` with its TSDoc (`npm run config-types`); equal to `z.infer<typeof ingressConfig>`.
export type { IngressConfig } from '../../config/types.generated';

/** Environment values of the NetworkPolicies derived from the graph. */
export const networkPoliciesConfig = z.strictObject({
  /** Whether the NetworkPolicies are synthesized. */
  enabled: z.boolean().default(true),
  /** Deny every ingress not allowed by a policy (false: only the allow policies, for a staged rollout). */
  defaultDeny: z.boolean().default(true),
  /** Deny egress too, allowing only DNS, the graph's edges and the declared external dependencies (by port). */
  restrictEgress: z.boolean().default(false),
  /** The Prometheus pods that scrape the ServiceMonitors' ports. */
  prometheus: podPeer.default({ namespace: 'monitoring', podSelector: { 'app.kubernetes.io/name': 'prometheus' } }),
  /** The cluster DNS pods (egress on 53/UDP and 53/TCP when egress is restricted). */
  dns: podPeer.default({ namespace: 'kube-system', podSelector: { 'k8s-app': 'kube-dns' } }),
});
// Generated from `networkPoliciesConfig` with its TSDoc (`npm run config-types`); equal to `z.infer<typeof networkPoliciesConfig>`.
export type { NetworkPoliciesConfig } from '../../config/types.generated';
