/**
 * The e2e control plane, all on 127.0.0.1: etcd + kube-apiserver (the conformance tier's LocalCluster),
 * kube-controller-manager, kube-scheduler, kwok with fake nodes, Debian's redis-server, and Argo CD's
 * repo-server and application-controller. Everything is a child of this process (pdeathsig), stopped by
 * `stop()` in reverse order.
 */
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as path from 'node:path';
import { freePort, LocalCluster } from '../conformance/cluster';
import type { KubeClient } from '../conformance/client';
import type { E2eBinaries } from './binaries';
import { apply, get, installCrds, Obj, patchSubresource, waitUntil } from './kube';

export const ARGOCD_NAMESPACE = 'argocd';

/** The Argo CD Application health check the README requires (Argo CD docs, operator-manual/health.md, v2.13.9). */
export const APPLICATION_HEALTH_LUA = `hs = {}
hs.status = "Progressing"
hs.message = ""
if obj.status ~= nil then
  if obj.status.health ~= nil then
    hs.status = obj.status.health.status
    if obj.status.health.message ~= nil then
      hs.message = obj.status.health.message
    end
  end
end
return hs
`;

/** A health override the e2e adds for a kind no controller acts on here; always printed in the report. */
export interface HealthOverride {
  group: string;
  kind: string;
  lua: string;
  why: string;
}

export interface StackOptions {
  binaries: E2eBinaries;
  log: (m: string) => void;
  /** Number of fake nodes (each 32 CPU, 256Gi, 110 pods). */
  nodes: number;
  /** Pre-made PersistentVolumes (each `pvSize`) of StorageClass local-path. */
  volumes: number;
  pvSize: string;
  /**
   * Reclaim policy of the pre-made volumes (default Retain). The take-over rehearsal uses Delete, the default of
   * the local-path provisioner whose volumes the umbrella's claims hold, so the runbook's protect-volumes step has
   * real work to do.
   */
  pvReclaimPolicy?: 'Retain' | 'Delete';
  /** Git repository URLs the AppProject allows. */
  sourceRepos: string[];
  /** The AppProject name the Applications use. */
  project: string;
  overrides: HealthOverride[];
  /**
   * `platform` (default): argocd-cm has the settings the README requires. `before-takeover` (the take-over
   * rehearsal): Argo CD as the umbrella's cluster had it, with the v2.13 defaults (label tracking, no Application
   * health check), so the runbook's own argocd-cm step is what sets them. The printed overrides are in both.
   */
  argocdSettings?: 'platform' | 'before-takeover';
  /** CustomResourceDefinitions to install (Argo CD's among them) before Argo CD starts. */
  crds: Obj[];
}

const httpOk = (url: string) => new Promise<boolean>((resolve) => {
  const req = http.get(url, (res) => { res.resume(); resolve((res.statusCode ?? 500) < 500); });
  req.setTimeout(3000, () => { req.destroy(); resolve(false); });
  req.on('error', () => resolve(false));
});
const tcpOpen = (port: number) => new Promise<boolean>((resolve) => {
  const s = net.connect(port, '127.0.0.1', () => { s.end(); resolve(true); });
  s.on('error', () => resolve(false));
  s.setTimeout(2000, () => { s.destroy(); resolve(false); });
});

export class E2eStack {
  kubeconfig = '';
  timings: Record<string, number> = {};

  private constructor(readonly cluster: LocalCluster, private readonly opts: StackOptions) {}

  get client(): KubeClient {
    return this.cluster.client;
  }

  get dir(): string {
    return this.cluster.dir;
  }

  static async start(opts: StackOptions): Promise<E2eStack> {
    const t0 = Date.now();
    const cluster = await LocalCluster.start({
      binaries: { etcd: opts.binaries.etcd, apiserver: opts.binaries.apiserver, kubectl: opts.binaries.kubectl },
      keepDir: true, // the caller removes it after a green run and keeps it (the logs) after a failed one
      log: (m) => { if (!m.startsWith('kept ')) opts.log(m); }, // the e2e reports where it keeps logs itself
    });
    const stack = new E2eStack(cluster, opts);
    try {
      stack.timings.apiserver = Date.now() - t0;
      await stack.boot();
      stack.timings.total = Date.now() - t0;
      return stack;
    } catch (e) {
      await cluster.stop();
      (e as Error).message += `\n(logs kept in ${cluster.dir})`;
      throw e;
    }
  }

  private async boot(): Promise<void> {
    const { binaries: b, log } = this.opts;
    const dir = this.cluster.dir;
    const certs = path.join(dir, 'certs');
    this.kubeconfig = this.cluster.writeKubeconfig();
    const home = path.join(dir, 'home');
    fs.mkdirSync(home, { recursive: true });
    const env = { ...process.env, HOME: home, KUBECONFIG: this.kubeconfig };

    // kube-controller-manager: no serving port (--secure-port=0); nodes are kwok's, whose heartbeats can come
    // 46 s apart on a loaded machine (past the default 40 s grace period): leases plus a 10 min grace period.
    this.cluster.startProcess('kube-controller-manager', b.controllerManager, [
      `--kubeconfig=${this.kubeconfig}`,
      '--bind-address=127.0.0.1',
      '--secure-port=0',
      '--leader-elect=false',
      '--use-service-account-credentials=false',
      `--service-account-private-key-file=${path.join(certs, 'sa.key')}`,
      `--root-ca-file=${path.join(certs, 'ca.crt')}`,
      `--cluster-signing-cert-file=${path.join(certs, 'ca.crt')}`,
      `--cluster-signing-key-file=${path.join(certs, 'ca.key')}`,
      '--node-monitor-grace-period=10m',
      '--v=1',
    ], env);
    this.cluster.startProcess('kube-scheduler', b.scheduler, [
      `--kubeconfig=${this.kubeconfig}`,
      `--authentication-kubeconfig=${this.kubeconfig}`,
      `--authorization-kubeconfig=${this.kubeconfig}`,
      '--bind-address=127.0.0.1',
      '--secure-port=0',
      '--leader-elect=false',
      '--v=1',
    ], env);
    const kwokPort = await freePort();
    this.cluster.startProcess('kwok', b.kwok, [
      `--kubeconfig=${this.kubeconfig}`,
      '--manage-all-nodes=false',
      '--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake',
      '--node-lease-duration-seconds=40',
      '--node-ip=127.0.0.1',
      `--node-port=${kwokPort}`,
      `--server-address=127.0.0.1:${kwokPort}`,
    ], env);
    // The default ServiceAccount of each namespace is made by the controller-manager: it is running when the
    // one of kube-system appears.
    await this.cluster.waitForProcess('kube-controller-manager', 120_000, async () =>
      (await get(this.client, 'v1', 'ServiceAccount', 'default', 'kube-system')) !== undefined);
    await this.cluster.waitForProcess('kwok', 60_000, () => tcpOpen(kwokPort));
    log('kube-controller-manager, kube-scheduler and kwok running');

    await this.makeNodesAndVolumes();
    await installCrds(this.client, this.opts.crds);
    log(`installed ${this.opts.crds.length} CRDs`);

    const redisPort = await freePort();
    this.cluster.startProcess('redis', b.redis, ['--bind', '127.0.0.1', '--port', String(redisPort), '--save', '', '--appendonly', 'no'], env);
    await this.cluster.waitForProcess('redis', 30_000, () => tcpOpen(redisPort));

    await this.configureArgoCd();
    const t = Date.now();
    const [repoPort, repoMetrics, ctrlMetrics] = [await freePort(), await freePort(), await freePort()];
    // As Argo CD's own Procfile runs them locally: data paths outside /app/config, GPG off, a StatefulSet-like
    // host name (the controller infers its shard from the trailing ordinal).
    const argoData = path.join(dir, 'argocd-data');
    for (const d of ['tls', 'ssh', 'gpg-keys', 'gpg-source', 'cmp']) fs.mkdirSync(path.join(argoData, d), { recursive: true });
    const argoEnv = {
      ...env, ARGOCD_GPG_ENABLED: 'false', ARGOCD_FAKE_IN_CLUSTER: 'true',
      ARGOCD_TLS_DATA_PATH: path.join(argoData, 'tls'), ARGOCD_SSH_DATA_PATH: path.join(argoData, 'ssh'),
      ARGOCD_GNUPGHOME: path.join(argoData, 'gpg-keys'), ARGOCD_GPG_DATA_PATH: path.join(argoData, 'gpg-source'),
      ARGOCD_PLUGINSOCKFILEPATH: path.join(argoData, 'cmp'), HOSTNAME: 'argocd-application-controller-0',
    };
    this.cluster.startProcess('argocd-repo-server', b.argocd, [
      '--address', '127.0.0.1', '--port', String(repoPort),
      '--metrics-address', '127.0.0.1', '--metrics-port', String(repoMetrics),
      '--redis', `127.0.0.1:${redisPort}`, '--disable-tls', '--loglevel', 'info',
    ], { ...argoEnv, ARGOCD_BINARY_NAME: 'argocd-repo-server' });
    await this.cluster.waitForProcess('argocd-repo-server', 120_000, () => tcpOpen(repoPort));
    // ARGOCD_FAKE_IN_CLUSTER: the in-cluster destination https://kubernetes.default.svc uses the kubeconfig
    // (Argo CD's own Procfile does the same). The metrics server binds 127.0.0.1 (tools/argocd/build.sh patch).
    this.cluster.startProcess('argocd-application-controller', b.argocd, [
      '--kubeconfig', this.kubeconfig, '--namespace', ARGOCD_NAMESPACE,
      '--redis', `127.0.0.1:${redisPort}`,
      '--repo-server', `127.0.0.1:${repoPort}`, '--repo-server-plaintext',
      '--metrics-port', String(ctrlMetrics), '--loglevel', 'info',
    ], { ...argoEnv, ARGOCD_BINARY_NAME: 'argocd-application-controller' });
    await this.cluster.waitForProcess('argocd-application-controller', 120_000, () => httpOk(`http://127.0.0.1:${ctrlMetrics}/metrics`));
    this.timings.argocd = Date.now() - t;
    log(`Argo CD repo-server (127.0.0.1:${repoPort}) and application-controller running`);
  }

  private async makeNodesAndVolumes(): Promise<void> {
    const { nodes, volumes, pvSize, log } = this.opts;
    for (let i = 0; i < nodes; i++) {
      const name = `kwok-node-${i}`;
      const capacity = { cpu: '32', memory: '256Gi', pods: '110', 'ephemeral-storage': '1Ti' };
      const node: Obj = {
        apiVersion: 'v1', kind: 'Node',
        metadata: {
          name,
          annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
          labels: { 'kubernetes.io/hostname': name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', type: 'kwok' },
        },
      };
      await apply(this.client, node);
      await patchSubresource(this.client, node, 'status', { status: { capacity, allocatable: capacity } });
    }
    await waitUntil(`${nodes} kwok nodes Ready`, 120_000, async () => {
      for (let i = 0; i < nodes; i++) {
        const n = await get(this.client, 'v1', 'Node', `kwok-node-${i}`);
        if (!n?.status?.conditions?.some((c: Obj) => c.type === 'Ready' && c.status === 'True')) return undefined;
      }
      return true;
    });
    // local-path claims bind to pre-made volumes of that class (no provisioner runs here).
    await apply(this.client, {
      apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass',
      // The default class, as on the local-path clusters the platform targets (claims without a class bind too).
      metadata: { name: 'local-path', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
      provisioner: 'kubernetes.io/no-provisioner',
      volumeBindingMode: 'Immediate',
      reclaimPolicy: 'Retain',
    });
    for (let i = 0; i < volumes; i++) {
      await apply(this.client, {
        apiVersion: 'v1', kind: 'PersistentVolume',
        metadata: { name: `e2e-pv-${String(i).padStart(3, '0')}` },
        spec: {
          capacity: { storage: pvSize },
          accessModes: ['ReadWriteOnce', 'ReadWriteMany', 'ReadOnlyMany'],
          storageClassName: 'local-path',
          persistentVolumeReclaimPolicy: this.opts.pvReclaimPolicy ?? 'Retain',
          hostPath: { path: `/tmp/254carbon-e2e-never-mounted/pv-${i}` }, // kwok runs no kubelet: never mounted
        },
      });
    }
    log(`${nodes} fake nodes Ready; StorageClass local-path with ${volumes} PersistentVolumes of ${pvSize} (reclaim policy ${this.opts.pvReclaimPolicy ?? 'Retain'})`);
  }

  /** argocd namespace, argocd-cm (settings the README requires + printed overrides), argocd-secret, AppProject. */
  private async configureArgoCd(): Promise<void> {
    const c = this.client;
    const part = { 'app.kubernetes.io/part-of': 'argocd' };
    await apply(c, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ARGOCD_NAMESPACE } });
    const data: Record<string, string> = this.opts.argocdSettings === 'before-takeover' ? {} : {
      'resource.customizations.health.argoproj.io_Application': APPLICATION_HEALTH_LUA,
      'application.resourceTrackingMethod': 'annotation',
    };
    for (const o of this.opts.overrides) data[`resource.customizations.health.${o.group}_${o.kind}`] = o.lua;
    await apply(c, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'argocd-cm', namespace: ARGOCD_NAMESPACE, labels: { ...part, 'app.kubernetes.io/name': 'argocd-cm' } }, data });
    await apply(c, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'argocd-rbac-cm', namespace: ARGOCD_NAMESPACE, labels: { ...part, 'app.kubernetes.io/name': 'argocd-rbac-cm' } } });
    // Without argocd-server nobody generates server.secretkey ("Cannot init sharding ... server.secretkey is missing").
    await apply(c, {
      apiVersion: 'v1', kind: 'Secret', type: 'Opaque',
      metadata: { name: 'argocd-secret', namespace: ARGOCD_NAMESPACE, labels: { ...part, 'app.kubernetes.io/name': 'argocd-secret' } },
      data: { 'server.secretkey': randomBytes(32).toString('base64') },
    });
    await apply(c, {
      apiVersion: 'argoproj.io/v1alpha1', kind: 'AppProject',
      metadata: { name: this.opts.project, namespace: ARGOCD_NAMESPACE },
      spec: {
        description: 'e2e: the project the platform Applications use',
        sourceRepos: this.opts.sourceRepos,
        destinations: [{ server: 'https://kubernetes.default.svc', namespace: '*' }],
        clusterResourceWhitelist: [{ group: '*', kind: '*' }],
        namespaceResourceWhitelist: [{ group: '*', kind: '*' }],
      },
    });
  }

  /** Copies every log of the run into `dest`. */
  keepLogs(dest: string): void {
    fs.mkdirSync(dest, { recursive: true });
    for (const f of fs.readdirSync(this.dir).filter((x) => x.endsWith('.log'))) fs.copyFileSync(path.join(this.dir, f), path.join(dest, f));
  }

  async stop(removeDir: boolean): Promise<void> {
    await this.cluster.stop();
    if (removeDir) fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
