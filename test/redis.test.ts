import { App } from 'cdk8s';
import { BitnamiRedis, REDIS_PASSWORD_SECRET, REDIS_SERVICE } from '../src/components/redis/redis';
import { loadEnvironment } from '../src/config/values';
import { ENVS, envOf, find, objectsOf, podOf } from './util';

const mountsOf = (c: Record<string, any>): Record<string, any> => Object.fromEntries((c.volumeMounts ?? []).map((m: any) => [m.mountPath, m]));

describe('BitnamiRedis', () => {
  test.each(ENVS)('regression: the bitnamilegacy image, uid 1001 and the read-only layout with its writable volumes (%s)', (env) => {
    const d = find(objectsOf(env), 'Deployment', 'redis');
    const pod = podOf(d);
    const c = pod.containers[0];
    // Versioned bitnami/ tags no longer pull (28 Aug 2025): the image is pinned in bitnamilegacy.
    expect(c.image).toBe('docker.io/bitnamilegacy/redis:7.2.5-debian-12-r4');
    expect(c.securityContext).toMatchObject({
      runAsUser: 1001, runAsGroup: 1001, runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(c.securityContext.capabilities.drop).toContain('ALL');
    expect(c.securityContext.capabilities.add).toBeUndefined();
    expect(pod.securityContext).toMatchObject({ fsGroup: 1001, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });

    // Exactly the writable volumes the image needs, and the configuration read-only from the ConfigMap.
    const volumes = Object.fromEntries(pod.volumes.map((v: any) => [v.name, v]));
    const mounts = mountsOf(c);
    expect(Object.keys(mounts).sort()).toEqual(['/data', '/opt/bitnami/redis/etc', '/opt/bitnami/redis/mounted-etc', '/tmp']);
    for (const path of ['/data', '/opt/bitnami/redis/etc', '/tmp']) {
      expect(volumes[mounts[path].name].emptyDir).toEqual({});
      expect(mounts[path].readOnly).toBeUndefined();
    }
    expect(mounts['/opt/bitnami/redis/mounted-etc'].readOnly).toBe(true);
    expect(volumes[mounts['/opt/bitnami/redis/mounted-etc'].name].configMap).toEqual({ name: 'redis-configuration' });
    const conf = find(objectsOf(env), 'ConfigMap', 'redis-configuration').data;
    expect(conf['master.conf']).toContain('dir /data');
    expect(conf['redis.conf']).toContain('appendonly yes');
    // The start script copies the mounted configuration to the writable etc dir before redis-server reads it.
    expect(c.command[2]).toContain('cp /opt/bitnami/redis/mounted-etc/redis.conf /opt/bitnami/redis/etc/redis.conf');
    expect(c.command[2]).toContain('--include" "/opt/bitnami/redis/etc/master.conf');
  });

  test.each(ENVS)('regression: redis-service on 6379 selects the Deployment of the reference pack\'s kind (%s)', (env) => {
    const objs = objectsOf(env);
    expect(objs.filter((o) => o.component === 'redis' && o.manifest.kind === 'StatefulSet')).toEqual([]);
    const d = find(objs, 'Deployment', 'redis');
    expect(d.spec.selector.matchLabels).toEqual({ app: 'redis' });
    expect(d.spec.strategy).toEqual({ type: 'Recreate' });
    const svc = find(objs, 'Service', 'redis-service');
    expect(svc.spec.selector).toEqual({ app: 'redis' });
    expect(svc.spec.ports).toEqual([{ name: 'redis', port: 6379, targetPort: 6379, protocol: 'TCP' }]);
  });

  test('regression: probes ping with redis-cli, authenticated through REDISCLI_AUTH', () => {
    const c = podOf(find(objectsOf('prod'), 'Deployment', 'redis')).containers[0];
    for (const probe of [c.livenessProbe, c.readinessProbe]) {
      const script = probe.exec.command.join(' ');
      expect(script).toContain('redis-cli -h localhost -p 6379 ping');
      expect(script).toContain('export REDISCLI_AUTH="$REDIS_PASSWORD"');
    }
    expect(c.readinessProbe.exec.command[2]).toMatch(/in PONG\)/);
    expect(c.livenessProbe.exec.command[2]).toMatch(/PONG\|LOADING\*\|MASTERDOWN\*/);
  });

  test.each([['dev', false], ['staging', true], ['prod', true]] as const)('regression: password auth per environment (%s: %s)', (env, auth) => {
    const objs = objectsOf(env);
    const c = podOf(find(objs, 'Deployment', 'redis')).containers[0];
    const es = objs.find((o) => o.manifest.kind === 'ExternalSecret' && o.manifest.metadata.name === 'redis-secret');
    if (auth) {
      expect(envOf(c, 'REDIS_PASSWORD')).toEqual({ secretKeyRef: { name: 'redis-secret', key: 'redis-password' } });
      expect(c.command[2]).toContain('--requirepass" "${REDIS_PASSWORD}');
      expect(es!.manifest.spec.data.map((d: any) => d.secretKey)).toEqual(['redis-password']);
      expect(es!.manifest.spec.data[0].remoteRef).toEqual({ key: `data-platform/${env}/redis`, property: 'redis-password' });
    } else {
      expect(envOf(c, 'REDIS_PASSWORD')).toBeUndefined();
      expect(c.command[2]).toContain('--protected-mode" "no');
      expect(es).toBeUndefined();
    }
  });

  test('auth can be switched per environment with a values overlay', () => {
    const objs = objectsOf('prod', { values: [{ source: 'overlay', data: { components: { redis: { auth: { enabled: false } } } } }] });
    expect(objs.some((o) => o.manifest.metadata.name === 'redis-secret')).toBe(false);
    expect(envOf(podOf(find(objs, 'Deployment', 'redis')).containers[0], 'REDIS_PASSWORD')).toBeUndefined();
  });

  test('the image repository and tag are props; latest and the dead bitnami/ repository are rejected', () => {
    const environment = loadEnvironment('staging');
    const ok = new BitnamiRedis(new App(), 'r', { environment, imageRepository: 'harbor.254carbon.com/mirror/redis', imageTag: '7.2.5-debian-12-r4' });
    expect(ok.image.reference).toBe('harbor.254carbon.com/mirror/redis:7.2.5-debian-12-r4');
    expect(() => new BitnamiRedis(new App(), 'r', { environment, imageTag: 'latest' }))
      .toThrow(/environment 'staging', component 'redis'.*tag 'latest'.*Fix:/);
    expect(() => new BitnamiRedis(new App(), 'r', { environment, imageRepository: 'docker.io/bitnami/redis' }))
      .toThrow(/docker\.io\/bitnami.*no longer pull.*Fix: use 'docker\.io\/bitnamilegacy\/redis'/);
    expect(() => new BitnamiRedis(new App(), 'r', { environment, imageRepository: 'bitnamilegacy/redis' })).toThrow(/no registry host/);
  });

  test('descriptors: the Service and the password Secret consumers reference', () => {
    const redis = new BitnamiRedis(new App(), 'r', { environment: loadEnvironment('prod') });
    expect(redis.passwordSecret).toEqual(REDIS_PASSWORD_SECRET);
    expect(BitnamiRedis.SERVICE).toBe(REDIS_SERVICE);
    expect(new BitnamiRedis(new App(), 'r', { environment: loadEnvironment('dev') }).passwordSecret).toBeUndefined();
  });
});
