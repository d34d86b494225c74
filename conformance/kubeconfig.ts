/**
 * Reads a kubeconfig file into a ClientConfig: the current (or a named) context, its cluster
 * (server, CA, insecure-skip-tls-verify, tls-server-name) and its user (client certificate,
 * token, token file, or an exec credential plugin).
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import type { ClientConfig } from './client';

interface KubeconfigCluster {
  server?: string;
  'certificate-authority'?: string;
  'certificate-authority-data'?: string;
  'insecure-skip-tls-verify'?: boolean;
  'tls-server-name'?: string;
}

interface ExecConfig {
  command: string;
  args?: string[];
  env?: { name: string; value: string }[] | null;
  apiVersion?: string;
}

interface KubeconfigUser {
  'client-certificate'?: string;
  'client-certificate-data'?: string;
  'client-key'?: string;
  'client-key-data'?: string;
  token?: string;
  tokenFile?: string;
  exec?: ExecConfig;
  'auth-provider'?: { name?: string };
  username?: string;
}

interface Kubeconfig {
  'current-context'?: string;
  contexts?: { name: string; context?: { cluster?: string; user?: string } }[];
  clusters?: { name: string; cluster?: KubeconfigCluster }[];
  users?: { name: string; user?: KubeconfigUser }[];
}

export function loadKubeconfig(file: string, contextName?: string): ClientConfig {
  const abs = path.resolve(file);
  let doc: Kubeconfig;
  try {
    doc = (parse(fs.readFileSync(abs, 'utf8')) ?? {}) as Kubeconfig;
  } catch (err) {
    throw new Error(`cannot read kubeconfig ${abs}: ${(err as Error).message}`);
  }
  const dir = path.dirname(abs);
  const ctxName = contextName ?? doc['current-context'];
  if (!ctxName) throw new Error(`${abs}: no current-context; pass --context NAME`);
  const ctx = doc.contexts?.find((c) => c.name === ctxName)?.context;
  if (!ctx) throw new Error(`${abs}: context "${ctxName}" not found`);
  const cluster = doc.clusters?.find((c) => c.name === ctx.cluster)?.cluster;
  if (!cluster?.server) throw new Error(`${abs}: cluster "${ctx.cluster}" (context "${ctxName}") has no server`);
  const user: KubeconfigUser = doc.users?.find((u) => u.name === ctx.user)?.user ?? {};
  const origin = `kubeconfig ${abs} (context ${ctxName})`;

  const readData = (data: string | undefined, file: string | undefined): Buffer | undefined => {
    if (data) return Buffer.from(data, 'base64');
    if (file) return fs.readFileSync(path.resolve(dir, file));
    return undefined;
  };

  const config: ClientConfig = {
    server: cluster.server,
    ca: readData(cluster['certificate-authority-data'], cluster['certificate-authority']),
    insecureSkipTLSVerify: cluster['insecure-skip-tls-verify'] === true,
    tlsServerName: cluster['tls-server-name'],
    cert: readData(user['client-certificate-data'], user['client-certificate']),
    key: readData(user['client-key-data'], user['client-key']),
    token: user.token ?? (user.tokenFile ? fs.readFileSync(path.resolve(dir, user.tokenFile), 'utf8').trim() : undefined),
    origin,
  };

  if (user.exec) {
    const cred = runExecPlugin(user.exec, cluster.server, origin);
    if (cred.token) config.token = cred.token;
    if (cred.cert && cred.key) {
      config.cert = cred.cert;
      config.key = cred.key;
    }
  }
  if (user['auth-provider']) {
    throw new Error(`${origin}: auth-provider "${user['auth-provider'].name}" is not supported; use an exec plugin, a token or a client certificate`);
  }
  if (user.username && !config.token && !config.cert) {
    throw new Error(`${origin}: basic authentication (username/password) is not supported`);
  }
  return config;
}

/** Runs a client-go exec credential plugin (ExecCredential) and returns its credentials. */
function runExecPlugin(exec: ExecConfig, server: string, origin: string): Partial<ClientConfig> {
  const apiVersion = exec.apiVersion ?? 'client.authentication.k8s.io/v1';
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const e of exec.env ?? []) env[e.name] = e.value;
  env.KUBERNETES_EXEC_INFO = JSON.stringify({
    apiVersion,
    kind: 'ExecCredential',
    spec: { interactive: false, cluster: { server } },
  });
  let out: string;
  try {
    out = execFileSync(exec.command, exec.args ?? [], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], timeout: 60_000 });
  } catch (err) {
    throw new Error(`${origin}: exec credential plugin "${exec.command}" failed: ${(err as Error).message}`);
  }
  const cred = JSON.parse(out) as { status?: { token?: string; clientCertificateData?: string; clientKeyData?: string } };
  const status = cred.status ?? {};
  return {
    token: status.token,
    cert: status.clientCertificateData ? Buffer.from(status.clientCertificateData) : undefined,
    key: status.clientKeyData ? Buffer.from(status.clientKeyData) : undefined,
  };
}
