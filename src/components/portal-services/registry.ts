import { makeEndpoint } from '../../core/component';
import type { DiscoverableCategory, DiscoverableEndpoint } from '../../core/graph';
import { publicUrl } from '../../core/hosts';
import { serviceFqdn } from '../../core/names';

/** One entry of the portal's `services.json` (the reference chart's fields, plus `healthUrl`). */
export interface RegistryEntry {
  readonly id: string;
  readonly name: string;
  /** The public URL users open; absent for an endpoint reachable in the cluster only. */
  readonly url?: string;
  /** `http://<service FQDN>:<port>`. */
  readonly internalUrl: string;
  readonly category: DiscoverableCategory;
  readonly description: string;
  readonly icon: string;
  readonly healthPath: string;
  /**
   * The full URL the portal checks: the health path on the health port (which may differ from `internalUrl`'s),
   * or on the public host for an endpoint that trusts a login header (only the ingress reaches it).
   */
  readonly healthUrl: string;
  readonly useCloudflareAccess: boolean;
  readonly timeoutMs: number;
}

/** What the registry needs from the environment and the portal's settings. */
export interface RegistryContext {
  readonly namespace: string;
  readonly domain: string;
  readonly cloudflareAccess: boolean;
  readonly timeoutMs: number;
  /**
   * Whether the environment publishes its endpoints through Ingresses (`components.ingress.enabled`); if not,
   * no entry has a public URL.
   * @default true
   */
  readonly published?: boolean;
}

/** The registry entries of the registered endpoints, in id order: FQDNs from the namespace, public URLs from the domain. */
export function registryEntries(endpoints: readonly DiscoverableEndpoint[], ctx: RegistryContext): RegistryEntry[] {
  return [...endpoints].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((d) => {
    const at = (svc: DiscoverableEndpoint['service'], port: string) =>
      makeEndpoint(serviceFqdn(svc.name, svc.namespace ?? ctx.namespace), (svc.ports as Record<string, number>)[port]);
    const url = d.publicHost && ctx.published !== false ? publicUrl(d.publicHost, ctx.domain, d.publicPath ?? '') : undefined;
    // An endpoint that trusts a login header admits the ingress only: it is checked through its public host.
    const healthUrl = d.identityHeader && d.publicHost && ctx.published !== false
      ? publicUrl(d.publicHost, ctx.domain, d.health.path)
      : at(d.health.service, d.health.port).url('http', d.health.path);
    return {
      id: d.id,
      name: d.name,
      ...(url ? { url } : {}),
      internalUrl: at(d.service, d.port).url('http'),
      category: d.category,
      description: d.description,
      icon: d.icon,
      healthPath: d.health.path,
      healthUrl,
      useCloudflareAccess: url !== undefined && ctx.cloudflareAccess,
      timeoutMs: ctx.timeoutMs,
    };
  });
}

/** The text of `services.json`: `{"services": [...]}`, two-space indented, with a final newline. */
export function registryJson(endpoints: readonly DiscoverableEndpoint[], ctx: RegistryContext): string {
  return `${JSON.stringify({ services: registryEntries(endpoints, ctx) }, null, 2)}\n`;
}
