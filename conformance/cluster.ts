/**
 * A throwaway control plane: etcd + kube-apiserver on 127.0.0.1 (random free ports), a fresh
 * data directory and self-signed certificates made with openssl. The caller authenticates with
 * a client certificate in the system:masters group. `stop()` always kills both processes and
 * removes the directory; `registerCleanup` makes SIGINT/SIGTERM and process exit do the same.
 */
import { ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { ClientConfig, KubeClient } from './client';

export interface Binaries {
  etcd: string;
  apiserver: string;
  /** kubectl for the upgrade tier (three-way patches computed as Argo CD's linked kubectl does). */
  kubectl: string;
}

export interface ClusterOptions {
  binaries: Binaries;
  /** Keep the data directory (certificates, logs) after stopping, for debugging. */
  keepDir?: boolean;
  log: (msg: string) => void;
}

const ETCD_TIMEOUT_MS = 60_000;
const APISERVER_TIMEOUT_MS = 180_000;

// ---- cleanup on every way out ------------------------------------------------------------

const liveChildren = new Set<ChildProcess>();
const asyncCleanups = new Set<() => Promise<void>>();
let signalHandlersInstalled = false;

/** Installs SIGINT/SIGTERM/exit handlers that stop every cluster this process started. */
function installSignalHandlers(): void {
  if (signalHandlersInstalled) return;
  signalHandlersInstalled = true;
  const onSignal = (signal: NodeJS.Signals, code: number) => {
    process.stderr.write(`\nconformance: ${signal} received, stopping etcd and kube-apiserver...\n`);
    const all = [...asyncCleanups].map((c) => c().catch(() => undefined));
    void Promise.all(all).finally(() => process.exit(code));
  };
  process.once('SIGINT', () => onSignal('SIGINT', 130));
  process.once('SIGTERM', () => onSignal('SIGTERM', 143));
  // Last resort (uncaught exception, process.exit): kill synchronously.
  process.on('exit', () => {
    for (const child of liveChildren) {
      try {
        child.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    }
  });
}

// ---- helpers -----------------------------------------------------------------------------

/** Asks the kernel for a free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

let pdeathsig: boolean | undefined;
/** Whether `setpriv --pdeathsig` (util-linux) is available. */
function hasPdeathsig(): boolean {
  if (pdeathsig === undefined) {
    const res = spawnSync('setpriv', ['--help'], { encoding: 'utf8' });
    pdeathsig = res.status === 0 && res.stdout.includes('--pdeathsig');
  }
  return pdeathsig;
}

function openssl(args: string[], cwd: string): void {
  try {
    execFileSync('openssl', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    throw new Error(`openssl ${args.join(' ')} failed: ${e.stderr?.toString() || e.message}`);
  }
}

/** A CA, a serving certificate for 127.0.0.1/localhost, an admin client certificate, SA keys. */
function makeCertificates(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const days = '2';
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', days,
    '-subj', '/CN=conformance-ca'], dir);
  fs.writeFileSync(path.join(dir, 'server.ext'), [
    'basicConstraints=CA:FALSE',
    'keyUsage=digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
    'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc',
    '',
  ].join('\n'));
  fs.writeFileSync(path.join(dir, 'client.ext'), [
    'basicConstraints=CA:FALSE',
    'keyUsage=digitalSignature,keyEncipherment',
    'extendedKeyUsage=clientAuth',
    '',
  ].join('\n'));
  for (const [name, subj] of [['server', '/CN=kube-apiserver'], ['admin', '/O=system:masters/CN=conformance-admin']]) {
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subj], dir);
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial',
      '-out', `${name}.crt`, '-days', days, '-extfile', name === 'server' ? 'server.ext' : 'client.ext'], dir);
  }
  openssl(['genrsa', '-out', 'sa.key', '2048'], dir);
  openssl(['rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub'], dir);
}

function tail(file: string, lines = 25): string {
  try {
    const text = fs.readFileSync(file, 'utf8').trimEnd().split('\n');
    return text.slice(-lines).map((l) => `    | ${l}`).join('\n');
  } catch {
    return '    | (no log)';
  }
}

function httpGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

// ---- the cluster -------------------------------------------------------------------------

export class LocalCluster {
  private readonly children: { name: string; proc: ChildProcess; logFile: string }[] = [];
  private stopped = false;
  private readonly cleanup = () => this.stop();
  kubeClient: KubeClient | undefined;
  apiserverPort = 0;

  private constructor(readonly dir: string, private readonly opts: ClusterOptions) {
    asyncCleanups.add(this.cleanup);
  }

  /** Starts etcd and kube-apiserver and waits until both are healthy. Retries once on a port clash. */
  static async start(opts: ClusterOptions): Promise<LocalCluster> {
    installSignalHandlers();
    for (let attempt = 1; ; attempt++) {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), '254carbon-conformance-'));
      const cluster = new LocalCluster(dir, opts);
      try {
        await cluster.boot();
        return cluster;
      } catch (err) {
        const clash = cluster.logsMention('address already in use');
        await cluster.stop();
        if (clash && attempt < 3) {
          opts.log(`port clash, retrying (${attempt}/3)`);
          continue;
        }
        throw err;
      }
    }
  }

  get client(): KubeClient {
    if (!this.kubeClient) throw new Error('cluster not started');
    return this.kubeClient;
  }

  /** A kubeconfig for this cluster (written into the data directory), e.g. for kubectl. */
  writeKubeconfig(): string {
    const certs = path.join(this.dir, 'certs');
    const file = path.join(this.dir, 'kubeconfig');
    fs.writeFileSync(file, [
      'apiVersion: v1',
      'kind: Config',
      'clusters: [{name: local, cluster: {server: "https://127.0.0.1:' + this.apiserverPort + '", certificate-authority: ' + JSON.stringify(path.join(certs, 'ca.crt')) + '}}]',
      'users: [{name: admin, user: {client-certificate: ' + JSON.stringify(path.join(certs, 'admin.crt')) + ', client-key: ' + JSON.stringify(path.join(certs, 'admin.key')) + '}}]',
      'contexts: [{name: local, context: {cluster: local, user: admin}}]',
      'current-context: local',
      '',
    ].join('\n'));
    return file;
  }

  private async boot(): Promise<void> {
    const { log, binaries } = this.opts;
    const certs = path.join(this.dir, 'certs');
    makeCertificates(certs);
    const [etcdClient, etcdPeer, apiPort] = [await freePort(), await freePort(), await freePort()];
    this.apiserverPort = apiPort;

    const etcdUrl = `http://127.0.0.1:${etcdClient}`;
    const peerUrl = `http://127.0.0.1:${etcdPeer}`;
    this.spawn('etcd', binaries.etcd, [
      '--name=conformance',
      `--data-dir=${path.join(this.dir, 'etcd')}`,
      `--listen-client-urls=${etcdUrl}`,
      `--advertise-client-urls=${etcdUrl}`,
      `--listen-peer-urls=${peerUrl}`,
      `--initial-advertise-peer-urls=${peerUrl}`,
      `--initial-cluster=conformance=${peerUrl}`,
      '--unsafe-no-fsync=true', // a throwaway store: durability is irrelevant, speed is not
      '--log-level=warn',
    ]);
    await this.waitFor('etcd', ETCD_TIMEOUT_MS, async () => {
      const res = await httpGet(`${etcdUrl}/health`);
      return res.status === 200 && res.body.includes('"true"');
    });
    log(`etcd healthy on 127.0.0.1:${etcdClient}`);

    const apiserverUrl = `https://127.0.0.1:${apiPort}`;
    this.spawn('kube-apiserver', binaries.apiserver, [
      `--etcd-servers=${etcdUrl}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      `--cert-dir=${certs}`,
      `--tls-cert-file=${path.join(certs, 'server.crt')}`,
      `--tls-private-key-file=${path.join(certs, 'server.key')}`,
      `--client-ca-file=${path.join(certs, 'ca.crt')}`,
      `--service-account-issuer=${apiserverUrl}`,
      `--service-account-key-file=${path.join(certs, 'sa.pub')}`,
      `--service-account-signing-key-file=${path.join(certs, 'sa.key')}`,
      '--service-cluster-ip-range=10.0.0.0/24',
      '--authorization-mode=RBAC',
      // No controller-manager runs, so no namespace gets a default ServiceAccount.
      '--disable-admission-plugins=ServiceAccount',
      '--allow-privileged=true',
      '--profiling=false',
      '--v=1',
    ]);
    const config: ClientConfig = {
      server: apiserverUrl,
      ca: fs.readFileSync(path.join(certs, 'ca.crt')),
      cert: fs.readFileSync(path.join(certs, 'admin.crt')),
      key: fs.readFileSync(path.join(certs, 'admin.key')),
      origin: 'local kube-apiserver',
    };
    this.kubeClient = new KubeClient(config);
    const client = this.kubeClient;
    await this.waitFor('kube-apiserver', APISERVER_TIMEOUT_MS, async () => {
      const res = await client.request('GET', '/readyz', { timeoutMs: 5000 });
      return res.status === 200;
    });
    log(`kube-apiserver ready on ${apiserverUrl}`);
  }

  /**
   * Starts another process beside etcd and kube-apiserver (used by the e2e tier: controller-manager, scheduler,
   * kwok, Redis, Argo CD). Its log is `<dir>/<name>.log`; `stop()` stops it first (reverse start order) and the
   * pdeathsig guard applies as for etcd.
   */
  startProcess(name: string, bin: string, args: string[], env?: NodeJS.ProcessEnv): ChildProcess {
    this.spawn(name, bin, args, env);
    return this.children[this.children.length - 1].proc;
  }

  /** Waits until `probe` holds; fails early (with the log's last lines) when the process `name` exits. */
  waitForProcess(name: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
    return this.waitFor(name, timeoutMs, probe);
  }

  /** The processes started so far that have exited, with their exit code or signal. */
  exitedProcesses(): { name: string; code: number | null; signal: string | null; logFile: string }[] {
    return this.children.filter((c) => c.proc.exitCode !== null || c.proc.signalCode !== null)
      .map((c) => ({ name: c.name, code: c.proc.exitCode, signal: c.proc.signalCode, logFile: c.logFile }));
  }

  private spawn(name: string, bin: string, args: string[], env?: NodeJS.ProcessEnv): void {
    const logFile = path.join(this.dir, `${name}.log`);
    const fd = fs.openSync(logFile, 'a');
    // With util-linux setpriv, the kernel kills the child if this process dies without cleaning up (SIGKILL).
    const [cmd, argv] = hasPdeathsig() ? ['setpriv', ['--pdeathsig', 'KILL', '--', bin, ...args]] : [bin, args];
    const proc = spawn(cmd, argv, { stdio: ['ignore', fd, fd], cwd: this.dir, env: env ?? process.env });
    fs.closeSync(fd);
    liveChildren.add(proc);
    proc.on('exit', () => liveChildren.delete(proc));
    proc.on('error', (err) => fs.appendFileSync(logFile, `\nspawn error: ${err.message}\n`));
    this.children.push({ name, proc, logFile });
  }

  private async waitFor(name: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
    const child = this.children.find((c) => c.name === name);
    const deadline = Date.now() + timeoutMs;
    let lastError = '';
    while (Date.now() < deadline) {
      if (child && child.proc.exitCode !== null) {
        throw new Error(`${name} exited with code ${child.proc.exitCode} while starting. ${this.logHint(child.logFile)}`);
      }
      if (child && child.proc.signalCode !== null) {
        throw new Error(`${name} was killed by ${child.proc.signalCode} while starting`);
      }
      try {
        if (await probe()) return;
        lastError = 'not ready yet';
      } catch (err) {
        lastError = (err as Error).message;
      }
      await sleep(250);
    }
    throw new Error(`${name} did not become healthy within ${timeoutMs / 1000} s (${lastError}). ${this.logHint(child?.logFile ?? '')}`);
  }

  private logHint(logFile: string): string {
    const where = this.opts.keepDir ? logFile : 'rerun with --keep-tmp to keep the whole log';
    return `Last lines of its log (${where}):\n${tail(logFile)}`;
  }

  private logsMention(text: string): boolean {
    return this.children.some((c) => {
      try {
        return fs.readFileSync(c.logFile, 'utf8').includes(text);
      } catch {
        return false;
      }
    });
  }

  /** Stops kube-apiserver, then etcd (SIGTERM, SIGKILL after 10 s) and removes the data directory. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    asyncCleanups.delete(this.cleanup);
    this.kubeClient?.close();
    for (const { proc } of [...this.children].reverse()) {
      await stopProcess(proc);
    }
    if (this.opts.keepDir) {
      this.opts.log(`kept ${this.dir} (logs, certificates, kubeconfig)`);
    } else {
      fs.rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

async function stopProcess(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((r) => proc.once('exit', () => r()));
  proc.kill('SIGTERM');
  const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 10_000).unref());
  if ((await Promise.race([exited, timer])) === 'timeout') {
    proc.kill('SIGKILL');
    await exited;
  }
}
