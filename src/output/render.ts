import { ApiObject, App, Chart } from 'cdk8s';
import { dump, DEFAULT_SCHEMA, Type } from 'js-yaml';
import { PlatformComponent } from '../core/component';

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
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * Plain scalars that YAML 1.1 (the version Kubernetes, kubectl and Argo CD parse, via sigs.k8s.io/yaml) reads
 * as something other than a string, beyond what the YAML 1.2 core schema already quotes: booleans such as
 * `off`/`yes`/`y`, octal `0777`, binary `0b1`, numbers with `_` separators, sexagesimal `12:30`, `.5`, `=`, `<<`.
 * Registered as an implicit type, it makes the writer quote such strings, so they stay strings there.
 */
const YAML11_AMBIGUOUS = new Type('tag:254carbon.com,2026:yaml11-ambiguous', {
  kind: 'scalar',
  resolve: (s: string) => /^(?:[yYnN]|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF|true|True|TRUE|false|False|FALSE|~|null|Null|NULL|=|<<|[-+]?(?:0[0-7_]+|0b[01_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?|[0-9][0-9_]*(?:\.[0-9_]*)?(?:[eE][-+]?[0-9]+)?|\.[0-9_]+(?:[eE][-+]?[0-9]+)?|\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)))$/.test(s),
  construct: (s: string) => s,
});
const SCHEMA = DEFAULT_SCHEMA.extend({ implicit: [YAML11_AMBIGUOUS] });

/**
 * The YAML text of one object: keys in the order cdk8s sorted them, block scalars for multi-line strings, no
 * line folding, no anchors, double quotes where quoting is needed, trailing newline. Strings that YAML 1.1
 * would read as booleans or numbers are quoted (see YAML11_AMBIGUOUS); a test parses every output file as
 * YAML 1.1 and 1.2 and requires the same data. js-yaml is the writer because it emits the whole tree about
 * 2.5 times faster than the `yaml` package (which the project uses to parse).
 */
export function toYaml(manifest: unknown): string {
  return dump(manifest, { schema: SCHEMA, lineWidth: -1, noRefs: true, quotingType: '"', sortKeys: false });
}
