import type { EnvironmentConfig } from '../config/schema';
import type { RenderedObject } from './render';

/** Kinds whose names become DNS labels (Service host names, pod host names, label values): at most 63 characters. */
const LABEL_NAMED = new Set(['Service', 'Namespace', 'StatefulSet', 'Deployment', 'DaemonSet', 'Job']);
/** A CronJob's name plus the 11-character suffix of its Jobs must fit a label value (Kubernetes allows 52). */
const MAX_NAME: Record<string, number> = { CronJob: 52 };

/**
 * Names longer than Kubernetes allows (63 for labels and DNS labels, 52 for CronJobs, 253 for other names and for
 * hosts), reported at the environment key that makes them long: `sharedObjectSuffix`, `name` or `domain`.
 */
export function checkNameLengths(objects: readonly RenderedObject[], env: EnvironmentConfig): string[] {
  const problems = new Map<string, string[]>();
  const cause = (value: string): string => {
    if (env.sharedObjectSuffix && value.endsWith(env.sharedObjectSuffix)) return 'sharedObjectSuffix';
    if (value.endsWith(`.${env.domain}`) || value === env.domain) return 'domain';
    if (value.includes(env.name)) return 'name';
    if (value.includes(env.namespace)) return 'namespace';
    return '(a component setting)';
  };
  const report = (value: string, max: number, what: string, file: string) => {
    const key = cause(value);
    const list = problems.get(key) ?? [];
    list.push(`${what} '${value.length > 90 ? `${value.slice(0, 87)}...` : value}' is ${value.length} characters long, more than ${max} (${file})`);
    problems.set(key, list);
  };
  for (const o of objects) {
    const m = o.manifest;
    const name: string = m.metadata?.name ?? '';
    const max = MAX_NAME[m.kind] ?? (LABEL_NAMED.has(m.kind) ? 63 : 253);
    if (name.length > max) report(name, max, `${m.kind} name`, o.path);
    for (const [k, v] of Object.entries<string>(m.metadata?.labels ?? {})) {
      if (typeof v === 'string' && v.length > 63) report(v, 63, `label ${k}`, o.path);
    }
    if (m.kind === 'Ingress') {
      const hosts: string[] = [...(m.spec?.rules ?? []).map((r: any) => r.host), ...(m.spec?.tls ?? []).flatMap((t: any) => t.hosts ?? [])].filter(Boolean);
      for (const h of new Set(hosts)) {
        if (h.length > 253) report(h, 253, 'host', o.path);
        else if (h.split('.').some((l) => l.length > 63)) report(h, 63, 'host label of', o.path);
      }
    }
  }
  const hint: Record<string, string> = {
    sharedObjectSuffix: "use a shorter suffix, e.g. '-dev'",
    domain: 'use a shorter domain',
    name: 'use a shorter environment name',
    namespace: 'use a shorter namespace',
    '(a component setting)': 'shorten the name that the component setting produces',
  };
  return [...problems].map(([key, list]) => `${key}: makes ${list.length} name${list.length > 1 ? 's' : ''} too long: ${list.slice(0, 3).join('; ')}${list.length > 3 ? `; and ${list.length - 3} more` : ''}. Fix: ${hint[key]}`);
}

/** String leaves of the values overlays, as [key path, value, source]. */
function leaves(values: ReadonlyArray<{ source: string; data: Record<string, unknown> }>): Array<[string, string, string]> {
  const out: Array<[string, string, string]> = [];
  const walk = (v: unknown, path: string[], source: string) => {
    if (typeof v === 'string' || typeof v === 'number') out.push([path.join('.'), String(v), source]);
    else if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, String(i)], source));
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        out.push([[...path, k].join('.'), k, source]);
        walk(x, [...path, k], source);
      }
    }
  };
  for (const o of values) walk(o.data, [], o.source);
  return out;
}

/**
 * Appends to each check problem the values keys whose value (or key name) it mentions, so that a reference error
 * caused by an overlay names the key to fix.
 */
export function attributeToValues(problems: readonly string[], values: ReadonlyArray<{ source: string; data: Record<string, unknown> }> | undefined): string[] {
  const all = leaves(values ?? []).filter(([, v]) => v.length >= 3);
  if (all.length === 0) return [...problems];
  return problems.map((p) => {
    const hits = all.filter(([, v]) => new RegExp(`(^|[^A-Za-z0-9_.-])${v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}($|[^A-Za-z0-9_-])`).test(p));
    // The deepest key per value: `...extraSecretEnv.MAPBOX_API_KEY.secret` rather than its parent.
    const keys = [...new Set(hits.map(([k, , s]) => `${k} in ${s}`))].filter((k, _, arr) => !arr.some((o) => o !== k && o.startsWith(k.split(' in ')[0] + '.')));
    if (keys.length === 0) return p;
    return `${p} (caused by values key ${keys.slice(0, 3).join(', ')})`;
  });
}
