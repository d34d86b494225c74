import { App } from 'cdk8s';
import { BitnamiRedis, REDIS_PASSWORD_SECRET, REDIS_SERVICE } from '../src/components/redis/redis';
import { loadEnvironment } from '../src/config/values';
import { ENVS, envOf, find, objectsOf, podOf } from './util';

const mountsOf = (c: Record<string, any>): Record<string, any> => Object.fromEntries((c.volumeMounts ?? []).map((m: any) => [m.mountPath, m]));

describe('Redis', () => {
  test.each(ENVS)('regression: the Docker official image at a patched 7.2 release, uid 999, read-only root with the config mounted read-only (%s)', (env) => {
    const d = find(objectsOf(env), 'Deployment', 'redis');
    const pod = podOf(d);
    const c = pod.containers[0];
    // bitnamilegacy/redis:7.2.5 gets no updates and predates the fixes for CVE-2024-31449 (7.2.6) and CVE-2025-49844 (7.2.11).
    expect(c.image).toBe('docker.io/library/redis:7.2.11-bookworm');
    const [major, minor, patch] = /:(\d+)\.(\d+)\.(\d+)/.exec(c.image)!.slice(1).map(Number);
    expect(major === 7 && minor === 2 ? patch >= 11 : major === 7 && minor === 4 ? patch >= 6 : major >= 8).toBe(true);
    expect(c.securityContext).toMatchObject({
      runAsUser: 999, runAsGroup: 999, runAsNonRoot: true, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false,
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(c.securityContext.capabilities.drop).toContain('ALL');
    expect(c.securityContext.capabilities.add).toBeUndefined();
    expect(pod.securityContext).toMatchObject({ fsGroup: 999, runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
    // Through the image's entrypoint (it steps down with gosu only as root; as 999 it just sets umask 0077 and execs).
    expect(c.command).toEqual(['docker-entrypoint.sh']);
    expect(c.args.slice(0, 2)).toEqual(['redis-server', '/usr/local/etc/redis/redis.conf']);
    expect(c.workingDir).toBe('/data');

    const volumes = Object.fromEntries(pod.volumes.map((v: any) => [v.name, v]));
    const mounts = mountsOf(c);
    expect(Object.keys(mounts).sort()).toEqual(['/data', '/tmp', '/usr/local/etc/redis']);
    for (const path of ['/data', '/tmp']) {
      expect(volumes[mounts[path].name].emptyDir).toEqual({});
      expect(mounts[path].readOnly).toBeUndefined();
    }
    expect(mounts['/usr/local/etc/redis'].readOnly).toBe(true);
    expect(volumes[mounts['/usr/local/etc/redis'].name].configMap).toEqual({ name: 'redis-configuration' });
  });

  test.each(ENVS)('regression: maxmemory is half the memory limit with noeviction, so the Celery broker keys are never evicted (%s)', (env) => {
    const conf: string = find(objectsOf(env), 'ConfigMap', 'redis-configuration').data['redis.conf'];
    const limit = podOf(find(objectsOf(env), 'Deployment', 'redis')).containers[0].resources.limits.memory;
    expect(limit).toBe('512Mi');
    expect(conf).toMatch(/^maxmemory 268435456$/m);
    expect(conf).toMatch(/^maxmemory-policy noeviction$/m);
    expect(conf).toMatch(/^dir \/data$/m);
    expect(conf).toMatch(/^appendonly yes$/m);
    expect(conf).toMatch(/^rename-command FLUSHALL ""$/m);
    // Every other key Superset writes carries a TTL, which bounds the memory under noeviction.
    const py: string = find(objectsOf(env), 'ConfigMap', 'superset-config').data['superset_config.py'];
    expect(py).toMatch(/"CACHE_DEFAULT_TIMEOUT": 300/);
    expect(py).toMatch(/default_timeout=86400/);
    expect(py).toMatch(/result_expires = 86400/);
  });

  test('a Bitnami image and a maxmemory fraction that leaves no headroom are rejected', () => {
    const environment = loadEnvironment('staging');
    expect(() => new BitnamiRedis(new App(), 'r', { environment, image: 'docker.io/bitnamilegacy/redis:7.2.5-debian-12-r4' }))
      .toThrow(/Bitnami image.*Fix: use the Docker official image/);
    expect(() => new BitnamiRedis(new App(), 'r', { environment, maxmemoryFraction: 0.95 })).toThrow(/maxmemoryFraction.*Fix: use a number above 0 and at most 0\.8/);
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
      expect(c.args.slice(2)).toEqual(['--requirepass', '$(REDIS_PASSWORD)']);
      expect(find(objs, 'ConfigMap', 'redis-configuration').data['redis.conf']).not.toMatch(/protected-mode/);
      expect(es!.manifest.spec.data.map((d: any) => d.secretKey)).toEqual(['redis-password']);
      expect(es!.manifest.spec.data[0].remoteRef).toEqual({ key: `data-platform/${env}/redis`, property: 'redis-password' });
    } else {
      expect(envOf(c, 'REDIS_PASSWORD')).toBeUndefined();
      expect(c.args).toEqual(['redis-server', '/usr/local/etc/redis/redis.conf']);
      expect(find(objs, 'ConfigMap', 'redis-configuration').data['redis.conf']).toMatch(/^protected-mode no$/m);
      expect(es).toBeUndefined();
    }
  });

  test('auth can be switched per environment with a values overlay', () => {
    const objs = objectsOf('prod', { values: [{ source: 'overlay', data: { components: { redis: { auth: { enabled: false } } } } }] });
    expect(objs.some((o) => o.manifest.metadata.name === 'redis-secret')).toBe(false);
    expect(envOf(podOf(find(objs, 'Deployment', 'redis')).containers[0], 'REDIS_PASSWORD')).toBeUndefined();
  });

  test('the image is a prop; latest and a registry-less reference are rejected', () => {
    const environment = loadEnvironment('staging');
    const ok = new BitnamiRedis(new App(), 'r', { environment, image: 'harbor.254carbon.com/mirror/redis:7.2.11-bookworm' });
    expect(ok.image.reference).toBe('harbor.254carbon.com/mirror/redis:7.2.11-bookworm');
    expect(() => new BitnamiRedis(new App(), 'r', { environment, image: 'docker.io/library/redis:latest' }))
      .toThrow(/environment 'staging', component 'redis'.*tag 'latest'.*Fix:/);
    expect(() => new BitnamiRedis(new App(), 'r', { environment, image: 'redis:7.2.11' })).toThrow(/no registry host/);
  });

  test('descriptors: the Service and the password Secret consumers reference', () => {
    const redis = new BitnamiRedis(new App(), 'r', { environment: loadEnvironment('prod') });
    expect(redis.passwordSecret).toEqual(REDIS_PASSWORD_SECRET);
    expect(BitnamiRedis.SERVICE).toBe(REDIS_SERVICE);
    expect(new BitnamiRedis(new App(), 'r', { environment: loadEnvironment('dev') }).passwordSecret).toBeUndefined();
  });
});
