import { ApiObject, App, Chart } from 'cdk8s';
import { PlatformComponent } from '../core/component';
import { compareStrings } from '../core/order';
import { manifestOf, RenderedObject } from '../core/manifest';

export type { RenderedObject } from '../core/manifest';
export { manifestOf, objectKey } from '../core/manifest';

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
