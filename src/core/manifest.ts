import { ApiObject } from 'cdk8s';

/** One synthesized object with the path it is written to (relative to charts-out/). */
export interface RenderedObject {
  /** `<env>/<component>/<Kind>.<name>.yaml`. */
  readonly path: string;
  readonly env: string;
  readonly component: string;
  readonly manifest: Record<string, any>;
}

const manifests = new WeakMap<ApiObject, Record<string, any>>();

/**
 * The manifest of an ApiObject, resolved once per synth: call it only once the App is complete (from
 * `prepareForSynth()` or rendering), when no construct changes any more.
 */
export function manifestOf(o: ApiObject): Record<string, any> {
  let m = manifests.get(o);
  if (!m) {
    m = o.toJson() as Record<string, any>;
    manifests.set(o, m);
  }
  return m;
}

/** The key of an object: `Kind/namespace/name`. */
export function objectKey(m: Record<string, any>): string {
  return `${m.kind}/${m.metadata?.namespace ?? ''}/${m.metadata?.name}`;
}
