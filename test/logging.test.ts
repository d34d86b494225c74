import { App } from 'cdk8s';
import { loadEnvironment } from '../src/config/values';
import { DataPlatform } from '../src/platform/data-platform';
import { ENVS, find, NAMESPACES, objectsOf, podOf } from './util';

const SUFFIX: Record<string, string> = { dev: '-dev', staging: '-staging', prod: '' };

describe('Logging (Fluent Bit and Loki)', () => {
  test.each(ENVS)('regression: Fluent Bit can read the node\'s container logs and keeps its offsets (%s)', (env) => {
    const objs = objectsOf(env);
    const ds = find(objs, 'DaemonSet', `fluent-bit${SUFFIX[env]}`);
    expect(ds.metadata.namespace).toBe('victoria-metrics');
    const pod = podOf(ds);
    const c = pod.containers[0];
    // The log files under /var/log/pods are root-owned, mode 0640: the old uid 1000 could read none of them.
    expect(c.securityContext.runAsUser).toBe(0);
    expect(c.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(c.securityContext.capabilities.drop).toEqual(['ALL', 'CAP_NET_RAW']);
    const mounts = Object.fromEntries(c.volumeMounts.map((m: any) => [m.mountPath, m]));
    const hostPath = (name: string) => pod.volumes.find((v: any) => v.name === name).hostPath?.path;
    expect(hostPath(mounts['/var/log'].name)).toBe('/var/log');
    expect(mounts['/var/log'].readOnly).toBe(true);
    const conf = find(objs, 'ConfigMap', `fluent-bit-config${SUFFIX[env]}`).data['fluent-bit.conf'] as string;
    const db = /^\s*DB (\S+)$/m.exec(conf)![1];
    const stateMount = c.volumeMounts.find((m: any) => db.startsWith(`${m.mountPath}/`));
    expect(stateMount.readOnly).toBeUndefined();
    expect(hostPath(stateMount.name)).toBe('/var/lib/fluent-bit');
    // One offsets file per environment on a shared node.
    expect(db).toBe(`/var/lib/fluent-bit/tail-${env}.db`);
    // The deviations are declared, with reasons, in the graph.
    const app = new App();
    const platform = new DataPlatform(app, env, { environment: loadEnvironment(env) });
    const w = platform.graph.workloads.find((x) => x.kind === 'DaemonSet')!;
    expect(w.containers[0].deviations.map((d) => d.kind).sort()).toEqual(['hostPathVolumes', 'runAsRoot']);
  });

  test.each(ENVS)('Fluent Bit ships its environment\'s logs to its environment\'s Loki (%s)', (env) => {
    const objs = objectsOf(env);
    const conf = find(objs, 'ConfigMap', `fluent-bit-config${SUFFIX[env]}`).data['fluent-bit.conf'] as string;
    const path = /^\s*Path (\S+)$/m.exec(conf)![1].split(',');
    expect(path[0]).toBe(`/var/log/containers/*_${NAMESPACES[env]}_*.log`);
    if (env !== 'prod') expect(path).toHaveLength(1);
    expect(conf).toMatch(new RegExp(`^\\s*Host loki${SUFFIX[env]}\\.victoria-metrics\\.svc\\.cluster\\.local$`, 'm'));
    expect(conf).toMatch(/^\s*Port 3100$/m);
    expect(conf).toContain('Kube_URL https://kubernetes.default.svc.cluster.local:443');
    expect(conf).toContain("namespace=$kubernetes['namespace_name']");
    expect(find(objs, 'Service', `loki${SUFFIX[env]}`).spec.ports.map((p: any) => [p.name, p.port])).toEqual([['http', 3100], ['grpc', 9096]]);
  });

  test.each(ENVS)('the ClusterRole is read-only and cluster-scoped (%s)', (env) => {
    const objs = objectsOf(env);
    const role = find(objs, 'ClusterRole', `fluent-bit${SUFFIX[env]}`);
    expect(role.metadata.namespace).toBeUndefined();
    for (const r of role.rules) expect(r.verbs.every((v: string) => ['get', 'list', 'watch'].includes(v))).toBe(true);
    const binding = find(objs, 'ClusterRoleBinding', `fluent-bit${SUFFIX[env]}`);
    expect(binding.metadata.namespace).toBeUndefined();
    expect(binding.roleRef.name).toBe(role.metadata.name);
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: `fluent-bit${SUFFIX[env]}`, namespace: 'victoria-metrics' }]);
    expect(podOf(find(objs, 'DaemonSet', `fluent-bit${SUFFIX[env]}`)).serviceAccountName).toBe(`fluent-bit${SUFFIX[env]}`);
  });

  test.each([['dev', '5Gi', '72h'], ['staging', '10Gi', '168h'], ['prod', '20Gi', '336h']])('regression: Loki keeps its data on a persistent volume for its retention (%s)', (env, size, retention) => {
    const objs = objectsOf(env);
    const d = find(objs, 'Deployment', `loki${SUFFIX[env]}`);
    const pod = podOf(d);
    const mount = pod.containers[0].volumeMounts.find((m: any) => m.mountPath === '/loki');
    const claim = pod.volumes.find((v: any) => v.name === mount.name).persistentVolumeClaim?.claimName;
    expect(claim).toBe(`loki-data${SUFFIX[env]}`);
    expect(find(objs, 'PersistentVolumeClaim', claim).spec.resources.requests.storage).toBe(size);
    expect(pod.volumes.some((v: any) => v.emptyDir && pod.containers[0].volumeMounts.some((m: any) => m.name === v.name && m.mountPath === '/loki'))).toBe(false);
    const conf = find(objs, 'ConfigMap', `loki-config${SUFFIX[env]}`).data['loki.yaml'] as string;
    expect(conf).toContain('path_prefix: /loki');
    expect(conf).toContain(`retention_period: ${retention}`);
    expect(conf).toContain('retention_enabled: true');
    expect(pod.containers[0].securityContext.runAsUser).toBe(10001);
  });
});
