import { App, Chart } from 'cdk8s';
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
  const charts = app.node.findAll().filter((c): c is Chart => c instanceof Chart);
  for (const chart of charts) {
    const component = (chart as unknown) instanceof PlatformComponent ? (chart as unknown as PlatformComponent).component : undefined;
    const own = (chart as { outputFolder?: unknown }).outputFolder;
    const folder = folderOf?.(chart) ?? (component ? `${env}/${component}` : typeof own === 'string' ? own : undefined);
    if (!folder) continue;
    for (const manifest of chart.toJson()) {
      out.push({ path: `${folder}/${manifest.kind}.${manifest.metadata.name}.yaml`, env, component: folder.split('/').pop()!, manifest });
    }
  }
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The YAML text of one object: block scalars for multi-line strings, no line folding, trailing newline. */
export function toYaml(manifest: unknown): string {
  return stringify(manifest, { lineWidth: 0, minContentWidth: 0, aliasDuplicateObjects: false });
}
