import { synthesize, SynthOptions } from '../src/output/synth';
import type { RenderedObject } from '../src/output/render';

const cache = new Map<string, RenderedObject[]>();

/** The synthesized objects of one environment (default values), cached across tests of a file. */
export function objectsOf(env: string, options: Omit<SynthOptions, 'environments'> = {}): RenderedObject[] {
  const key = options.values ? '' : env;
  if (key && cache.has(key)) return cache.get(key)!;
  const objs = [...synthesize({ ...options, environments: [env] }).objects];
  if (key) cache.set(key, objs);
  return objs;
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
