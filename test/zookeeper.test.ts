import { ENVS, find, NAMESPACES, objectsOf, podOf } from './util';

describe('ZooKeeper', () => {
  test.each(ENVS)('StatefulSet behind zookeeper-service on 2181, restricted, on the storage class (%s)', (env) => {
    const objs = objectsOf(env);
    const svc = find(objs, 'Service', 'zookeeper-service');
    expect(svc.spec.clusterIP).toBe('None');
    expect(svc.spec.ports.find((p: any) => p.name === 'client').port).toBe(2181);
    const sts = find(objs, 'StatefulSet', 'zookeeper');
    expect(sts.spec.selector.matchLabels).toEqual({ app: 'zookeeper' });
    expect(sts.spec.serviceName).toBe('zookeeper-service');
    const c = podOf(sts).containers[0];
    const [major, minor] = c.image.split(':').pop().split('.').map(Number);
    expect(major > 3 || (major === 3 && minor >= 8)).toBe(true);
    expect(c.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(c.livenessProbe.exec.command.join(' ')).toContain('ruok');
    expect(c.readinessProbe.exec.command.join(' ')).toContain('ruok');
    for (const t of sts.spec.volumeClaimTemplates) expect(t.spec.storageClassName).toBe('local-path');
    const servers = c.env.find((e: any) => e.name === 'ZOO_SERVERS').value;
    expect(servers).toBe(`server.1=zookeeper-0.zookeeper-service.${NAMESPACES[env]}.svc.cluster.local:2888:3888;2181`);
  });

  test('an ensemble lists every member by its pod FQDN', () => {
    const objs = objectsOf('prod', { values: [{ source: 'test', data: { components: { zookeeper: { replicas: 3 } } } }] });
    const c = podOf(find(objs, 'StatefulSet', 'zookeeper')).containers[0];
    const servers = c.env.find((e: any) => e.name === 'ZOO_SERVERS').value.split(' ');
    expect(servers).toHaveLength(3);
    expect(servers[2]).toBe('server.3=zookeeper-2.zookeeper-service.data-platform.svc.cluster.local:2888:3888;2181');
    expect(c.env.find((e: any) => e.name === 'ZOO_STANDALONE_ENABLED').value).toBe('false');
  });
});
