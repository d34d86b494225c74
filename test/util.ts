import * as fs from 'fs';
import * as path from 'path';
import { synthesize, SynthOptions } from '../src/output/synth';
import type { RenderedObject } from '../src/output/render';

const cache = new Map<string, RenderedObject[]>();

/**
 * The synthesized objects of one environment (default values): synthesized once per test run by the global
 * setup (test/support/global-synth.ts), else once per test file. With values, synthesized each time.
 */
export function objectsOf(env: string, options: Omit<SynthOptions, 'environments'> = {}): RenderedObject[] {
  const key = options.values ? '' : env;
  if (key && cache.has(key)) return cache.get(key)!;
  const shared = key && process.env.PLATFORM_SYNTH_CACHE ? path.join(process.env.PLATFORM_SYNTH_CACHE, `${env}.json`) : undefined;
  const objs: RenderedObject[] = shared && fs.existsSync(shared)
    ? JSON.parse(fs.readFileSync(shared, 'utf8'))
    : [...synthesize({ ...options, environments: [env] }).objects];
  if (key) cache.set(key, objs);
  return objs;
}

const fileCache = new Map<string, ReadonlyMap<string, string>>();

/** The synthesized files of one environment (default values), shared like `objectsOf`. */
export function filesOf(env: string): ReadonlyMap<string, string> {
  if (fileCache.has(env)) return fileCache.get(env)!;
  const shared = process.env.PLATFORM_SYNTH_CACHE ? path.join(process.env.PLATFORM_SYNTH_CACHE, `${env}.files.json`) : undefined;
  const files: ReadonlyMap<string, string> = shared && fs.existsSync(shared)
    ? new Map(JSON.parse(fs.readFileSync(shared, 'utf8')) as Array<[string, string]>)
    : synthesize({ environments: [env] }).files;
  fileCache.set(env, files);
  return files;
}

/** One object by kind and name; fails the test when absent. */
export function find(objects: readonly RenderedObject[], kind: string, name: string): Record<string, any> {
  const o = objects.find((x) => x.manifest.kind === kind && x.manifest.metadata.name === name);
  if (!o) throw new Error(`no ${kind} ${name} in the output (have: ${objects.map((x) => `${x.manifest.kind}/${x.manifest.metadata.name}`).join(', ')})`);
  return o.manifest;
}

/** The pod spec of a workload manifest. */
export function podOf(m: Record<string, any>): Record<string, any> {
  return m.kind === 'CronJob' ? m.spec.jobTemplate.spec.template.spec : m.spec.template.spec;
}

/** Env var value of a container. */
export function envOf(container: Record<string, any>, name: string): any {
  const e = (container.env ?? []).find((x: any) => x.name === name);
  return e ? (e.value ?? e.valueFrom) : undefined;
}

export const ENVS = ['dev', 'staging', 'prod'] as const;
export const NAMESPACES: Record<string, string> = { dev: 'data-platform-dev', staging: 'data-platform-staging', prod: 'data-platform' };

/** The error a synth of one environment with a values overlay throws; fails the test when the synth succeeds. */
export function synthError(env: string, data: Record<string, unknown>): Error {
  try {
    synthesize({ environments: [env], values: [{ source: 'test', data }] });
  } catch (e) {
    return e as Error;
  }
  throw new Error('the synth did not fail');
}

/** The container securityContext of the restricted profile for a non-root uid (group = uid). */
export function restrictedContext(uid: number): Record<string, unknown> {
  return {
    runAsUser: uid, runAsGroup: uid, runAsNonRoot: true,
    readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, privileged: false,
    capabilities: { drop: ['ALL', 'CAP_NET_RAW'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Runs a command-line `main` with its output captured (nothing reaches the test log). */
export function runCommand(main: (argv: readonly string[]) => number, args: string[]): { code: number; stdout: string; stderr: string } {
  let stdout = '';
  let stderr = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((s) => { stdout += String(s); return true; });
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((s) => { stderr += String(s); return true; });
  try {
    return { code: main(args), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}
