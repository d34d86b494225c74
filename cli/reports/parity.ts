import { podSpecOf } from '../../src/platform/checks/pods';
import { keyOf, LoadedObject } from './objects';
import { compareStrings } from '../../src/core/order';
import { PlatformConfigError } from '../../src/core/errors';

/** The facets compared for objects present on both sides. */
export type ParityFacet = 'selector' | 'images' | 'ports' | 'env' | 'volumeMounts' | 'probes';
export const PARITY_FACETS: readonly ParityFacet[] = ['selector', 'images', 'ports', 'env', 'volumeMounts', 'probes'];

/** One object on one side. */
export interface ParityObject {
  /** `Kind/namespace/name`. */
  readonly key: string;
  /** Where it comes from (a reference file or an output path). */
  readonly source: string;
  readonly manifest: Record<string, any>;
}

/** A facet that differs between the reference and the synthesized object. */
export interface FacetDifference {
  readonly key: string;
  readonly facet: ParityFacet;
  readonly reference: string;
  readonly synthesized: string;
  readonly referenceSource: string;
}

/** The result of a parity comparison. */
export interface ParityResult {
  readonly referenceCount: number;
  readonly synthesizedCount: number;
  readonly matched: readonly string[];
  readonly onlyInReference: readonly ParityObject[];
  readonly onlyInSynthesized: readonly ParityObject[];
  readonly differences: readonly FacetDifference[];
  /** Keys defined more than once in the reference, with their files. */
  readonly referenceDuplicates: ReadonlyMap<string, readonly string[]>;
}

const labels = (m: Record<string, string> | undefined) => Object.entries(m ?? {}).sort(([a], [b]) => compareStrings(a, b)).map(([k, v]) => `${k}=${v}`).join(', ');

function probeText(p: any): string {
  if (p.httpGet) return `http ${p.httpGet.path ?? '/'} :${p.httpGet.port}`;
  if (p.tcpSocket) return `tcp :${p.tcpSocket.port}`;
  if (p.grpc) return `grpc :${p.grpc.port}`;
  if (p.exec) return `exec ${(p.exec.command ?? []).join(' ')}`;
  return 'other';
}

/** The comparable facets of one object (only the ones that apply to its kind). */
export function facetsOf(m: Record<string, any>): Partial<Record<ParityFacet, string>> {
  const out: Partial<Record<ParityFacet, string>> = {};
  if (m.kind === 'Service') {
    out.selector = labels(m.spec?.selector);
    out.ports = (m.spec?.ports ?? []).map((p: any) => `${p.name ?? ''}:${p.port}→${p.targetPort ?? p.port}`).join(', ');
    return out;
  }
  const pod = podSpecOf(m);
  if (!pod) return out;
  if (m.spec?.selector) out.selector = labels(m.spec.selector.matchLabels) + (m.spec.selector.matchExpressions?.length ? ' +expressions' : '');
  const containers = [...(pod.initContainers ?? []).map((c: any) => ({ c, init: true })), ...(pod.containers ?? []).map((c: any) => ({ c, init: false }))];
  // Containers with nothing for a facet are left out of it, so a renamed container without ports (say) does not
  // show as a port difference.
  const per = (f: (c: any) => string) => containers
    .map(({ c, init }) => ({ name: `${c.name}${init ? ' (init)' : ''}`, value: f(c) }))
    .filter((x) => x.value !== '')
    .map((x) => `${x.name}: ${x.value}`).join('; ') || '-';
  out.images = per((c) => c.image ?? '');
  out.ports = per((c) => (c.ports ?? []).map((p: any) => `${p.name ?? ''}:${p.containerPort}`).join(', '));
  out.env = per((c) => (c.env ?? []).map((e: any) => e.name).sort(compareStrings).join(', '));
  out.volumeMounts = per((c) => (c.volumeMounts ?? []).map((v: any) => v.mountPath).sort(compareStrings).join(', '));
  out.probes = per((c) => [['liveness', c.livenessProbe], ['readiness', c.readinessProbe], ['startup', c.startupProbe]]
    .filter(([, p]) => p).map(([n, p]) => `${n} ${probeText(p)}`).join(', '));
  return out;
}

/**
 * Compares a directory of rendered manifests (e.g. `helm template` output or the reference pack) with one
 * environment's synthesized objects: objects only on one side, and for objects with the same
 * kind/namespace/name the selector, images, container ports, env var names, volume mounts and probes.
 * Reference objects without a namespace are placed in `defaultNamespace` (the Helm release namespace).
 */
export function compareParity(reference: readonly LoadedObject[], synthesized: readonly ParityObject[], defaultNamespace: string): ParityResult {
  const refs = new Map<string, ParityObject[]>();
  for (const o of reference) {
    const key = keyOf(o.manifest, defaultNamespace);
    refs.set(key, [...(refs.get(key) ?? []), { key, source: o.file, manifest: o.manifest }]);
  }
  const ours = new Map(synthesized.map((o) => [o.key, o]));
  const matched = [...refs.keys()].filter((k) => ours.has(k)).sort(compareStrings);
  const differences: FacetDifference[] = [];
  for (const key of matched) {
    const mine = facetsOf(ours.get(key)!.manifest);
    for (const ref of refs.get(key)!) {
      const theirs = facetsOf(ref.manifest);
      for (const facet of PARITY_FACETS) {
        if (theirs[facet] === undefined && mine[facet] === undefined) continue;
        if (theirs[facet] !== mine[facet]) {
          differences.push({ key, facet, reference: theirs[facet] ?? '-', synthesized: mine[facet] ?? '-', referenceSource: ref.source });
        }
      }
    }
  }
  const duplicates = new Map([...refs].filter(([, v]) => v.length > 1).map(([k, v]) => [k, v.map((o) => o.source)] as const));
  return {
    referenceCount: reference.length,
    synthesizedCount: synthesized.length,
    matched,
    onlyInReference: [...refs.keys()].filter((k) => !ours.has(k)).sort(compareStrings).flatMap((k) => refs.get(k)!.slice(0, 1)),
    onlyInSynthesized: [...ours.keys()].filter((k) => !refs.has(k)).sort(compareStrings).map((k) => ours.get(k)!),
    differences,
    referenceDuplicates: duplicates,
  };
}

/** A committed explanation of a difference. */
export interface Explanation {
  /** `fix`: a deliberate change from the reference; `gap`: something still to close. */
  readonly verdict: 'fix' | 'gap';
  readonly note: string;
}

/**
 * Explanations keyed by `Kind/namespace/name` (a whole object), `Kind/namespace/name#facet` (one facet), with
 * `*` matching any run of characters. The most specific key wins: exact before patterns, longer patterns first.
 */
export class Explanations {
  private readonly exact = new Map<string, Explanation>();
  private readonly patterns: Array<{ key: string; re: RegExp; e: Explanation }> = [];
  private readonly used = new Set<string>();

  constructor(entries: Readonly<Record<string, Explanation>>) {
    for (const [key, e] of Object.entries(entries)) {
      if (e.verdict !== 'fix' && e.verdict !== 'gap') throw new PlatformConfigError(`explanation '${key}'`, `verdict is '${String(e.verdict)}'`, "use 'fix' or 'gap'");
      if (typeof e.note !== 'string' || !e.note.trim()) throw new PlatformConfigError(`explanation '${key}'`, 'has no note', 'say in a note why the difference is deliberate');
      if (key.includes('*')) {
        const re = new RegExp(`^${key.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\/]/g, '\\$&')).join('.*')}$`);
        this.patterns.push({ key, re, e });
      } else {
        this.exact.set(key, e);
      }
    }
    this.patterns.sort((a, b) => b.key.length - a.key.length || compareStrings(a.key, b.key));
  }

  /** The explanation of an object (`key`) or of one of its facets (`key#facet`). */
  public lookup(key: string, facet?: string): (Explanation & { key: string }) | undefined {
    const candidates = facet ? [`${key}#${facet}`, key] : [key];
    for (const c of candidates) {
      const e = this.exact.get(c);
      if (e) { this.used.add(c); return { ...e, key: c }; }
    }
    for (const c of candidates) {
      const p = this.patterns.find((x) => x.re.test(c));
      if (p) { this.used.add(p.key); return { ...p.e, key: p.key }; }
    }
    return undefined;
  }

  /** Keys that explained nothing in this run (stale after a fix, or misspelt). */
  public unused(): string[] {
    return [...this.exact.keys(), ...this.patterns.map((p) => p.key)].filter((k) => !this.used.has(k)).sort(compareStrings);
  }
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const verdictText = (e?: Explanation) => (e ? (e.verdict === 'fix' ? 'deliberate fix' : 'gap') : '**unexplained gap**');

/** The parity report as markdown, with every difference's explanation (or "unexplained gap"). */
export function renderParityMarkdown(r: ParityResult, explanations: Explanations, meta: { reference: string; env: string; command: string }): string {
  const selectorDiffs = r.differences.filter(isImmutableSelectorDifference);
  const rows: Array<{ kind: string; key: string; e?: Explanation }> = [];
  const lines: string[] = [
    `# Parity: ${meta.env} output vs ${meta.reference}`,
    '',
    `Generated by \`${meta.command}\`; do not edit by hand. Explanations come from \`docs/parity-explanations.yaml\`,`,
    'keyed by `Kind/namespace/name` or `Kind/namespace/name#facet` (`*` matches anything); a difference without one is listed as an unexplained gap.',
    '',
  ];
  const body: string[] = [];

  body.push('## Selector differences', '');
  if (selectorDiffs.length === 0) body.push('None: every object present on both sides keeps its selector.', '');
  else {
    body.push('A workload selector is immutable: each of these forces a delete and re-create of the workload. (A Service selector can change in place; such differences are listed with the other facets.)', '', '| object | reference | synthesized | verdict | explanation |', '| --- | --- | --- | --- | --- |');
    for (const d of selectorDiffs) {
      const e = explanations.lookup(d.key, d.facet);
      rows.push({ kind: 'selector', key: `${d.key}#selector`, e });
      body.push(`| \`${d.key}\` | ${cell(d.reference)} | ${cell(d.synthesized)} | ${verdictText(e)} | ${cell(e?.note ?? '')} |`);
    }
    body.push('');
  }

  body.push('## Differences of objects present on both sides', '');
  const other = r.differences.filter((d) => !isImmutableSelectorDifference(d));
  if (other.length === 0) body.push('None.', '');
  else {
    body.push('| object | facet | reference | synthesized | verdict | explanation |', '| --- | --- | --- | --- | --- | --- |');
    for (const d of other) {
      const e = explanations.lookup(d.key, d.facet);
      rows.push({ kind: 'facet', key: `${d.key}#${d.facet}`, e });
      const dup = r.referenceDuplicates.has(d.key) ? ` (${d.referenceSource})` : '';
      body.push(`| \`${d.key}\`${dup} | ${d.facet} | ${cell(d.reference)} | ${cell(d.synthesized)} | ${verdictText(e)} | ${cell(e?.note ?? '')} |`);
    }
    body.push('');
  }

  const oneSided = (title: string, column: string, kind: string, list: readonly ParityObject[]) => {
    body.push(`## ${title}`, '');
    if (list.length === 0) { body.push('None.', ''); return; }
    body.push(`| object | ${column} | verdict | explanation |`, '| --- | --- | --- | --- |');
    for (const o of list) {
      const e = explanations.lookup(o.key);
      rows.push({ kind, key: o.key, e });
      body.push(`| \`${o.key}\` | \`${o.source}\` | ${verdictText(e)} | ${cell(e?.note ?? '')} |`);
    }
    body.push('');
  };
  oneSided('Only in the reference', 'reference file', 'reference', r.onlyInReference);
  oneSided('Only in the synthesized output', 'output file', 'synthesized', r.onlyInSynthesized);

  if (r.referenceDuplicates.size > 0) {
    body.push('## Defined more than once in the reference', '', 'Each definition is compared separately.', '');
    for (const [k, files] of r.referenceDuplicates) body.push(`- \`${k}\`: ${files.map((f) => `\`${f}\``).join(', ')}`);
    body.push('');
  }

  const unexplained = rows.filter((x) => !x.e);
  body.push('## Unexplained differences (gaps to close)', '');
  if (unexplained.length === 0) body.push('None.', '');
  else body.push(...unexplained.map((x) => `- \`${x.key}\` (${x.kind})`), '');
  const stale = explanations.unused();
  body.push('## Explanations that matched nothing', '');
  if (stale.length === 0) body.push('None.', '');
  else body.push('These entries of `docs/parity-explanations.yaml` explain no current difference; remove them.', '', ...stale.map((k) => `- \`${k}\``), '');

  const count = (pred: (x: (typeof rows)[number]) => boolean) => rows.filter(pred).length;
  lines.push(
    '| | count |', '| --- | --- |',
    `| objects in the reference | ${r.referenceCount} |`,
    `| objects synthesized for ${meta.env} | ${r.synthesizedCount} |`,
    `| present on both sides (kind/namespace/name) | ${r.matched.length} |`,
    `| selector differences | ${selectorDiffs.length} |`,
    `| other differing facets | ${other.length} |`,
    `| only in the reference | ${r.onlyInReference.length} |`,
    `| only in the synthesized output | ${r.onlyInSynthesized.length} |`,
    `| differences explained as deliberate fixes | ${count((x) => x.e?.verdict === 'fix')} |`,
    `| differences explained as gaps | ${count((x) => x.e?.verdict === 'gap')} |`,
    `| unexplained differences | ${unexplained.length} |`,
    '',
    ...body,
  );
  return lines.join('\n');
}

/** A selector difference that forces a re-create: a workload's (a Service's selector can change in place). */
export function isImmutableSelectorDifference(d: { readonly facet: string; readonly key: string }): boolean {
  return d.facet === 'selector' && !d.key.startsWith('Service/');
}
