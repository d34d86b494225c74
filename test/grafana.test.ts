import { parse } from 'yaml';
import { synthesize } from '../src/output/synth';
import { ENVS, envOf, find, NAMESPACES, objectsOf, podOf } from './util';

const SUFFIX: Record<string, string> = { dev: '-dev', staging: '-staging', prod: '' };
const DOMAIN: Record<string, string> = { dev: 'dev.254carbon.local', staging: 'staging.254carbon.com', prod: '254carbon.com' };

/** The file a ConfigMap item lands at inside a container, with the ConfigMap's data for it. */
function mountedFiles(deployment: Record<string, any>, objs: ReturnType<typeof objectsOf>): Map<string, string> {
  const pod = podOf(deployment);
  const files = new Map<string, string>();
  for (const m of pod.containers[0].volumeMounts) {
    const v = pod.volumes.find((x: any) => x.name === m.name);
    if (!v?.configMap) continue;
    const data = find(objs, 'ConfigMap', v.configMap.name).data as Record<string, string>;
    const items = v.configMap.items ?? Object.keys(data).map((key) => ({ key, path: key }));
    for (const it of items) files.set(`${m.mountPath}/${it.path}`, data[it.key]);
  }
  return files;
}

describe('Grafana', () => {
  test.each(ENVS)('regression: the admin password is a Secret reference, never a value (%s)', (env) => {
    const objs = objectsOf(env);
    const d = find(objs, 'Deployment', `grafana${SUFFIX[env]}`);
    expect(d.metadata.namespace).toBe('monitoring');
    const c = podOf(d).containers[0];
    expect(envOf(c, 'GF_SECURITY_ADMIN_PASSWORD')).toEqual({ secretKeyRef: { name: `grafana-secret${SUFFIX[env]}`, key: 'admin-password' } });
    // No Secret with a value is generated, and nothing else sets the password.
    expect(objs.filter((o) => o.manifest.kind === 'Secret')).toEqual([]);
    const text = objs.filter((o) => o.component === 'grafana').map((o) => JSON.stringify(o.manifest)).join('\n');
    expect(text).not.toMatch(/admin_password|GF_SECURITY_ADMIN_PASSWORD__FILE/);
    expect(c.env.filter((e: any) => e.name === 'GF_SECURITY_ADMIN_PASSWORD')).toHaveLength(1);
  });

  test('a Grafana admin Secret in the wrong namespace fails the synth', () => {
    expect(() => synthesize({ environments: ['prod'], values: [{ source: 'inline', data: { external: { secrets: { 'grafana-secret': { namespace: 'data-platform' } } } } }] }))
      .toThrow(/external Secret 'grafana-secret' is declared in namespace 'data-platform' but used in 'monitoring'[\s\S]*Fix:/);
  });

  test.each(ENVS)('regression: no login by an unauthenticated request header (%s)', (env) => {
    const objs = objectsOf(env);
    const d = find(objs, 'Deployment', `grafana${SUFFIX[env]}`);
    const files = mountedFiles(d, objs);
    const iniPath = envOf(podOf(d).containers[0], 'GF_PATHS_CONFIG');
    const ini = files.get(iniPath)!;
    expect(ini).toBeDefined();
    const section = ini.split(/^\[/m).find((s) => s.startsWith('auth.proxy]'))!;
    expect(section).toMatch(/^enabled = false$/m);
    expect(ini).not.toMatch(/header_name|X-WEBAUTH/i);
    expect(ini).toMatch(/\[auth\.anonymous\]\nenabled = false/);
    expect(ini).toMatch(/disable_login_form = false/);
    expect(podOf(d).containers[0].env.map((e: any) => e.name).filter((n: string) => n.startsWith('GF_AUTH'))).toEqual([]);
  });

  test.each(ENVS)('regression: datasources and dashboards are provisioned from files where Grafana reads them (%s)', (env) => {
    const objs = objectsOf(env);
    const d = find(objs, 'Deployment', `grafana${SUFFIX[env]}`);
    const c = podOf(d).containers[0];
    const provisioning = envOf(c, 'GF_PATHS_PROVISIONING');
    const files = mountedFiles(d, objs);
    // Grafana reads <provisioning>/datasources/*.yaml and <provisioning>/dashboards/*.yaml, nothing at the root.
    const datasourceFiles = [...files.keys()].filter((p) => p.startsWith(`${provisioning}/datasources/`) && p.endsWith('.yaml'));
    const providerFiles = [...files.keys()].filter((p) => p.startsWith(`${provisioning}/dashboards/`) && p.endsWith('.yaml'));
    expect(datasourceFiles).toHaveLength(1);
    expect(providerFiles).toHaveLength(1);
    expect([...files.keys()].filter((p) => /^[^/]*\.ya?ml$/.test(p.slice(provisioning.length + 1)))).toEqual([]);

    const ds = parse(files.get(datasourceFiles[0])!);
    expect(ds.apiVersion).toBe(1);
    const byType = Object.fromEntries(ds.datasources.map((x: any) => [x.type, x]));
    expect(byType.prometheus.url).toBe('http://kube-prometheus-stack-prometheus.monitoring.svc.cluster.local:9090');
    expect(byType.prometheus.isDefault).toBe(true);
    // The same Loki that Fluent Bit ships to.
    const fb = find(objs, 'ConfigMap', `fluent-bit-config${SUFFIX[env]}`).data['fluent-bit.conf'] as string;
    const host = /^\s*Host (\S+)$/m.exec(fb)![1];
    const port = /^\s*Port (\d+)$/m.exec(fb)![1];
    expect(byType.loki.url).toBe(`http://${host}:${port}`);
    expect(host).toBe(`loki${SUFFIX[env]}.victoria-metrics.svc.cluster.local`);

    const provider = parse(files.get(providerFiles[0])!).providers[0];
    expect(provider.type).toBe('file');
    const dashboards = [...files.entries()].filter(([p]) => p.startsWith(`${provider.options.path}/`));
    expect(dashboards.length).toBeGreaterThanOrEqual(3);
    const uids = new Set(ds.datasources.map((x: any) => x.uid));
    for (const [p, text] of dashboards) {
      expect(p.endsWith('.json')).toBe(true);
      const model = JSON.parse(text);
      // A dashboard model, not the HTTP API's {"dashboard": ...} envelope that file provisioning ignores.
      expect(model.dashboard).toBeUndefined();
      expect(model.uid).toMatch(/^[a-z0-9-]+$/);
      expect(model.title).toContain(env);
      expect(model.panels.length).toBeGreaterThan(0);
      for (const panel of model.panels) {
        expect(uids.has(panel.datasource.uid)).toBe(true);
        // Every query is scoped to this environment: its namespace, or its backup schedule.
        for (const t of panel.targets) expect(t.expr).toMatch(new RegExp(`namespace="${NAMESPACES[env]}"|schedule="daily-backup${SUFFIX[env]}"`));
      }
    }
  });

  test.each([['dev', '2Gi'], ['staging', '5Gi'], ['prod', '10Gi']])('regression: the database lives on a persistent volume (%s)', (env, size) => {
    const objs = objectsOf(env);
    const d = find(objs, 'Deployment', `grafana${SUFFIX[env]}`);
    const pod = podOf(d);
    const mount = pod.containers[0].volumeMounts.find((m: any) => m.mountPath === '/var/lib/grafana');
    const claim = pod.volumes.find((v: any) => v.name === mount.name).persistentVolumeClaim.claimName;
    const pvc = find(objs, 'PersistentVolumeClaim', claim);
    expect(pvc.metadata.namespace).toBe('monitoring');
    expect(pvc.spec.resources.requests.storage).toBe(size);
    expect(pvc.spec.storageClassName).toBe('local-path');
    expect(d.spec.strategy.type).toBe('Recreate');
    expect(pod.securityContext.fsGroup).toBe(472);
  });

  test.each(['staging', 'prod'] as const)('the Ingress (generated from the endpoint Grafana registers) has the host of the environment domain (%s)', (env) => {
    const ing = find(objectsOf(env), 'Ingress', `grafana${SUFFIX[env]}`);
    expect(ing.metadata.namespace).toBe('monitoring');
    expect(ing.spec.rules[0].host).toBe(`grafana.${DOMAIN[env]}`);
    expect(ing.spec.rules[0].http.paths[0].backend.service).toEqual({ name: `grafana${SUFFIX[env]}`, port: { number: 3000 } });
  });

  test('with single sign-on, the auth proxy logs in the user the declared oauth2-proxy names in X-Auth-Request-Email', () => {
    const objs = objectsOf('prod', { values: [{ source: 'test', data: { components: { grafana: { singleSignOn: true } } } }] });
    const ini = find(objs, 'ConfigMap', 'grafana-config').data['grafana.ini'];
    const section = ini.split(/^\[/m).find((s: string) => s.startsWith('auth.proxy]'))!;
    expect(section).toContain('enabled = true\nheader_name = X-Auth-Request-Email\nheader_property = email');
    expect(find(objs, 'NetworkPolicy', 'allow-ingress-to-grafana').metadata.namespace).toBe('monitoring');
  });
});
