import { ApiObject, App, Chart } from 'cdk8s';
import { stringify } from 'yaml';
import { PlatformComponent } from '../core/component';

/** One synthesized object with the path it is written to (relative to charts-out/). */
export interface RenderedObject {
  /** `<env>/<component>/<Kind>.<name>.yaml`. */
  readonly path: string;
  readonly env: string;
  readonly component: string;
  readonly manifest: Record<string, any>;
}

/** The key of an object: `Kind/namespace/name`. */
export function objectKey(m: Record<string, any>): string {
  return `${m.kind}/${m.metadata?.namespace ?? ''}/${m.metadata?.name}`;
}

/**
 * Collects every object of every component chart of an App (and of every chart with an `outputFolder`, such as
 * the Argo CD Applications), in a stable order.
 */
export function renderApp(app: App, env: string, folderOf?: (chart: Chart) => string | undefined): RenderedObject[] {
  const out: RenderedObject[] = [];
  // Charts that derive objects from the rest of the App (e.g. policy exceptions) generate them first.
  for (const c of app.node.findAll()) {
    const prepare = (c as { prepareForSynth?: unknown }).prepareForSynth;
    if (typeof prepare === 'function') prepare.call(c);
  }
  const all = app.node.findAll();
  // Validate the whole App once (chart.toJson() would re-validate the App for every chart).
  const errors = all.flatMap((c) => c.node.validate().map((e) => `${c.node.path}: ${e}`));
  if (errors.length > 0) throw new Error(`validation failed:\n${errors.join('\n')}`);
  const charts = all.filter((c): c is Chart => c instanceof Chart);
  for (const chart of charts) {
    const component = (chart as unknown) instanceof PlatformComponent ? (chart as unknown as PlatformComponent).component : undefined;
    const own = (chart as { outputFolder?: unknown }).outputFolder;
    const folder = folderOf?.(chart) ?? (component ? `${env}/${component}` : typeof own === 'string' ? own : undefined);
    if (!folder) continue;
    const objects = chart.node.findAll().filter((c): c is ApiObject => ApiObject.isApiObject(c) && Chart.of(c) === chart);
    for (const manifest of objects.map((o) => o.toJson())) {
      out.push({ path: `${folder}/${manifest.kind}.${manifest.metadata.name}.yaml`, env, component: folder.split('/').pop()!, manifest });
    }
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * The YAML text of one object: block scalars for multi-line strings, no line folding, trailing newline.
 * Written as YAML 1.1, the version Kubernetes, kubectl and Argo CD parse (sigs.k8s.io/yaml): strings such as
 * `off`, `yes` or `0777` are quoted, so they stay strings there (unquoted `off` is the boolean false).
 */
export function toYaml(manifest: unknown): string {
  return stringify(manifest, { version: '1.1', lineWidth: 0, minContentWidth: 0, aliasDuplicateObjects: false });
}
