/**
 * Finds etcd, kube-apiserver and kubectl (the upgrade tier's client, k8s.io/kubectl at Argo CD v2.13.9's pin): from $KUBE_BIN_DIR when set, otherwise built from the Go
 * module proxy by tools/kube/build.sh into a cache outside the repository (a no-op when the
 * cached binaries match the pinned wrapper modules).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Binaries } from './cluster';

export const REPO_ROOT = path.resolve(__dirname, '..');
const BUILD_SCRIPT = path.join(REPO_ROOT, 'tools', 'kube', 'build.sh');

/** True for an executable regular file. */
export function executable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

export function obtainBinaries(log: (msg: string) => void): Binaries {
  const binDir = process.env.KUBE_BIN_DIR;
  if (binDir) {
    const b: Binaries = { etcd: path.resolve(binDir, 'etcd'), apiserver: path.resolve(binDir, 'kube-apiserver'), kubectl: path.resolve(binDir, 'kubectl') };
    const missing = Object.values(b).filter((f) => !executable(f));
    if (missing.length) {
      throw new Error(`KUBE_BIN_DIR=${binDir} lacks executable ${missing.join(' and ')}; unset KUBE_BIN_DIR to build them with tools/kube/build.sh`);
    }
    log(`using binaries from KUBE_BIN_DIR=${binDir}`);
    return b;
  }
  log('building or reusing etcd, kube-apiserver and kubectl (tools/kube/build.sh)...');
  const started = Date.now();
  const res = spawnSync('bash', [BUILD_SCRIPT, '--print-paths'], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (res.error) throw new Error(`cannot run ${BUILD_SCRIPT}: ${res.error.message}`);
  if (res.status !== 0) throw new Error(`${BUILD_SCRIPT} failed (exit ${res.status ?? res.signal}); see its output above`);
  const paths = new Map<string, string>();
  for (const line of res.stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) paths.set(line.slice(0, eq), line.slice(eq + 1).trim());
  }
  const etcd = paths.get('etcd');
  const apiserver = paths.get('kube-apiserver');
  const kubectl = paths.get('kubectl');
  if (!etcd || !apiserver || !kubectl || !executable(etcd) || !executable(apiserver) || !executable(kubectl)) {
    throw new Error(`${BUILD_SCRIPT} did not report usable binaries:\n${res.stdout}`);
  }
  const secs = ((Date.now() - started) / 1000).toFixed(1);
  log(`binaries ready in ${secs} s`);
  return { etcd, apiserver, kubectl };
}

/** "kube-apiserver v1.28.15, etcd 3.5.15" (best effort, for the report header). */
export function describeVersions(b: Binaries): string {
  const run = (file: string): string => {
    try {
      return execFileSync(file, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 20_000 });
    } catch {
      return '';
    }
  };
  const kube = /Kubernetes (v\S+)/.exec(run(b.apiserver))?.[1] ?? 'unknown version';
  const etcd = /etcd Version: (\S+)/.exec(run(b.etcd))?.[1] ?? 'unknown version';
  return `kube-apiserver ${kube}, etcd ${etcd}`;
}
