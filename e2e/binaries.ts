/**
 * The binaries of the e2e tier, built from the Go module proxy by the repository's build scripts (cached under
 * ~/.cache/254carbon-tools; a warm call is a no-op): etcd, kube-apiserver, kube-controller-manager,
 * kube-scheduler, kubectl (tools/kube/build.sh --controllers), kwok (tools/kwok/build.sh) and Argo CD
 * (tools/argocd/build.sh). Debian's redis-server and git come from PATH.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { executable, REPO_ROOT } from '../conformance/binaries';

export interface E2eBinaries {
  etcd: string;
  apiserver: string;
  controllerManager: string;
  scheduler: string;
  kubectl: string;
  kwok: string;
  argocd: string;
  redis: string;
  git: string;
}


/** Runs a build script with --print-paths and returns its NAME=PATH lines. */
function build(script: string, args: string[], log: (m: string) => void): Map<string, string> {
  const file = path.join(REPO_ROOT, script);
  const started = Date.now();
  const res = spawnSync('bash', [file, ...args, '--print-paths'], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (res.error) throw new Error(`cannot run ${script}: ${res.error.message}`);
  if (res.status !== 0) throw new Error(`${script} failed (exit ${res.status ?? res.signal}); see its output above`);
  log(`${script}: ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const out = new Map<string, string>();
  for (const line of res.stdout.split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0) out.set(line.slice(0, eq), line.slice(eq + 1).trim());
  }
  return out;
}

function onPath(cmd: string, hint: string): string {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const f = path.join(dir, cmd);
    if (dir && executable(f)) return f;
  }
  throw new Error(`'${cmd}' is not on PATH. Fix: ${hint}`);
}

/** Builds (or reuses) every binary; fails naming the missing one and the fix. */
export function obtainE2eBinaries(log: (m: string) => void): E2eBinaries {
  const redis = onPath('redis-server', 'apt-get install -y redis-server (Debian)');
  const git = onPath('git', 'apt-get install -y git');
  const binDir = process.env.E2E_BIN_DIR;
  if (binDir) {
    // Prebuilt binaries (e.g. from another cache or a release of the same versions), one directory.
    const at = (n: string) => path.resolve(binDir, n);
    const b: E2eBinaries = {
      etcd: at('etcd'), apiserver: at('kube-apiserver'), controllerManager: at('kube-controller-manager'), scheduler: at('kube-scheduler'),
      kubectl: at('kubectl'), kwok: at('kwok'), argocd: at('argocd'), redis, git,
    };
    const missing = Object.entries(b).filter(([, f]) => !executable(f)).map(([, f]) => f);
    if (missing.length) throw new Error(`E2E_BIN_DIR=${binDir} lacks executable ${missing.join(', ')}. Fix: unset E2E_BIN_DIR to build them`);
    log(`using binaries from E2E_BIN_DIR=${binDir}`);
    return b;
  }
  const kube = build('tools/kube/build.sh', ['--controllers'], log);
  const kwok = build('tools/kwok/build.sh', [], log);
  const argocd = build('tools/argocd/build.sh', [], log);
  const b: E2eBinaries = {
    etcd: kube.get('etcd') ?? '',
    apiserver: kube.get('kube-apiserver') ?? '',
    controllerManager: kube.get('kube-controller-manager') ?? '',
    scheduler: kube.get('kube-scheduler') ?? '',
    kubectl: kube.get('kubectl') ?? '',
    kwok: kwok.get('kwok') ?? '',
    argocd: argocd.get('argocd') ?? '',
    redis,
    git,
  };
  const missing = Object.entries(b).filter(([, f]) => !executable(f)).map(([k]) => k);
  if (missing.length) throw new Error(`the build scripts did not report usable binaries for: ${missing.join(', ')}`);
  return b;
}
