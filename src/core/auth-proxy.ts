import type { EnvironmentConfig } from '../config/schema';

/**
 * The response headers oauth2-proxy sets on its `/auth` answer with `--set-xauthrequest` (oauth2-proxy v7.15.6
 * pkg/apis/options/legacy_options.go: getResponseHeaders, getXAuthRequestHeaders; `X-Auth-Request-Access-Token`
 * only with `--pass-access-token`, never forwarded here).
 */
export const OAUTH2_PROXY_IDENTITY_HEADERS = ['X-Auth-Request-User', 'X-Auth-Request-Email', 'X-Auth-Request-Preferred-Username', 'X-Auth-Request-Groups'] as const;
export type AuthProxyHeader = typeof OAUTH2_PROXY_IDENTITY_HEADERS[number];

/** The identity headers the environment's auth proxy sets (empty without single sign-on). */
export function identityHeadersOf(env: EnvironmentConfig): string[] {
  const proxy = env.external.authProxy;
  return env.components.ingress.singleSignOn && proxy ? [...OAUTH2_PROXY_IDENTITY_HEADERS] : [];
}

/**
 * The header that names the user to a Service that logs in by header: the declared auth proxy's `loginHeader`
 * (default `X-Auth-Request-Email`), so Superset and Grafana trust exactly what the proxy sends.
 */
export function loginHeaderOf(env: EnvironmentConfig): string {
  return env.external.authProxy?.loginHeader ?? 'X-Auth-Request-Email';
}
