/**
 * The public (Ingress) host of every user-facing endpoint, in one place: a host is `<prefix>.<domain>`, the
 * domain being the environment's (e.g. `dolphin.254carbon.com` in prod, `dolphin.dev.254carbon.local` in dev).
 * The portal's service registry builds its external URLs from these, and Ingresses are to use the same
 * names, so a link in the portal and the route behind it cannot disagree.
 * The prefixes are those of the running cluster (reference pack: `k8s/ingress/data-platform-ingress.yaml`,
 * the portal registry and the graphql-gateway Ingress).
 */
export const PUBLIC_HOST_PREFIXES = {
  dolphinscheduler: 'dolphin',
  minio: 'minio',
  trino: 'trino',
  superset: 'superset',
  grafana: 'grafana',
  datahub: 'datahub',
  doris: 'doris',
  vault: 'vault',
  graphql: 'api',
} as const;

/** The id of a public host, e.g. `dolphinscheduler`. */
export type PublicHostId = keyof typeof PUBLIC_HOST_PREFIXES;

/** `<prefix>.<domain>`, e.g. `publicHost('dolphinscheduler', '254carbon.com')` is `dolphin.254carbon.com`. */
export function publicHost(id: PublicHostId, domain: string): string {
  return `${PUBLIC_HOST_PREFIXES[id]}.${domain}`;
}

/** `https://<prefix>.<domain><path>`: the URL users open (TLS is terminated at the Ingress). */
export function publicUrl(id: PublicHostId, domain: string, path = ''): string {
  return `https://${publicHost(id, domain)}${path}`;
}
