import { ENVS, find, objectsOf, podOf } from './util';

describe('MinIO', () => {
  test.each([['dev', '10Gi'], ['staging', '20Gi'], ['prod', '50Gi']] as const)('StatefulSet with the environment volume size, API 9000, console 9001, health probes (%s)', (env, size) => {
    const sts = find(objectsOf(env), 'StatefulSet', 'minio');
    expect(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage).toBe(size);
    const c = podOf(sts).containers[0];
    expect(c.ports.map((p: any) => p.containerPort)).toEqual([9000, 9001]);
    expect(c.livenessProbe.httpGet.path).toBe('/minio/health/live');
    expect(c.readinessProbe.httpGet.path).toBe('/minio/health/ready');
    expect(c.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, readOnlyRootFilesystem: true });
    expect(c.env.find((e: any) => e.name === 'MINIO_ROOT_PASSWORD').valueFrom).toEqual({ secretKeyRef: { name: 'minio-secret', key: 'secret-key' } });
  });

  test('regression: a maintained MinIO build pinned by release tag, never latest', () => {
    const objs = objectsOf('prod');
    const server = podOf(find(objs, 'StatefulSet', 'minio')).containers[0].image;
    expect(server).toBe('docker.io/pgsty/minio:RELEASE.2026-08-04T00-00-00Z');
    expect(podOf(find(objs, 'Job', 'minio-init-buckets')).containers[0].image).toBe(server);
  });

  test.each(ENVS)('regression: the bucket Job runs after MinIO and creates the platform buckets, private, idempotently (%s)', (env) => {
    const job = find(objectsOf(env), 'Job', 'minio-init-buckets');
    expect(job.metadata.annotations['argocd.argoproj.io/hook']).toBe('PostSync');
    const script: string = podOf(job).containers[0].command[2];
    for (const bucket of ['iceberg-warehouse', 'velero-backups']) {
      expect(script).toContain(`mc mb --ignore-existing platform/${bucket}\n`);
      expect(script).toContain(`mc anonymous set none platform/${bucket}\n`);
    }
    expect(script).not.toMatch(/anonymous set (public|download|upload)|policy set public/);
    expect(script.startsWith('set -eu\n')).toBe(true);
  });
});
