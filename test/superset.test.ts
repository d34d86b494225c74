import { ApiObject, App } from 'cdk8s';
import { checkNoInlineSecrets, checkReferences } from '../src/platform/checks/references';
import { containersOf, podSpecOf } from '../src/platform/checks/pods';
import { BitnamiRedis } from '../src/components/redis/redis';
import {
  SUPERSET_LEGACY_SECRET, SUPERSET_LEGACY_SECRET_KEYS, SUPERSET_SECRET, SUPERSET_SECRET_KEYS, SupersetSecrets,
} from '../src/components/superset/secrets';
import { DEFAULT_REDIS_DATABASES, Superset } from '../src/components/superset/superset';
import { PlatformComponent } from '../src/core/component';
import { PlatformConfigError, PlatformValidationError } from '../src/core/errors';
import { addExternalSecret } from '../src/core/external-secret';
import { ServiceDescriptor } from '../src/core/graph';
import { EnvironmentConfig } from '../src/config/schema';
import { loadEnvironment } from '../src/config/values';
import { renderApp } from '../src/output/render';
import { synthesize } from '../src/output/synth';
import { ENVS, envOf, filesOf, find, NAMESPACES, objectsOf, podOf, synthError } from './util';

const WORKLOADS = ['superset-web', 'superset-worker', 'superset-beat'] as const;
const supersetContainers = (objs: ReturnType<typeof objectsOf>) =>
  objs.filter((o) => o.component === 'superset').flatMap((o) => {
    const pod = podSpecOf(o.manifest);
    return pod ? containersOf(pod).map(({ c }) => ({ name: `${o.manifest.kind}/${o.manifest.metadata.name}`, c })) : [];
  });

/** A Trino coordinator made by hand, as the Trino component will provide it. */
class FakeTrino extends PlatformComponent {
  constructor(scope: App, environment: EnvironmentConfig, service: ServiceDescriptor) {
    super(scope, 'fake-trino', 'trino', { environment });
    this.addService(service, { selector: { app: 'trino-coordinator' }, role: 'coordinator', version: '467' });
  }
}

describe('SupersetSecrets', () => {
  test.each(ENVS)('regression: superset-secret is an ExternalSecret with exactly the keys Superset reads, and no legacy superset-secrets is generated (%s)', (env) => {
    const objs = objectsOf(env);
    const secret = find(objs, 'ExternalSecret', 'superset-secret');
    expect(secret.apiVersion).toBe('external-secrets.io/v1');
    expect(secret.spec.secretStoreRef).toEqual({ kind: 'ClusterSecretStore', name: 'vault' });
    expect(secret.spec.target.name).toBe(secret.metadata.name);
    expect(secret.spec.dataFrom).toBeUndefined();
    for (const d of secret.spec.data) expect(d.remoteRef.key).toBe(`data-platform/${env}/superset`);
    expect(secret.spec.data.map((d: any) => d.secretKey).sort()).toEqual(['admin-password', 'database-uri', 'secret-key']);
    // Nothing reads the legacy Secret by default: it would need 8 store properties nothing uses (issue 15 point 5).
    expect(objs.filter((o) => o.manifest.kind === 'ExternalSecret' && o.manifest.metadata.name === 'superset-secrets')).toEqual([]);
    // And no Secret object (with or without values) is written.
    expect(objs.filter((o) => o.manifest.kind === 'Secret')).toEqual([]);
  });

  test('regression: superset-secrets is generated only with the keys extraSecretEnv reads, reading the same properties as superset-secret', () => {
    const objs = objectsOf('prod', { values: [{ source: 'legacy.yaml', data: { components: { superset: { extraSecretEnv: {
      LEGACY_TRINO_URI: { secret: 'superset-secrets', key: 'SUPERSET_TRINO_URI' },
      OLD_SECRET_KEY: { secret: 'superset-secrets', key: 'SUPERSET_SECRET_KEY' },
    } } } } }] });
    const legacy = find(objs, 'ExternalSecret', 'superset-secrets');
    const secret = find(objs, 'ExternalSecret', 'superset-secret');
    expect(legacy.spec.data.map((d: any) => d.secretKey)).toEqual(['SUPERSET_SECRET_KEY', 'SUPERSET_TRINO_URI']);
    const prop = (es: any, key: string) => es.spec.data.find((d: any) => d.secretKey === key).remoteRef.property;
    expect(prop(legacy, 'SUPERSET_SECRET_KEY')).toBe(prop(secret, 'secret-key'));
    expect(prop(legacy, 'SUPERSET_TRINO_URI')).toBe('trino-uri');
  });

  test('a key of superset-secrets that does not exist fails the synth naming it', () => {
    const e = synthError('prod', { components: { superset: { extraSecretEnv: { X: { secret: 'superset-secrets', key: 'NOPE' } } } } });
    expect(e.message).toMatch(/extraSecretEnv\.X: 'NOPE' is not a key of Secret superset-secrets\. Fix: use one of SUPERSET_SECRET_KEY, DATABASE_URI, /);
  });

  test('the descriptors are the typed key lists the ExternalSecrets produce', () => {
    const environment = loadEnvironment('prod', { values: [{ source: 'v.yaml', data: { components: { superset: { extraSecretEnv: { A: { secret: 'superset-secrets', key: 'ADMIN_EMAIL' } } } } } }] });
    const s = new SupersetSecrets(new App(), 's', { environment, remoteKey: 'kv/superset', legacyRemoteKey: 'kv/superset-legacy' });
    expect(s.secret).toEqual(SUPERSET_SECRET);
    expect(s.legacySecret).toEqual({ ...SUPERSET_LEGACY_SECRET, keys: ['ADMIN_EMAIL'] });
    expect(new SupersetSecrets(new App(), 's', { environment: loadEnvironment('prod') }).legacySecret).toBeUndefined();
    expect([...SUPERSET_SECRET_KEYS]).toEqual(['secret-key', 'database-uri', 'admin-password']);
    expect(SUPERSET_LEGACY_SECRET_KEYS).toHaveLength(11);
    // The objects themselves (Chart.toJson would run the platform checks, which fail for Secrets nothing reads here).
    const json = s.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject).map((o) => o.toJson());
    expect(json.find((o: any) => o.metadata.name === 'superset-secret').spec.data[0].remoteRef.key).toBe('kv/superset');
    expect(json.find((o: any) => o.metadata.name === 'superset-secrets').spec.data[0].remoteRef.key).toBe('kv/superset-legacy');
  });

  test('the secret store is named by the environment', () => {
    const objs = objectsOf('staging', { values: [{ source: 'store.yaml', data: { secretStore: { kind: 'SecretStore', name: 'openbao', refreshInterval: '15m' } } }] });
    for (const o of objs.filter((x) => x.manifest.kind === 'ExternalSecret')) {
      expect(o.manifest.spec.secretStoreRef).toEqual({ kind: 'SecretStore', name: 'openbao' });
      expect(o.manifest.spec.refreshInterval).toBe('15m');
    }
    expect(() => loadEnvironment('staging', { values: [{ source: 'bad.yaml', data: { secretStore: { kind: 'Vault' } } }] }))
      .toThrow(/environment 'staging'[\s\S]*secretStore\.kind[\s\S]*Fix: use one of "ClusterSecretStore", "SecretStore"/);
  });

  test('addExternalSecret rejects an invalid key, an empty remote path and an empty key list', () => {
    const environment = loadEnvironment('dev');
    const make = (data: Record<string, { key: string; property?: string }>) => {
      class C extends PlatformComponent {
        constructor() { super(new App(), 'c', 'c', { environment }); addExternalSecret(this, { name: 'x', role: 'r', version: 'v', data }); }
      }
      return new C();
    };
    expect(() => make({ 'bad key': { key: 'a' } })).toThrow(/component 'c', ExternalSecret x: 'bad key' is not a valid Secret key. Fix:/);
    expect(() => make({ k: { key: '' } })).toThrow(/key 'k' has an empty or padded remote key path/);
    expect(() => make({})).toThrow(/no keys are declared/);
  });
});

describe('Superset', () => {
  test.each([['dev', 1, 1, 1], ['staging', 1, 1, 1], ['prod', 2, 2, 1]] as const)('regression: replicas come from the environment (%s)', (env, web, worker, beat) => {
    const objs = objectsOf(env);
    expect(find(objs, 'Deployment', 'superset-web').spec.replicas).toBe(web);
    expect(find(objs, 'Deployment', 'superset-worker').spec.replicas).toBe(worker);
    expect(find(objs, 'Deployment', 'superset-beat').spec.replicas).toBe(beat);
  });

  test('a second Celery beat is refused', () => {
    expect(() => loadEnvironment('prod', { values: [{ source: 'beat.yaml', data: { components: { superset: { replicas: { beat: 2 } } } } }] }))
      .toThrow(/environment 'prod'[\s\S]*components\.superset\.replicas\.beat[\s\S]*at most 1/);
  });

  test.each(ENVS)('regression: the web Service, port 8088 and /health probes; selectors of the reference pack (%s)', (env) => {
    const objs = objectsOf(env);
    const svc = find(objs, 'Service', 'superset');
    expect(svc.spec.ports).toEqual([{ name: 'superset', port: 8088, targetPort: 8088, protocol: 'TCP' }]);
    expect(svc.spec.selector).toEqual({ app: 'superset', component: 'web' });
    const web = find(objs, 'Deployment', 'superset-web');
    const c = podOf(web).containers[0];
    expect(c.ports).toEqual([{ name: 'superset', containerPort: 8088, protocol: 'TCP' }]);
    for (const p of [c.startupProbe, c.livenessProbe, c.readinessProbe]) expect(p.httpGet).toEqual({ path: '/health', port: 'superset', scheme: 'HTTP' });
    for (const role of ['web', 'worker', 'beat']) {
      expect(find(objs, 'Deployment', `superset-${role}`).spec.selector.matchLabels).toEqual({ app: 'superset', component: role });
    }
  });

  test.each(ENVS)('regression: the init Job upgrades the schema, creates the admin from the secret and completes before the web pods (%s)', (env) => {
    const objs = objectsOf(env);
    const job = find(objs, 'Job', 'superset-init');
    const wave = (m: any) => parseInt(m.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? '0', 10);
    expect(job.metadata.annotations['argocd.argoproj.io/hook']).toBe('Sync');
    expect(job.metadata.annotations['argocd.argoproj.io/hook-delete-policy']).toBe('BeforeHookCreation');
    for (const name of WORKLOADS) {
      const d = find(objs, 'Deployment', name);
      expect(d.metadata.annotations?.['argocd.argoproj.io/hook']).toBeUndefined();
      expect(wave(d)).toBeGreaterThan(wave(job));
    }
    // Its inputs exist before it runs: the Secrets it reads and the configuration it mounts.
    expect(wave(find(objs, 'ExternalSecret', 'superset-secret'))).toBeLessThan(wave(job));
    expect(wave(find(objs, 'ConfigMap', 'superset-config'))).toBeLessThan(wave(job));
    const c = podOf(job).containers[0];
    const script: string = c.command[2];
    const steps = ['superset db upgrade', 'superset fab create-admin', 'superset init'].map((s) => script.indexOf(s));
    expect(steps.every((i) => i >= 0)).toBe(true);
    expect([...steps].sort((a, b) => a - b)).toEqual(steps);
    expect(script).toMatch(/^set -eu/);
    expect(envOf(c, 'ADMIN_PASSWORD')).toEqual({ secretKeyRef: { name: 'superset-secret', key: 'admin-password' } });
    expect(envOf(c, 'ADMIN_EMAIL')).toBe(`admin@${loadEnvironment(env).domain}`);
  });

  test.each(ENVS)('regression: nothing is installed when a container starts (%s)', (env) => {
    for (const { name, c } of supersetContainers(objectsOf(env))) {
      const text = JSON.stringify([c.command, c.args]);
      expect({ name, text }).toEqual({ name, text: expect.not.stringMatching(/pip install|uv pip|apt-get|PIP_ADDITIONAL_REQUIREMENTS/) });
      expect((c.env ?? []).map((e: any) => e.name)).not.toContain('PIP_ADDITIONAL_REQUIREMENTS');
      expect(c.image).toBe('harbor.254carbon.com/library/superset:5.0.0-drivers.1');
    }
  });

  test.each(ENVS)('regression: non-root, restricted profile, writable emptyDirs only, no deviation (%s)', (env) => {
    const containers = supersetContainers(objectsOf(env));
    expect(containers.map((x) => x.name).sort()).toEqual(['Deployment/superset-beat', 'Deployment/superset-web', 'Deployment/superset-worker', 'Job/superset-init']);
    for (const { c } of containers) {
      expect(c.securityContext).toMatchObject({
        runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false,
        privileged: false, seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(c.securityContext.capabilities).toEqual({ drop: ['ALL', 'CAP_NET_RAW'] });
      const mounts = Object.fromEntries(c.volumeMounts.map((m: any) => [m.mountPath, m]));
      expect(Object.keys(mounts).sort()).toEqual(['/app/pythonpath', '/app/superset_home', '/tmp']);
      expect(mounts['/app/pythonpath'].readOnly).toBe(true);
    }
    const graph = synthesizeGraph(env);
    for (const w of graph.workloads.filter((x) => x.component === 'superset' || x.component === 'redis')) {
      for (const c of w.containers) expect(c.deviations).toEqual([]);
    }
  });

  test.each(ENVS)('regression: Superset reaches Redis by FQDN, on separate databases (%s)', (env) => {
    const objs = objectsOf(env);
    const config: string = find(objs, 'ConfigMap', 'superset-config').data['superset_config.py'];
    expect(config).toContain(`REDIS_HOST = "redis-service.${NAMESPACES[env]}.svc.cluster.local"`);
    expect(config).toContain('REDIS_PORT = 6379');
    const dbs = [...config.matchAll(/^REDIS_(\w+)_DB = (\d+)$/gm)].map((m) => [m[1], parseInt(m[2], 10)] as const);
    expect(dbs.map(([k]) => k)).toEqual(['CACHE', 'CELERY_BROKER', 'CELERY_RESULTS', 'SQLLAB_RESULTS']);
    expect(new Set(dbs.map(([, n]) => n)).size).toBe(4);
    expect(config).toContain('"CACHE_REDIS_URL": _redis_url(REDIS_CACHE_DB)');
    expect(config).toContain('broker_url = _redis_url(REDIS_CELERY_BROKER_DB)');
    expect(config).toContain('result_backend = _redis_url(REDIS_CELERY_RESULTS_DB)');
    expect(config).toContain('db=REDIS_SQLLAB_RESULTS_DB');
    // The reference check proves the FQDN is a synthesized Service; a bare name is refused by the same check.
    expect(checkReferences(objs, loadEnvironment(env))).toEqual([]);
    const bare = objs.map((o) => (o.manifest.kind === 'ConfigMap' && o.manifest.metadata.name === 'superset-config'
      ? { ...o, manifest: { ...o.manifest, data: { 'superset_config.py': config.replace(/REDIS_HOST = .*/, 'REDIS_URL = "redis://redis-service:6379/1"') } } }
      : o));
    expect(checkReferences(bare, loadEnvironment(env)).join('\n')).toMatch(/superset-config.*addresses Service 'redis-service' by its bare name/);
  });

  test.each([['dev', false], ['staging', true], ['prod', true]] as const)('the Redis password follows the environment (%s: %s)', (env, auth) => {
    const objs = objectsOf(env);
    const config: string = find(objs, 'ConfigMap', 'superset-config').data['superset_config.py'];
    expect(config).toContain(auth ? 'REDIS_PASSWORD = _required("REDIS_PASSWORD")' : 'REDIS_PASSWORD = None');
    for (const { c } of supersetContainers(objs)) {
      expect(envOf(c, 'REDIS_PASSWORD')).toEqual(auth ? { secretKeyRef: { name: 'redis-secret', key: 'redis-password' } } : undefined);
    }
  });

  test('superset_config.py reads the secret key and the metadata DB from the Secret, and holds no value of them', () => {
    const objs = objectsOf('prod');
    const config: string = find(objs, 'ConfigMap', 'superset-config').data['superset_config.py'];
    expect(config).toContain('SECRET_KEY = _required("SUPERSET_SECRET_KEY")');
    expect(config).toContain('SQLALCHEMY_DATABASE_URI = _required("DATABASE_URI")');
    expect(config).not.toMatch(/postgresql(\+psycopg2)?:\/\//);
    for (const { c } of supersetContainers(objs)) {
      expect(envOf(c, 'SUPERSET_SECRET_KEY')).toEqual({ secretKeyRef: { name: 'superset-secret', key: 'secret-key' } });
      expect(envOf(c, 'DATABASE_URI')).toEqual({ secretKeyRef: { name: 'superset-secret', key: 'database-uri' } });
      expect(envOf(c, 'SUPERSET_CONFIG_PATH')).toBe('/app/pythonpath/superset_config.py');
    }
  });

  test('the Trino connection is built from the coordinator Service FQDN and registered by the init Job', () => {
    const environment = loadEnvironment('staging');
    const trino: ServiceDescriptor<'trino-api'> = { component: 'trino', name: 'trino-coordinator', ports: { 'trino-api': 8080 } };
    const app = new App();
    new FakeTrino(app, environment, trino);
    new BitnamiRedis(app, 'redis', { environment });
    new SupersetSecrets(app, 'superset-secrets', { environment });
    const superset = new Superset(app, 'superset', { environment, trino });
    expect(superset.trinoUri).toBe('trino://superset@trino-coordinator.data-platform-staging.svc.cluster.local:8080/iceberg');
    const objs = renderApp(app, 'staging');
    expect(checkReferences(objs, environment)).toEqual([]);
    expect(find(objs, 'ConfigMap', 'superset-config').data['superset_config.py'])
      .toContain('TRINO_SQLALCHEMY_URI = "trino://superset@trino-coordinator.data-platform-staging.svc.cluster.local:8080/iceberg"');
    const c = podOf(find(objs, 'Job', 'superset-init')).containers[0];
    expect(envOf(c, 'TRINO_SQLALCHEMY_URI')).toBe(superset.trinoUri);
    expect(envOf(c, 'TRINO_DATABASE_NAME')).toBe('Trino');
    expect(c.command[2]).toContain('superset set-database-uri -d "$TRINO_DATABASE_NAME" -u "$TRINO_SQLALCHEMY_URI"');
    expect(superset.graph.dependenciesOf('superset')).toEqual(['redis', 'superset-secrets', 'trino']);
    // Without the Trino Service in the output, the reference check names the missing Service.
    const withoutTrino = objs.filter((o) => !(o.manifest.kind === 'Service' && o.manifest.metadata.name === 'trino-coordinator'));
    expect(checkReferences(withoutTrino, environment).join('\n')).toMatch(/no Service data-platform-staging\/trino-coordinator is synthesized/);
  });

  test('without a Trino Service there is no Trino connection', () => {
    const noTrino = objectsOf('prod', { values: [{ source: 'test', data: { components: { trino: { enabled: false } } } }] });
    const config: string = find(noTrino, 'ConfigMap', 'superset-config').data['superset_config.py'];
    expect(config).not.toContain('TRINO');
    expect(podOf(find(noTrino, 'Job', 'superset-init')).containers[0].command[2]).not.toContain('set-database-uri');
    // With Trino deployed (the default), DataPlatform wires the coordinator's FQDN and its Iceberg catalog.
    expect(find(objectsOf('prod'), 'ConfigMap', 'superset-config').data['superset_config.py'])
      .toContain('trino://superset@trino-coordinator.data-platform.svc.cluster.local:8080/iceberg');
  });

  test('Redis databases must differ; a bad Trino catalog and a disabled Redis are refused with the fix', () => {
    const environment = loadEnvironment('prod');
    expect(DEFAULT_REDIS_DATABASES).toEqual({ cache: 1, celeryBroker: 2, celeryResults: 3, sqlLabResults: 4 });
    expect(() => new Superset(new App(), 's', { environment, redisDatabases: { celeryResults: 2 } }))
      .toThrow(/component 'superset', redisDatabases\.celeryResults: database 2 is also used for celeryBroker\. Fix:/);
    expect(() => new Superset(new App(), 's', { environment, redisDatabases: { cache: 16 } })).toThrow(/16 is not a Redis database number/);
    const trino: ServiceDescriptor<'trino-api'> = { component: 'trino', name: 'trino-coordinator', ports: { 'trino-api': 8080 } };
    expect(() => new Superset(new App(), 's', { environment, trino, trinoCatalog: 'Iceberg Catalog' })).toThrow(PlatformConfigError);
    const noHttp = { component: 'trino', name: 'trino-coordinator', ports: { https: 8443 } };
    expect(() => new Superset(new App(), 's', { environment, trino: noHttp as unknown as ServiceDescriptor<'trino-api'> })).toThrow(/Service trino-coordinator has no port 'trino-api'. Fix: use one of https/);
    const noRedis = loadEnvironment('prod', { values: [{ source: 'o', data: { components: { redis: { enabled: false } } } }] });
    expect(() => new Superset(new App(), 's', { environment: noRedis })).toThrow(/Superset needs Redis.*Fix: enable components\.redis/);
  });

  test('a key that the secret construct does not produce does not compile, and is refused at run time', () => {
    const app = new App();
    class Consumer extends PlatformComponent {
      constructor() { super(app, 'consumer', 'consumer', { environment: loadEnvironment('dev') }); }
    }
    const consumer = new Consumer();
    expect(consumer.secretKeyRef(SUPERSET_SECRET, 'secret-key')).toEqual({ secretKeyRef: { name: 'superset-secret', key: 'secret-key' } });
    // @ts-expect-error 'SUPERSET_SECRET_KEY' is a key of superset-secrets, not of superset-secret
    expect(() => consumer.secretKeyRef(SUPERSET_SECRET, 'SUPERSET_SECRET_KEY')).toThrow(/Secret superset-secret has no key 'SUPERSET_SECRET_KEY'/);
  });
});

describe('secrets in the output', () => {
  test.each(ENVS)('regression: every secretKeyRef of every workload points at a produced or declared Secret and key (%s)', (env) => {
    const objs = objectsOf(env);
    const environment = loadEnvironment(env);
    const available = new Map<string, Set<string>>();
    for (const o of objs.filter((x) => x.manifest.kind === 'ExternalSecret')) {
      available.set(o.manifest.spec.target.name, new Set(o.manifest.spec.data.map((d: any) => d.secretKey)));
    }
    for (const [name, s] of Object.entries(environment.external.secrets)) available.set(name, new Set(s.keys));
    let refs = 0;
    for (const o of objs) {
      const pod = podSpecOf(o.manifest);
      if (!pod) continue;
      for (const { c, path } of containersOf(pod)) {
        for (const e of c.env ?? []) {
          const ref = e.valueFrom?.secretKeyRef;
          if (!ref) continue;
          refs++;
          expect({ at: `${o.path} ${path} ${e.name}`, ok: available.get(ref.name)?.has(ref.key) ?? false })
            .toEqual({ at: `${o.path} ${path} ${e.name}`, ok: true });
        }
        for (const f of c.envFrom ?? []) expect(f.secretRef ? available.has(f.secretRef.name) : true).toBe(true);
      }
    }
    expect(refs).toBeGreaterThan(20);
  });

  test.each(ENVS)('regression: no inline secret value anywhere in the output (%s)', (env) => {
    const files = filesOf(env);
    const objects = objectsOf(env);
    expect(checkNoInlineSecrets(objects)).toEqual([]);
    for (const [path, text] of files) {
      expect({ path, secret: /^kind: Secret$/m.test(text) }).toEqual({ path, secret: false });
    }
    // Every env var whose name says it is secret is a reference, never a literal.
    for (const o of objects) {
      const pod = podSpecOf(o.manifest);
      for (const { c } of pod ? containersOf(pod) : []) {
        for (const e of c.env ?? []) {
          if (/PASSWORD|SECRET|TOKEN|_URI$|CREDENTIAL/.test(e.name) && !/TRINO_SQLALCHEMY_URI|SUPERSET_CONFIG_PATH/.test(e.name)) {
            // A URI may be a literal only when it carries no credentials (user:password@).
            const leaks = e.value !== undefined && (!/_URI$/.test(e.name) || /:\/\/[^/@\s]+:[^/@\s]+@/.test(e.value));
            expect({ at: `${o.path} ${e.name}`, leaks }).toEqual({ at: `${o.path} ${e.name}`, leaks: false });
          }
        }
      }
    }
  });

  test('a Secret with inline values fails the synth check', () => {
    const objs = objectsOf('dev');
    const leaked = [...objs, { path: 'dev/superset/Secret.superset-secret.yaml', env: 'dev', component: 'superset',
      manifest: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'superset-secret', namespace: 'data-platform-dev' }, stringData: { 'secret-key': 'x' } } }];
    expect(checkNoInlineSecrets(leaked)).toEqual([expect.stringMatching(/Secret superset-secret carries inline values \(secret-key\)\. Fix:/)]);
  });

  test('bad input: a Superset env var referencing a key no secret provides fails the synth naming the variable, the Secret and the key', () => {
    const overlay = { components: { superset: { extraSecretEnv: { MAPBOX_API_KEY: { secret: 'superset-secret', key: 'mapbox-api-key' } } } } };
    let error: unknown;
    try {
      synthesize({ environments: ['staging'], values: [{ source: 'mapbox.yaml', data: overlay }] });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(PlatformValidationError);
    const msg = (error as Error).message;
    expect(msg).toContain("environment 'staging' failed its checks");
    expect(msg).toMatch(/Deployment superset-web\).*env MAPBOX_API_KEY references key 'mapbox-api-key' of Secret data-platform-staging\/superset-secret, which has secret-key, database-uri, admin-password\. Fix:/);
    // A Secret nobody produces or declares is named as well.
    expect(() => synthesize({ environments: ['staging'], values: [{ source: 'x.yaml', data: { components: { superset: { extraSecretEnv: { X: { secret: 'nope', key: 'k' } } } } } }] }))
      .toThrow(/env X references Secret data-platform-staging\/nope, which the output does not produce and the environment does not declare/);
    // An existing key passes and reaches every Superset container.
    const ok = objectsOf('staging', { values: [{ source: 'ok.yaml', data: { components: { superset: { extraSecretEnv: { LEGACY_TRINO_URI: { secret: 'superset-secrets', key: 'SUPERSET_TRINO_URI' } } } } } }] });
    for (const { c } of supersetContainers(ok)) expect(envOf(c, 'LEGACY_TRINO_URI')).toEqual({ secretKeyRef: { name: 'superset-secrets', key: 'SUPERSET_TRINO_URI' } });
  });
});

function synthesizeGraph(env: string) {
  const app = new App();
  const environment = loadEnvironment(env);
  new BitnamiRedis(app, 'redis', { environment });
  const s = new Superset(app, 'superset', { environment });
  return s.graph;
}
