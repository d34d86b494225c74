import { App } from 'cdk8s';
import { MinIO } from '../src/components/minio/minio';
import { PortalServices } from '../src/components/portal-services/portal-services';
import { PlatformConfigError } from '../src/core/errors';
import { loadEnvironment } from '../src/config/values';
import { DataPlatform } from '../src/platform/data-platform';
import type { RenderedObject } from '../src/output/render';
import { ENVS, envOf, find, NAMESPACES, objectsOf, podOf, restrictedContext, synthError } from './util';

const DOMAINS: Record<string, string> = { dev: 'dev.254carbon.local', staging: 'staging.254carbon.com', prod: '254carbon.com' };

type Overlay = Record<string, unknown>;
const withValues = (env: string, data: Overlay) => objectsOf(env, { values: [{ source: 'test', data }] });

/** The parsed services.json of the registry ConfigMap. */
function registryOf(objs: readonly RenderedObject[]): Array<Record<string, any>> {
  return JSON.parse(find(objs, 'ConfigMap', 'portal-services-registry').data['services.json']).services;
}

/** `http://<svc>.<ns>.svc.cluster.local:<port>/...` → [ns, svc, port]. */
function target(url: string): [string, string, number] {
  const m = /^http:\/\/([a-z0-9-]+)\.([a-z0-9-]+)\.svc\.cluster\.local:(\d+)(\/.*)?$/.exec(url);
  if (!m) throw new Error(`${url} is not an in-cluster FQDN URL`);
  return [m[2], m[1], Number(m[3])];
}


describe('PortalServices', () => {
  test.each(ENVS)('regression: uid 1000 and the full restricted security context, writable /tmp only through an emptyDir (%s)', (env) => {
    const pod = podOf(find(objectsOf(env), 'Deployment', 'portal-services'));
    const c = pod.containers[0];
    expect(c.securityContext).toEqual(restrictedContext(1000));
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    const tmp = c.volumeMounts.find((m: any) => m.mountPath === '/tmp');
    expect(pod.volumes.find((v: any) => v.name === tmp.name)).toEqual({ name: tmp.name, emptyDir: {} });
    // The registry is mounted read-only; nothing else is writable.
    expect(c.volumeMounts.find((m: any) => m.mountPath === '/config')).toEqual({ name: 'config', mountPath: '/config', readOnly: true });
    const writable = c.volumeMounts.filter((m: any) => !m.readOnly).map((m: any) => m.mountPath).sort();
    expect(writable).toEqual(['/.npm', '/tmp']);
  });

  test.each(ENVS)('regression: the discovery Role is exactly get/list/watch on services, endpoints, endpointslices and pods, namespaced (%s)', (env) => {
    const objs = objectsOf(env);
    const role = find(objs, 'Role', 'portal-services');
    expect(role.metadata.namespace).toBe(NAMESPACES[env]);
    const grants = role.rules.flatMap((r: any) => r.apiGroups.flatMap((g: string) => r.resources.map((res: string) => `${g || 'core'}/${res}:${[...r.verbs].sort().join(',')}`))).sort();
    expect(grants).toEqual([
      'core/endpoints:get,list,watch',
      'core/pods:get,list,watch',
      'core/services:get,list,watch',
      'discovery.k8s.io/endpointslices:get,list,watch',
    ]);
    const binding = find(objs, 'RoleBinding', 'portal-services');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'portal-services' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'portal-services', namespace: NAMESPACES[env] }]);
    // Nothing cluster-wide anywhere in the component.
    const kinds = objs.filter((o) => o.component === 'portal-services').map((o) => o.manifest.kind);
    expect(kinds).not.toContain('ClusterRole');
    expect(kinds).not.toContain('ClusterRoleBinding');
    const pod = podOf(find(objs, 'Deployment', 'portal-services'));
    expect(pod.serviceAccountName).toBe('portal-services');
    expect(pod.automountServiceAccountToken).toBe(true);
  });

  test('without Kubernetes discovery there is no Role and no service-account token', () => {
    const objs = withValues('prod', { components: { portalServices: { kubernetesDiscovery: false } } });
    expect(objs.filter((o) => ['Role', 'RoleBinding'].includes(o.manifest.kind) && o.component === 'portal-services')).toEqual([]);
    expect(podOf(find(objs, 'Deployment', 'portal-services')).automountServiceAccountToken).toBe(false);
  });

  test.each(ENVS)('regression: no node pinning (no nodeName, nodeSelector, affinity or hostname label) (%s)', (env) => {
    for (const name of ['portal-services', 'graphql-gateway']) {
      const d = find(objectsOf(env), 'Deployment', name);
      const pod = podOf(d);
      expect(pod.nodeName).toBeUndefined();
      expect(pod.nodeSelector).toBeUndefined();
      expect(pod.affinity).toBeUndefined();
      expect(JSON.stringify(d)).not.toContain('kubernetes.io/hostname');
    }
  });

  test.each(ENVS)('regression: the image is registry-qualified and pinned, pulled by the node that runs the pod (%s)', (env) => {
    const c = podOf(find(objectsOf(env), 'Deployment', 'portal-services')).containers[0];
    expect(c.image).toBe('harbor.254carbon.com/library/portal-services:1.0.0');
    expect(c.image).toMatch(/^[a-z0-9.-]+\.[a-z]+(:\d+)?\/[a-z0-9/._-]+:[A-Za-z0-9_.-]+$/);
    expect(c.image).not.toMatch(/:latest$/i);
    expect(c.imagePullPolicy).toBe('IfNotPresent');
  });

  test('the image and its pull Secrets are per environment; a pull Secret must be declared', () => {
    const objs = withValues('staging', {
      components: { portalServices: { image: 'harbor.254carbon.com/platform/portal-services:1.1.0', imagePullSecrets: ['harbor-pull'] } },
      external: { secrets: { 'harbor-pull': { keys: ['.dockerconfigjson'] } } },
    });
    const pod = podOf(find(objs, 'Deployment', 'portal-services'));
    expect(pod.containers[0].image).toBe('harbor.254carbon.com/platform/portal-services:1.1.0');
    expect(pod.imagePullSecrets).toEqual([{ name: 'harbor-pull' }]);
    // Only this pod gets the Secret.
    expect(podOf(find(objs, 'Deployment', 'graphql-gateway')).imagePullSecrets).toBeUndefined();
    expect(find(objectsOf('staging'), 'Deployment', 'portal-services').spec.template.spec.imagePullSecrets).toBeUndefined();

    const err = synthError('staging', { components: { portalServices: { imagePullSecrets: ['harbor-pull'] } } });
    expect(err).toBeInstanceOf(PlatformConfigError);
    expect(err.message).toContain("environment 'staging'");
    expect(err.message).toContain('components.portalServices.imagePullSecrets');
    expect(err.message).toContain("pull Secret 'harbor-pull' is not declared");
    expect(err.message).toContain('Fix: declare it under external.secrets.harbor-pull');
  });

  test.each([
    ['no registry host', 'portal-services:1.0.0', 'has no registry host'],
    ['no registry host (organisation only)', 'library/portal-services:1.0.0', 'has no registry host'],
    ['no tag', 'harbor.254carbon.com/library/portal-services', 'has no tag'],
    ['latest', 'harbor.254carbon.com/library/portal-services:latest', "uses the tag 'latest'"],
    ['LATEST', 'harbor.254carbon.com/library/portal-services:LATEST', "uses the tag 'latest'"],
  ])('bad input: an image with %s fails the synth naming the image and the field', (_what, image, problem) => {
    const err = synthError('prod', { components: { portalServices: { image } } });
    expect(err).toBeInstanceOf(PlatformConfigError);
    expect(err.message).toContain("environment 'prod'");
    expect(err.message).toContain('components.portalServices.image');
    expect(err.message).toContain(`image '${image}`);
    expect(err.message).toContain(problem);
    expect(err.message).toContain('Fix:');
  });

  test.each(ENVS)('regression: the registry ConfigMap lists exactly the services synthesized in the environment (%s)', (env) => {
    const objs = objectsOf(env);
    const entries = registryOf(objs);
    // Every component of the environment that has a user-facing endpoint, and nothing else.
    expect(entries.map((e) => e.id)).toEqual(['dolphinscheduler', 'grafana', 'graphql-api', 'minio', 'superset', 'trino']);
    const services = new Map(objs.filter((o) => o.manifest.kind === 'Service').map((o) => [`${o.manifest.metadata.namespace}/${o.manifest.metadata.name}`, o.manifest]));
    // dev publishes nothing (components.ingress.enabled: false): no public URLs there.
    const pub = (url: string) => (env === 'dev' ? undefined : url);
    for (const e of entries) {
      // An endpoint with a header login (Superset outside dev) is checked through its public host.
      for (const url of [e.internalUrl, ...(e.healthUrl.startsWith('https://') ? [] : [e.healthUrl])]) {
        const [ns, svc, port] = target(url);
        expect(ns).toBe(e.id === 'grafana' ? 'monitoring' : NAMESPACES[env]);
        const s = services.get(`${ns}/${svc}`);
        expect(s).toBeDefined();
        expect(s!.spec.ports.map((p: any) => p.port)).toContain(port);
      }
      expect(e.healthUrl.endsWith(e.healthPath)).toBe(true);
      if (env === 'dev') expect(e.url).toBeUndefined();
      else {
        expect(e.url.startsWith(`https://`)).toBe(true);
        expect(new URL(e.url).hostname.endsWith(`.${DOMAINS[env]}`)).toBe(true);
      }
    }
    const byId = Object.fromEntries(entries.map((e) => [e.id, e]));
    expect(byId.dolphinscheduler.url).toBe(pub(`https://dolphin.${DOMAINS[env]}/dolphinscheduler/ui/`));
    expect(byId.dolphinscheduler).toMatchObject({
      internalUrl: `http://dolphinscheduler-api.${NAMESPACES[env]}.svc.cluster.local:12345`,
      healthPath: '/dolphinscheduler/actuator/health',
    });
    expect(byId.minio.url).toBe(pub(`https://minio.${DOMAINS[env]}`));
    expect(byId.minio).toMatchObject({
      internalUrl: `http://minio-console.${NAMESPACES[env]}.svc.cluster.local:9001`,
      healthUrl: `http://minio-service.${NAMESPACES[env]}.svc.cluster.local:9000/minio/health/live`,
    });
    expect(byId['graphql-api'].url).toBe(pub(`https://api.${DOMAINS[env]}/graphql`));
    expect(entries.every((e) => e.useCloudflareAccess === (env !== 'dev'))).toBe(true);
    expect(byId.trino.url).toBe(pub(`https://trino.${DOMAINS[env]}/ui/`));
    expect(byId.trino).toMatchObject({ healthUrl: `http://trino-coordinator.${NAMESPACES[env]}.svc.cluster.local:8080/v1/info` });
    expect(byId.superset.url).toBe(pub(`https://superset.${DOMAINS[env]}`));
    expect(byId.superset.healthUrl).toBe(env === 'dev' ? `http://superset.${NAMESPACES[env]}.svc.cluster.local:8088/health` : `https://superset.${DOMAINS[env]}/health`);
    expect(JSON.stringify(entries)).not.toMatch(/datahub|vault|doris/);
  });

  test.each([
    ['the gateway is disabled', { apiGateway: { enabled: false } }, ['dolphinscheduler', 'grafana', 'minio', 'superset', 'trino']],
    ['DolphinScheduler is disabled', { dolphinscheduler: { enabled: false } }, ['grafana', 'graphql-api', 'minio', 'superset', 'trino']],
    ['the DolphinScheduler api runs no replica', { dolphinscheduler: { replicas: { api: 0 } } }, ['grafana', 'graphql-api', 'minio', 'superset', 'trino']],
    ['Trino is disabled', { trino: { enabled: false } }, ['dolphinscheduler', 'grafana', 'graphql-api', 'minio', 'superset']],
  ])('regression: when %s, its entry leaves the registry', (_what, components, ids) => {
    const objs = withValues('prod', { components });
    expect(registryOf(objs).map((e) => e.id)).toEqual(ids);
  });

  test('a registry change rolls the portal pods (checksum of the registry on the pod template)', () => {
    const a = find(objectsOf('prod'), 'Deployment', 'portal-services').spec.template.metadata.annotations['checksum/registry'];
    const b = find(withValues('prod', { components: { apiGateway: { enabled: false } } }), 'Deployment', 'portal-services').spec.template.metadata.annotations['checksum/registry'];
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(b).not.toBe(a);
  });

  test('the registry is computed at synth time: a component constructed after the portal is listed', () => {
    const environment = loadEnvironment('dev');
    const app = new App();
    const portal = new PortalServices(app, 'portal', { environment });
    new MinIO(app, 'minio', { environment });
    const cm = portal.toJson().find((o: any) => o.kind === 'ConfigMap');
    expect(JSON.parse(cm.data['services.json']).services.map((e: any) => e.id)).toEqual(['minio']);
  });

  test('an endpoint can only be registered by the component that provides it, and once', () => {
    const environment = loadEnvironment('dev');
    const app = new App();
    const portal = new PortalServices(app, 'portal', { environment });
    new MinIO(app, 'minio', { environment });
    const minioConsole = { component: 'minio', name: 'minio-console', ports: { 'minio-console': 9001 } };
    expect(() => portal.addDiscoverable({
      id: 'x', name: 'X', category: 'storage', description: 'x', icon: 'x', service: minioConsole, port: 'minio-console', health: { path: '/' },
    })).toThrow(/Service minio-console belongs to component 'minio'/);
    const own = { component: 'portal-services', name: 'portal-services', ports: { http: 8080 } };
    expect(() => portal.addDiscoverable({
      id: 'minio', name: 'X', category: 'storage', description: 'x', icon: 'x', service: own, port: 'http', health: { path: '/healthz' },
    })).toThrow(/'minio' is registered by both 'minio' and 'portal-services'/);
  });

  test.each([
    ['dev', 1, undefined],
    ['staging', undefined, [2, 3]],
    ['prod', undefined, [2, 5]],
  ] as const)('regression: replicas and HPA bounds per environment; with an HPA the Deployment leaves replicas unset (%s)', (env, replicas, bounds) => {
    const objs = objectsOf(env);
    const d = find(objs, 'Deployment', 'portal-services');
    const hpa = objs.find((o) => o.manifest.kind === 'HorizontalPodAutoscaler' && o.component === 'portal-services')?.manifest;
    if (bounds) {
      expect('replicas' in d.spec).toBe(false);
      expect(hpa).toBeDefined();
      expect(hpa!.metadata.name).toBe('portal-services-hpa');
      expect(hpa!.apiVersion).toBe('autoscaling/v2');
      expect(hpa!.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'portal-services' });
      expect([hpa!.spec.minReplicas, hpa!.spec.maxReplicas]).toEqual(bounds);
      expect(hpa!.spec.metrics[0].resource).toEqual({ name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } });
    } else {
      expect(d.spec.replicas).toBe(replicas);
      expect(hpa).toBeUndefined();
    }
  });

  test.each(ENVS)('regression: a PodDisruptionBudget exactly when more than one replica is guaranteed, selecting the pods (%s)', (env) => {
    const objs = objectsOf(env);
    const d = find(objs, 'Deployment', 'portal-services');
    const pdb = objs.find((o) => o.manifest.kind === 'PodDisruptionBudget' && o.component === 'portal-services')?.manifest;
    const min = d.spec.replicas ?? find(objs, 'HorizontalPodAutoscaler', 'portal-services-hpa').spec.minReplicas;
    if (min > 1) {
      expect(pdb).toBeDefined();
      expect(pdb!.spec.selector.matchLabels).toEqual(d.spec.selector.matchLabels);
      expect(d.spec.template.metadata.labels).toMatchObject(pdb!.spec.selector.matchLabels);
      expect(pdb!.spec.maxUnavailable).toBe(1);
    } else {
      expect(pdb).toBeUndefined();
    }
  });

  test('a fixed count above one also gets a PodDisruptionBudget', () => {
    const objs = withValues('dev', { components: { portalServices: { replicas: 3 } } });
    expect(find(objs, 'Deployment', 'portal-services').spec.replicas).toBe(3);
    expect(find(objs, 'PodDisruptionBudget', 'portal-services').spec.maxUnavailable).toBe(1);
  });

  test.each(ENVS)('liveness and readiness probes on the health endpoint; Service 8080 and selector as in the reference (%s)', (env) => {
    const objs = objectsOf(env);
    const d = find(objs, 'Deployment', 'portal-services');
    const c = podOf(d).containers[0];
    for (const p of [c.livenessProbe, c.readinessProbe]) expect(p.httpGet).toEqual({ path: '/healthz', port: 'http', scheme: 'HTTP' });
    expect(c.ports).toEqual([{ name: 'http', containerPort: 8080, protocol: 'TCP' }]);
    expect(envOf(c, 'CONFIG_PATH')).toBe('/config/services.json');
    const svc = find(objs, 'Service', 'portal-services');
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 8080, targetPort: 8080, protocol: 'TCP' }]);
    const selector = { 'app.kubernetes.io/name': 'portal-services', 'app.kubernetes.io/instance': 'portal-services', 'app': 'portal-services' };
    expect(d.spec.selector.matchLabels).toEqual(selector);
    expect(svc.spec.selector).toEqual(selector);
  });

  test('the graph holds the registered endpoints of every synthesized component', () => {
    const app = new App();
    const platform = new DataPlatform(app, 'prod', { environment: loadEnvironment('prod') });
    expect(platform.graph.discoverables.map((d) => [d.id, d.component])).toEqual([
      ['dolphinscheduler', 'dolphinscheduler'], ['grafana', 'grafana'], ['graphql-api', 'api-gateway'], ['minio', 'minio'], ['superset', 'superset'], ['trino', 'trino'],
    ]);
    for (const d of platform.graph.discoverables) expect(platform.components.has(d.component)).toBe(true);
  });
});
