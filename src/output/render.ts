import { ApiObject, App, Chart } from 'cdk8s';
import { PlatformComponent } from '../core/component';
import { compareStrings } from '../core/order';

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
    const component = PlatformComponent.isPlatformComponent(chart) ? chart.component : undefined;
    const own = (chart as { outputFolder?: unknown }).outputFolder;
    const folder = folderOf?.(chart) ?? (component ? `${env}/${component}` : typeof own === 'string' ? own : undefined);
    if (!folder) continue;
    const objects = chart.node.findAll().filter((c): c is ApiObject => ApiObject.isApiObject(c) && Chart.of(c) === chart);
    for (const manifest of objects.map(manifestOf)) {
      out.push({ path: `${folder}/${manifest.kind}.${manifest.metadata.name}.yaml`, env, component: folder.split('/').pop()!, manifest });
    }
  }
  return out.sort((a, b) => compareStrings(a.path, b.path));
}
