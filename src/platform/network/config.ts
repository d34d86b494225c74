import { z } from 'zod';
import { dnsLabel } from '../../core/schema';

const labels = z.record(z.string().min(1), z.string()).refine((r) => Object.keys(r).length > 0, {
  message: 'an empty selector selects every pod of the namespace; give the labels of exactly those pods',
});

/** Pods in another namespace, e.g. the ingress controller or Prometheus. */
export const podPeer = z.strictObject({
  namespace: dnsLabel,
  /** Labels that select exactly those pods. */
  podSelector: labels,
});
export type PodPeer = z.infer<typeof podPeer>;

const headerName = z.string().regex(/^[A-Za-z0-9-]+$/, { message: "not an HTTP header name; write e.g. 'X-WEBAUTH-USER'" });

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
  tls: z.strictObject({
    /** Terminate TLS at the ingress with a certificate per host. */
    enabled: z.boolean().default(true),
    /** The cert-manager ClusterIssuer that issues the certificates (annotation `cert-manager.io/cluster-issuer`); none: the Secrets are provided otherwise. */
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
   * Single sign-on at the ingress (ingress-nginx external authentication): every request is checked at `authUrl`,
   * unauthenticated users are sent to `signinUrl`, and the listed headers of the authentication response are set on
   * the request to the Service, replacing any the client sent. A Service that trusts a login header needs it here.
   */
  singleSignOn: z.strictObject({
    authUrl: z.url({ protocol: /^https?$/ }),
    signinUrl: z.string().regex(/^https:\/\/\S+$/, { message: 'not an https URL' }),
    responseHeaders: z.array(headerName).min(1),
  }).optional(),
});
export type IngressConfig = z.infer<typeof ingressConfig>;

/** Environment values of the NetworkPolicies derived from the graph. */
export const networkPoliciesConfig = z.strictObject({
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
export type NetworkPoliciesConfig = z.infer<typeof networkPoliciesConfig>;
