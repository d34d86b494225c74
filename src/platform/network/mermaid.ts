import type { PlatformGraph } from '../../core/graph';
import type { EnvironmentConfig } from '../../config/schema';
import { publishedEndpoints } from './ingress';
import { compareStrings } from '../../core/order';

const nodeId = (name: string) => name.replace(/[^A-Za-z0-9]/g, '_');

/**
 * The network graph of one environment as a Mermaid flowchart: the components, the declared external
 * dependencies, the ingress controller and Prometheus; an arrow per consumer → provider pair labelled with the
 * Service ports (dashed: runtime links and scrapes), and the public hosts. It is drawn from the same graph the
 * NetworkPolicies are derived from, so each arrow is a path a policy opens.
 */
export function mermaidGraph(env: EnvironmentConfig, graph: PlatformGraph): string {
  const published = env.components.ingress.enabled ? publishedEndpoints(env, graph.discoverables) : [];
  // One arrow per (from, to, style), listing the Service ports.
  const arrows = new Map<string, { from: string; to: string; dashed: boolean; labels: Set<string> }>();
  const add = (from: string, to: string, dashed: boolean, label: string) => {
    const key = `${from}|${to}|${dashed}`;
    const a = arrows.get(key) ?? { from, to, dashed, labels: new Set<string>() };
    a.labels.add(label);
    arrows.set(key, a);
  };
  for (const p of published) add('public_ingress', nodeId(p.endpoint.component), false, `${p.host}${p.path === '/' ? '' : p.path}`);
  for (const e of graph.edges.filter((x) => x.kind === 'service')) {
    if (e.to === 'external') add(nodeId(e.from), `ext_${nodeId(e.target)}`, false, e.target);
    else if (e.scrape) add('prometheus', nodeId(e.to), true, `${e.target}:${e.detail}`);
    else add(nodeId(e.from), nodeId(e.to), e.soft === true, `${e.target}:${e.detail}`);
  }
  // Nodes: those an arrow touches.
  const used = new Set([...arrows.values()].flatMap((a) => [a.from, a.to]));
  const lines = ['flowchart LR'];
  if (used.has('public_ingress')) lines.push(`  public_ingress{{"ingress controller (${env.components.ingress.controller.namespace})"}}`);
  if (used.has('prometheus')) lines.push(`  prometheus(["Prometheus (${env.components.networkPolicies.prometheus.namespace})"])`);
  for (const c of [...graph.components].sort()) if (used.has(nodeId(c))) lines.push(`  ${nodeId(c)}["${c}"]`);
  const externals = [...new Set(graph.edges.filter((e) => e.kind === 'service' && e.to === 'external').map((e) => e.target))].sort();
  for (const x of externals) lines.push(`  ext_${nodeId(x)}[("${x} (external)")]`);
  for (const a of [...arrows.values()].sort((x, y) => compareStrings(`${x.from}|${x.to}|${x.dashed}`, `${y.from}|${y.to}|${y.dashed}`))) {
    const label = [...a.labels].sort().join('<br/>');
    lines.push(`  ${a.from} ${a.dashed ? '-.->' : '-->'}|"${label}"| ${a.to}`);
  }
  return `${lines.join('\n')}\n`;
}
