import * as z from 'zod';
import { OAUTH2_PROXY_IDENTITY_HEADERS } from '../core/auth-proxy';
import { dnsLabel, dnsName, port } from '../core/schema';

/**
 * A dependency the environment provides but this project does not deploy (e.g. PostgreSQL).
 * Either an in-cluster Service (its FQDN is built from `service` and `namespace`) or an off-cluster host.
 */
export const externalService = z.strictObject({
  /**
   * The Service name, for an in-cluster dependency (give `service` or `host`, not both).
   * @default - none: an off-cluster dependency gives `host` instead
   */
  service: dnsLabel.optional(),
  /** The Service's namespace. @default - the environment's namespace */
  namespace: dnsLabel.optional(),
  /**
   * An off-cluster host name (not in cluster.local).
   * @default - none: an in-cluster dependency gives `service` instead
   */
  host: dnsName.optional(),
  /** The TCP port the dependency listens on. */
  port,
  /**
   * The pods behind an in-cluster Service in a namespace the platform polices (e.g. the PostgreSQL servers in the
   * environment's namespace): their labels, and the port they listen on when it is not `port`. The platform's
   * default deny never selects them (it selects the platform's own pods); with these labels the synth proves every
   * declared edge to them is admitted, and that the labels select none of the platform's pods.
   * @default - pods with none of the platform's labels
   */
  pods: z.strictObject({
    /** Labels that select exactly the server's pods (never one of the platform's). */
    podSelector: z.record(z.string().min(1), z.string()).refine((r) => Object.keys(r).length > 0, { message: 'give the labels of the server\'s pods' }),
    /**
     * The port the pods listen on, when the Service maps `port` to another one.
     * @default - the Service's `port`
     */
    targetPort: port.optional(),
  }).optional(),
}).superRefine((s, ctx) => {
  if ((s.service === undefined) === (s.host === undefined)) {
    ctx.addIssue({ code: 'custom', message: "set exactly one of 'service' (in-cluster) or 'host' (off-cluster)" });
  }
  if (s.host !== undefined && s.pods !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['pods'], message: "an off-cluster host has no pods; 'pods' is for an in-cluster 'service'" });
  }
  if (s.host !== undefined && /\.svc(\.cluster\.local)?$/.test(s.host)) {
    ctx.addIssue({ code: 'custom', path: ['host'], message: "an in-cluster address is declared with 'service' and 'namespace', not typed as a host" });
  }
});

/** A Secret that exists in the cluster but is not produced by this project, with the keys it holds. */
export const externalSecret = z.strictObject({
  /** The keys the Secret holds that the platform may read (at least one). */
  keys: z.array(z.string().min(1)).min(1),
  /** The Secret's namespace. @default - the environment's namespace */
  namespace: dnsLabel.optional(),
});

/** A PostgreSQL database the environment provides. */
export const externalDatabase = z.strictObject({
  /** The id of the external service (a key of `external.services`). */
  service: z.string(),
  /** The database name on that server. */
  database: z.string().min(1),
  /** The user the platform logs in as. */
  username: z.string().min(1),
  /** The Secret (a key of `external.secrets`) and key holding the password. */
  passwordSecret: z.strictObject({
    /** The Secret's name (a key of `external.secrets`). */
    name: dnsLabel,
    /** The key in that Secret holding the password. */
    key: z.string().min(1),
  }),
});


/** An http(s) URL without credentials in it (nginx variables such as `$host` allowed in the query). */
const authProxyUrl = (path: RegExp, example: string) => z.string().superRefine((raw, ctx) => {
  let u: URL;
  try { u = new URL(raw); } catch { ctx.addIssue({ code: 'custom', message: `not a URL; write e.g. '${example}'` }); return; }
  if (u.username !== '' || u.password !== '') {
    ctx.addIssue({ code: 'custom', message: 'credentials inside an auth URL are not allowed (they would be in every Ingress annotation and every controller log); authenticate the controller to the proxy otherwise' });
  }
  if (u.protocol !== 'https:') ctx.addIssue({ code: 'custom', message: `not an https URL; write e.g. '${example}'` });
  if (!path.test(u.pathname)) ctx.addIssue({ code: 'custom', message: `oauth2-proxy serves this at <proxy-prefix>${path.source.replace(/[\\^$]/g, '')} (default prefix /oauth2); write e.g. '${example}'` });
});

/**
 * The single sign-on proxy the environment runs in front of the published hosts (not deployed here): ingress-nginx
 * asks `authUrl` about every request and sends unauthenticated users to `signinUrl`.
 */
export const authProxySchema = z.strictObject({
  /** The proxy software; it decides which identity headers the authentication response carries. */
  implementation: z.literal('oauth2-proxy').default('oauth2-proxy'),
  /** oauth2-proxy runs with `--set-xauthrequest`: without it its `/auth` answer carries no identity header. */
  setXAuthRequest: z.boolean().refine((v) => v, { message: 'without --set-xauthrequest oauth2-proxy sets no X-Auth-Request-* header, so no login header reaches the Services; run it with that flag and set true' }),
  /** The check endpoint (ingress-nginx `auth-url`), e.g. `https://auth.<domain>/oauth2/auth`. */
  authUrl: authProxyUrl(/\/auth$/, 'https://auth.254carbon.com/oauth2/auth'),
  /** The sign-in endpoint (ingress-nginx `auth-signin`), e.g. `https://auth.<domain>/oauth2/start?rd=https://$host$escaped_request_uri`. */
  signinUrl: authProxyUrl(/\/start$/, 'https://auth.254carbon.com/oauth2/start?rd=https://$host$escaped_request_uri'),
  /** The header that names the user to the Services that log in by header (Superset, Grafana). */
  loginHeader: z.enum(OAUTH2_PROXY_IDENTITY_HEADERS).default('X-Auth-Request-Email'),
});
// Generated from `authProxySchema` with its TSDoc (`npm run config-types`); equal to `z.infer<typeof authProxySchema>`.
export type { AuthProxy } from './types.generated';

/** The `external` section of an environment: what the environment provides and this project does not deploy. */
export const externalSchema = z.strictObject({
  /**
   * The single sign-on proxy the Ingresses authenticate against (required by `components.ingress.singleSignOn`).
   * @default - none: no Ingress authenticates
   */
  authProxy: authProxySchema.optional(),
  /** External services by id. */
  services: z.record(z.string(), externalService).default({}),
  /** External Secrets by name, with their keys. */
  secrets: z.record(dnsLabel, externalSecret).default({}),
  /** External databases by id. */
  databases: z.record(z.string(), externalDatabase).default({}),
});

// Generated from `externalService` with its TSDoc (`npm run config-types`); equal to `z.infer<typeof externalService>`.
export type { ExternalService } from './types.generated';
// Generated from `externalDatabase` with its TSDoc (`npm run config-types`); equal to `z.infer<typeof externalDatabase>`.
export type { ExternalDatabase } from './types.generated';
