import type { EnvironmentConfig } from '../../config/schema';
import { objectKey, RenderedObject } from '../../core/manifest';
import { containersOf, podSpecOf } from './pods';

interface ServiceInfo { readonly ports: Set<number>; readonly portNames: Set<string> }

const FQDN = /(?<![A-Za-z0-9.-])((?:[a-z0-9](?:[-a-z0-9]*[a-z0-9])?\.)+)svc(?:\.cluster\.local)?(?![A-Za-z0-9-])(?::(\d{1,5}))?/g;
const URL_HOST = /\b[a-z][a-z0-9+.-]*:\/\/(?:[^@/\s'"]*@)?([A-Za-z0-9-]+)(?::(\d{1,5}))?(?=[/'"\s?,;]|$)/g;
const HOST_PORT = /(?<![A-Za-z0-9.\-/:@])([a-z0-9](?:[-a-z0-9]*[a-z0-9])?):(\d{2,5})\b/g;

/** Visits every string of a manifest; the field path is built only when asked for (for a message). */
function walkStrings(value: unknown, visit: (s: string, path: () => string) => void): void {
  const segments: Array<string | number> = [];
  const pathOf = () => segments.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
  const walk = (v: unknown): void => {
    if (typeof v === 'string') visit(v, pathOf);
    else if (Array.isArray(v)) v.forEach((x, i) => { segments.push(i); walk(x); segments.pop(); });
    else if (v && typeof v === 'object') {
      // By index: this walks every value of every manifest.
      const keys = Object.keys(v);
      for (let i = 0; i < keys.length; i++) { segments.push(keys[i]); walk((v as Record<string, unknown>)[keys[i]]); segments.pop(); }
    }
  };
  walk(value);
}

/**
 * Reference integrity of one environment's output:
 * - every in-cluster host name anywhere in the output is the FQDN of a Service synthesized in the same
 *   environment (on a port it exposes) or of an external dependency the environment declares, and no
 *   Service is addressed by a bare name;
 * - every Secret/ConfigMap reference (env, envFrom, volumes, imagePullSecrets) points at an object the output
 *   produces (for ExternalSecrets, the Secret they fill) or the environment declares, and at a key it has;
 * - every serviceAccountName exists;
 * - every Ingress backend is a Service synthesized in the Ingress's namespace, on a port it exposes (by number
 *   or name), and no two Ingresses route the same host and path;
 * - no two objects share kind, namespace and name.
 */
export function checkReferences(objects: readonly RenderedObject[], env: EnvironmentConfig): string[] {
  const problems: string[] = [];
  const services = new Map<string, ServiceInfo>();
  const statefulPods = new Map<string, number>(); // ns/service → replicas of the StatefulSet behind it
  const configMaps = new Map<string, Set<string>>();
  const secrets = new Map<string, Set<string> | 'any'>();
  const accounts = new Set<string>();
  const seen = new Map<string, string>();

  for (const o of objects) {
    const m = o.manifest;
    const ns = m.metadata?.namespace ?? '';
    const key = objectKey(m);
    if (seen.has(key)) problems.push(`${o.path}: ${m.kind} ${ns}/${m.metadata.name} is also defined by ${seen.get(key)}. Fix: keep one definition`);
    else seen.set(key, o.path);
    switch (m.kind) {
      case 'Service':
        services.set(`${ns}/${m.metadata.name}`, {
          ports: new Set((m.spec?.ports ?? []).map((p: any) => p.port)),
          portNames: new Set((m.spec?.ports ?? []).map((p: any) => p.name)),
        });
        break;
      case 'StatefulSet':
        statefulPods.set(`${ns}/${m.spec.serviceName}/${m.metadata.name}`, m.spec.replicas ?? 1);
        break;
      case 'ConfigMap':
        configMaps.set(`${ns}/${m.metadata.name}`, new Set([...Object.keys(m.data ?? {}), ...Object.keys(m.binaryData ?? {})]));
        break;
      case 'Secret':
        secrets.set(`${ns}/${m.metadata.name}`, new Set([...Object.keys(m.data ?? {}), ...Object.keys(m.stringData ?? {})]));
        break;
      case 'ExternalSecret': {
        const target = m.spec?.target?.name ?? m.metadata.name;
        secrets.set(`${ns}/${target}`, m.spec?.dataFrom?.length ? 'any' : new Set((m.spec?.data ?? []).map((d: any) => d.secretKey)));
        break;
      }
      case 'ServiceAccount':
        accounts.add(`${ns}/${m.metadata.name}`);
        break;
      default:
    }
  }
  for (const [name, s] of Object.entries(env.external.secrets)) {
    const ns = s.namespace ?? env.namespace;
    if (!secrets.has(`${ns}/${name}`)) secrets.set(`${ns}/${name}`, new Set(s.keys));
  }
  const externalServices = new Map<string, number>();
  for (const s of Object.values(env.external.services)) {
    if (s.service) externalServices.set(`${s.namespace ?? env.namespace}/${s.service}`, s.port);
  }
  const shortNames = new Set([...services.keys(), ...externalServices.keys()].map((k) => k.split('/')[1]));

  const routes = new Map<string, string>();
  for (const o of objects.filter((x) => x.manifest.kind === 'Ingress')) {
    const m = o.manifest;
    const ns = m.metadata?.namespace ?? '';
    const where = `${o.path} (Ingress ${m.metadata?.name})`;
    const backends: Array<{ b: any; field: string }> = [];
    if (m.spec?.defaultBackend) backends.push({ b: m.spec.defaultBackend, field: 'spec.defaultBackend' });
    (m.spec?.rules ?? []).forEach((r: any, i: number) => (r.http?.paths ?? []).forEach((p: any, j: number) => {
      backends.push({ b: p.backend, field: `spec.rules[${i}].http.paths[${j}].backend` });
      const route = `${r.host ?? '*'}${p.path ?? '/'}`;
      if (routes.has(route)) problems.push(`${where}: ${route} is also routed by ${routes.get(route)}. Fix: route each host and path once`);
      else routes.set(route, where);
    }));
    for (const { b, field } of backends) {
      const svc = b?.service;
      if (!svc) {
        problems.push(`${where}: ${field} is not a Service backend. Fix: route to a synthesized Service`);
        continue;
      }
      const info = services.get(`${ns}/${svc.name}`);
      if (!info) {
        problems.push(`${where}: ${field} routes to Service ${ns}/${svc.name}, which is not synthesized in environment '${env.name}'. Fix: route to a Service the platform creates in the Ingress's namespace`);
      } else if (svc.port?.number !== undefined ? !info.ports.has(svc.port.number) : !info.portNames.has(svc.port?.name)) {
        problems.push(`${where}: ${field} uses port ${svc.port?.number ?? svc.port?.name} of Service ${ns}/${svc.name}, which exposes ${[...info.ports].join(', ')} (${[...info.portNames].join(', ')}). Fix: use an exposed port`);
      }
    }
  }

  for (const o of objects) {
    const m = o.manifest;
    const where = `${o.path} (${m.kind} ${m.metadata?.name})`;
    walkStrings(m, (s, pathOf) => {
      const hasColon = s.includes(':');
      if (!s.includes('.svc') && !hasColon) return;
      const path = { toString: pathOf };
      for (const match of (s.includes('.svc') ? s.matchAll(FQDN) : [])) {
        const labels = match[1].slice(0, -1).split('.');
        const port = match[2] ? parseInt(match[2], 10) : undefined;
        if (labels.length < 2 || labels.length > 3) {
          problems.push(`${where}: field ${path} names '${match[0]}', which is not <service>.<namespace>.svc.cluster.local. Fix: build it with serviceFqdn()`);
          continue;
        }
        const [svc, ns] = labels.slice(-2);
        const info = services.get(`${ns}/${svc}`);
        if (info) {
          if (port !== undefined && !info.ports.has(port)) {
            problems.push(`${where}: field ${path} uses port ${port} of Service ${ns}/${svc}, which exposes ${[...info.ports].join(', ')}. Fix: use an exposed port`);
          }
          if (labels.length === 3) {
            const pod = labels[0];
            const owner = [...statefulPods.entries()].find(([k]) => k.startsWith(`${ns}/${svc}/`) && pod.startsWith(`${k.split('/')[2]}-`));
            const ordinal = parseInt(pod.slice(pod.lastIndexOf('-') + 1), 10);
            if (!owner || !(ordinal >= 0 && ordinal < owner[1])) {
              problems.push(`${where}: field ${path} names pod '${pod}' behind ${ns}/${svc}, which no StatefulSet of that Service creates. Fix: use a pod of the StatefulSet`);
            }
          }
        } else if (externalServices.has(`${ns}/${svc}`)) {
          const declared = externalServices.get(`${ns}/${svc}`)!;
          if (port !== undefined && port !== declared) {
            problems.push(`${where}: field ${path} uses port ${port} of external service ${ns}/${svc}, declared on ${declared}. Fix: use port ${declared} or correct the declaration`);
          }
        } else {
          problems.push(`${where}: field ${path} points at ${svc}.${ns}.svc.cluster.local, but no Service ${ns}/${svc} is synthesized in environment '${env.name}' and none is declared external. Fix: deploy the provider, declare it under external.services, or correct the name`);
        }
      }
      for (const re of hasColon ? [URL_HOST, HOST_PORT] : []) {
        for (const match of s.matchAll(re)) {
          const host = match[1];
          if (host === 'localhost' || !shortNames.has(host)) continue;
          problems.push(`${where}: field ${path} addresses Service '${host}' by its bare name ('${match[0]}'). Fix: use its FQDN ${host}.<namespace>.svc.cluster.local, built from the environment's namespace`);
        }
      }
    });

    const pod = podSpecOf(m);
    if (!pod) continue;
    const ns = m.metadata.namespace ?? '';
    const needSecret = (name: string, keyName: string | undefined, field: string) => {
      const keys = secrets.get(`${ns}/${name}`);
      if (!keys) problems.push(`${where}: ${field} references Secret ${ns}/${name}, which the output does not produce and the environment does not declare. Fix: produce it (ExternalSecret) or declare it under external.secrets`);
      else if (keyName !== undefined && keys !== 'any' && !keys.has(keyName)) problems.push(`${where}: ${field} references key '${keyName}' of Secret ${ns}/${name}, which has ${[...keys].join(', ') || 'no keys'}. Fix: use an existing key`);
    };
    const needConfigMap = (name: string, keyName: string | undefined, field: string) => {
      const keys = configMaps.get(`${ns}/${name}`);
      if (!keys) problems.push(`${where}: ${field} references ConfigMap ${ns}/${name}, which the output does not produce. Fix: create it or correct the name`);
      else if (keyName !== undefined && !keys.has(keyName)) problems.push(`${where}: ${field} references key '${keyName}' of ConfigMap ${ns}/${name}, which has ${[...keys].join(', ') || 'no keys'}. Fix: use an existing key`);
    };
    if (pod.serviceAccountName && pod.serviceAccountName !== 'default' && !accounts.has(`${ns}/${pod.serviceAccountName}`)) {
      problems.push(`${where}: serviceAccountName '${pod.serviceAccountName}' does not exist in ${ns}. Fix: create the ServiceAccount or correct the name`);
    }
    for (const s of pod.imagePullSecrets ?? []) needSecret(s.name, undefined, 'imagePullSecrets');
    for (const { c, path } of containersOf(pod)) {
      for (const e of c.env ?? []) {
        const sk = e.valueFrom?.secretKeyRef;
        if (sk && !sk.optional) needSecret(sk.name, sk.key, `${path} env ${e.name}`);
        const ck = e.valueFrom?.configMapKeyRef;
        if (ck && !ck.optional) needConfigMap(ck.name, ck.key, `${path} env ${e.name}`);
      }
      for (const f of c.envFrom ?? []) {
        if (f.secretRef && !f.secretRef.optional) needSecret(f.secretRef.name, undefined, `${path} envFrom`);
        if (f.configMapRef && !f.configMapRef.optional) needConfigMap(f.configMapRef.name, undefined, `${path} envFrom`);
      }
      const volumeNames = new Set([...(pod.volumes ?? []), ...(m.kind === 'StatefulSet' ? m.spec.volumeClaimTemplates ?? [] : []).map((t: any) => t.metadata)].map((v: any) => v.name));
      for (const vm of c.volumeMounts ?? []) {
        if (!volumeNames.has(vm.name)) problems.push(`${where}: ${path} mounts volume '${vm.name}', which the pod does not define. Fix: add the volume`);
      }
    }
    for (const v of pod.volumes ?? []) {
      if (v.secret && !v.secret.optional) {
        needSecret(v.secret.secretName, undefined, `volume ${v.name}`);
        for (const it of v.secret.items ?? []) needSecret(v.secret.secretName, it.key, `volume ${v.name}`);
      }
      if (v.configMap && !v.configMap.optional) {
        needConfigMap(v.configMap.name, undefined, `volume ${v.name}`);
        for (const it of v.configMap.items ?? []) needConfigMap(v.configMap.name, it.key, `volume ${v.name}`);
      }
      for (const src of v.projected?.sources ?? []) {
        if (src.secret && !src.secret.optional) for (const it of src.secret.items ?? [{}]) needSecret(src.secret.name, it.key, `volume ${v.name}`);
        if (src.configMap && !src.configMap.optional) for (const it of src.configMap.items ?? [{}]) needConfigMap(src.configMap.name, it.key, `volume ${v.name}`);
      }
    }
  }
  return problems;
}

/** No Secret with inline values: `charts-out/` is committed to Git. */
export function checkNoInlineSecrets(objects: readonly RenderedObject[]): string[] {
  return objects
    .filter((o) => o.manifest.kind === 'Secret' && (Object.keys(o.manifest.data ?? {}).length > 0 || Object.keys(o.manifest.stringData ?? {}).length > 0))
    .map((o) => `${o.path}: Secret ${o.manifest.metadata.name} carries inline values (${Object.keys({ ...o.manifest.data, ...o.manifest.stringData }).join(', ')}). Fix: never commit secret values; fill the Secret with an ExternalSecret`);
}
