#!/usr/bin/env node
/**
 * Command line: proves the synthesized policies and exceptions with the REAL Kyverno CLI (1.12).
 *
 *   npm run policy-check                              every environment, the platform's policies
 *   npm run policy-check -- --library DIR             plus the upstream library policies in DIR (the sets
 *                                                     each environment opts in to), e.g. ../shared/kyverno-library-1.12
 *   npm run policy-check -- --env prod                one environment (repeatable)
 *
 * For every environment: synthesizes it in memory, switches every policy to Enforce, and runs
 * `kyverno apply` with the synthesized PolicyExceptions against every synthesized workload plus one Job (for
 * a CronJob) and one Pod per workload, named as their controllers name them. Passes only with zero failures
 * and zero errors. A second run without the exceptions must fail exactly where the in-process admission
 * simulation (the one `npm test` runs) says it fails: so the engine, not the simulation, decides, and every
 * generated exception is needed. The CLI comes from `tools/kyverno/build.sh` (built from the Go module
 * proxy, cached outside the repository; `KYVERNO_BIN` overrides it).
 *
 * Exit codes: 0 pass; 1 a failure, an error or a disagreement; 2 usage or setup error.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { parseCommandLine, selectEnvironments } from './cli';
import { admittedObjects, HUMAN_USER, PolicyInUse, requestedBy, requesterOf, RequestUser, simulateAdmission, WORKLOAD_KINDS } from '../src/platform/policies/admission';
import { canaries } from '../src/platform/policies/canaries';
import { policiesInUse } from '../src/platform/policies/policies';
import { LIBRARY_POLICIES, LIBRARY_POLICY_SETS } from '../src/platform/policies/rules';
import { PlatformConfigError, PlatformValidationError } from '../src/core/errors';
import { ENVIRONMENT_NAMES, loadEnvironment } from '../src/config/values';
import { toYaml } from '../src/core/yaml';
import { synthesize } from '../src/output/synth';

const USAGE = `usage: policy-check [--library DIR] [--env NAME]... [--kyverno 1.11]
  --library DIR  upstream Kyverno library policies (one ClusterPolicy per file) applied as well
  --env NAME     environment to check (${ENVIRONMENT_NAMES.join(', ')}); default: all
  --kyverno V    the CLI version line: 1.12 (default, tools/kyverno) or 1.11 (tools/kyverno/v1.11, the live cluster's)`;

/** The Kyverno CLI version lines tools/kyverno builds. */
const KYVERNO_LINES = ['1.12', '1.11'] as const;

/** The counts `kyverno apply` prints. */
export interface ApplyCounts { pass: number; fail: number; warn: number; error: number; skip: number }

/** The summary lines of `kyverno apply` output. */
export interface ApplySummary extends ApplyCounts {
  rules: number;
  resources: number;
  exceptions: number;
}

/** Parses the `Applying … ` and `pass: …` lines of `kyverno apply`; undefined when either is missing. */
export function parseApplySummary(out: string): ApplySummary | undefined {
  const applying = [...out.matchAll(/^Applying (\d+) policy rule\(s\) to (\d+) resource\(s\)(?: with (\d+) exception\(s\))?/gm)].pop();
  const counts = [...out.matchAll(/^pass: (\d+), fail: (\d+), warn: (\d+), error: (\d+), skip: (\d+)/gm)].pop();
  if (!applying || !counts) return undefined;
  const n = (s: string | undefined) => (s === undefined ? 0 : parseInt(s, 10));
  return {
    rules: n(applying[1]), resources: n(applying[2]), exceptions: n(applying[3]),
    pass: n(counts[1]), fail: n(counts[2]), warn: n(counts[3]), error: n(counts[4]), skip: n(counts[5]),
  };
}

/** One result row of a PolicyReport: `policy/rule resource result`. */
export interface ReportResult { policy: string; rule: string; resource: string; result: string }

/**
 * The results of the policy report `kyverno apply --policy-report` prints (a ClusterPolicyReport or
 * PolicyReport YAML after a header line), one row per resource.
 */
export function parsePolicyReport(out: string): ReportResult[] {
  const start = out.search(/^(apiVersion|kind): /m);
  if (start < 0) return [];
  const rows: ReportResult[] = [];
  for (const doc of parseAllDocuments(out.slice(start))) {
    const report = doc.toJS() as Record<string, any> | null;
    if (!report || !/PolicyReport$/.test(String(report.kind))) continue;
    for (const r of report.results ?? []) {
      for (const res of r.resources ?? [{}]) {
        rows.push({ policy: r.policy, rule: r.rule, resource: `${res.kind}/${res.namespace ?? ''}/${res.name}`, result: r.result });
      }
    }
  }
  return rows;
}

/** A policy file of the library directory. */
export interface LibraryPolicy { file: string; manifest: Record<string, any> }

/** Reads the library directory: every YAML document must be a kyverno.io ClusterPolicy. */
export function readLibrary(dir: string): LibraryPolicy[] {
  const out: LibraryPolicy[] = [];
  for (const f of fs.readdirSync(dir).filter((n) => /\.ya?ml$/.test(n)).sort()) {
    for (const d of parseAllDocuments(fs.readFileSync(path.join(dir, f), 'utf8'))) {
      const m = d.toJS() as Record<string, any> | null;
      if (!m) continue;
      if (m.kind !== 'ClusterPolicy' || !String(m.apiVersion).startsWith('kyverno.io/')) {
        throw new PlatformConfigError(`--library ${dir}`, `${f} holds a ${m.apiVersion} ${m.kind}, not a Kyverno ClusterPolicy`, 'give a directory of upstream library ClusterPolicies');
      }
      out.push({ file: f, manifest: m });
    }
  }
  return out;
}

/**
 * Matches the library files with the policies the environment opts in to: each must exist with exactly the
 * encoded rule names. Returns the manifests to apply and notes; problems for mismatches and for library
 * policies the platform does not encode (nothing is skipped silently).
 */
export function selectLibrary(library: readonly LibraryPolicy[], inUse: readonly PolicyInUse[]): { apply: LibraryPolicy[]; notes: string[]; problems: string[] } {
  const apply: LibraryPolicy[] = [];
  const notes: string[] = [];
  const problems: string[] = [];
  const encoded = new Map(LIBRARY_POLICY_SETS.flatMap((s) => LIBRARY_POLICIES[s].map((p) => [p.name, { set: s, p }] as const)));
  for (const l of library) {
    const name = l.manifest.metadata?.name;
    const known = encoded.get(name);
    if (!known) {
      problems.push(`${l.file}: library policy ${name} is not encoded by the platform. Fix: encode it in LIBRARY_POLICIES (src/platform/policies/rules.ts) with its rules and a deviation mapping`);
      continue;
    }
    const rules = (l.manifest.spec?.rules ?? []).map((r: any) => r.name).sort();
    const expected = known.p.rules.map((r) => r.name).sort();
    if (JSON.stringify(rules) !== JSON.stringify(expected)) {
      problems.push(`${l.file}: library policy ${name} has rules ${rules.join(', ')}, the platform encodes ${expected.join(', ')}. Fix: update LIBRARY_POLICIES to the library's release`);
      continue;
    }
    const annotation = l.manifest.metadata?.annotations?.['pod-policies.kyverno.io/autogen-controllers'];
    const controllers = annotation ? String(annotation).split(',').map((c) => c.trim()).sort().join(',') : undefined;
    const encodedControllers = known.p.autogenControllers ? [...known.p.autogenControllers].sort().join(',') : undefined;
    if (controllers !== encodedControllers) {
      problems.push(`${l.file}: library policy ${name} generates rules for ${controllers ?? 'the default controllers'}, the platform encodes ${encodedControllers ?? 'the default controllers'}. Fix: set autogenControllers in LIBRARY_POLICIES`);
      continue;
    }
    if (inUse.some((p) => p.name === name && p.source !== 'platform')) apply.push(l);
    else notes.push(`${name} (${l.file}) not applied: set ${known.set} is not opted in`);
  }
  for (const p of inUse.filter((q) => q.source !== 'platform')) {
    if (!library.some((l) => l.manifest.metadata?.name === p.name)) notes.push(`${p.name} (set ${p.source}) is not in the library directory: checked in-process only`);
  }
  return { apply, notes, problems };
}

/** A copy of a policy with validationFailureAction Enforce. */
export function enforced(policy: Record<string, any>): Record<string, any> {
  const copy = structuredClone(policy);
  copy.spec.validationFailureAction = 'Enforce';
  delete copy.spec.validationFailureActionOverrides;
  return copy;
}

function kyvernoBinary(line: string): string {
  const script = path.resolve(__dirname, '..', 'tools', 'kyverno', 'build.sh');
  const out = execFileSync('bash', [script, ...(line === '1.12' ? [] : [line])], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const bin = out.trim().split('\n').pop() ?? '';
  if (!bin || !fs.existsSync(bin)) throw new PlatformConfigError('tools/kyverno/build.sh', `printed no usable binary path ('${bin}')`, 'set KYVERNO_BIN to a Kyverno CLI binary or fix the build (see tools/kyverno/NOTES.md)');
  return bin;
}

function run(bin: string, args: string[]): { out: string; err: string; status: number } {
  const r = spawnSync(bin, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { out: r.stdout, err: r.stderr, status: r.status ?? 2 };
}

/** The `--userinfo` file of the Kyverno CLI for one requester (cli.kyverno.io/v1alpha1 UserInfo, a RequestInfo inline). */
export function userInfoYaml(user: RequestUser): string {
  return toYaml({ apiVersion: 'cli.kyverno.io/v1alpha1', kind: 'UserInfo', metadata: { name: 'requester' }, userInfo: { username: user.username, groups: [...user.groups] } });
}

/**
 * Hand-made copies of what each controller-scoped exception covers: a Pod (or Job) named with the workload's
 * prefix, with its labels and pod spec, but sent by a person, not by the controller. None may be excepted.
 */
export function borrowCanaries(exceptions: ReadonlyArray<Record<string, any>>, workloads: ReadonlyArray<Record<string, any>>): Array<Record<string, any>> {
  const out: Array<Record<string, any>> = [];
  for (const e of exceptions) {
    for (const f of (e.spec?.match?.any ?? []) as Array<Record<string, any>>) {
      if (!f.subjects) continue;
      const r = f.resources;
      // A name pattern `<workload>-*`, or an exact pod name (`minio-0` of the legacy StatefulSet): the copy takes the
      // pattern's prefix (or the exact name) and the selector's labels, and is sent by a person.
      const pattern = String(r.names[0]);
      const exact = !pattern.endsWith('*');
      const prefix = pattern.replace(/\*$/, '');
      const owner = workloads.find((w) => w.metadata.namespace === r.namespaces[0] && (exact ? pattern.startsWith(`${w.metadata.name}-`) : `${w.metadata.name}-` === prefix));
      if (!owner) continue;
      const template = owner.kind === 'CronJob' ? owner.spec.jobTemplate.spec.template : owner.spec.template;
      const metadata = { name: exact ? pattern : `${prefix}handmade`, namespace: r.namespaces[0], labels: { ...r.selector.matchLabels } };
      const obj = r.kinds[0] === 'Job'
        ? { apiVersion: 'batch/v1', kind: 'Job', metadata, spec: owner.spec.jobTemplate.spec }
        : { apiVersion: 'v1', kind: 'Pod', metadata, spec: template.spec };
      out.push(requestedBy(JSON.parse(JSON.stringify(obj)), HUMAN_USER));
    }
  }
  return out;
}

/** Checks one environment; returns its problems (empty = pass). */
function checkEnvironment(bin: string, env: string, library: readonly LibraryPolicy[] | undefined, log: (s: string) => void, withExceptions = true): string[] {
  const environment = loadEnvironment(env);
  const objects = synthesize({ environments: [env] }).objects.map((o) => o.manifest);
  const inUse = policiesInUse(env, [environment.namespace], environment.components.policies.librarySets);
  const problems: string[] = [];

  const platformPolicies = objects.filter((m) => m.kind === 'ClusterPolicy');
  const exceptions = objects.filter((m) => m.kind === 'PolicyException');
  const workloads = objects.filter((m) => (WORKLOAD_KINDS as readonly string[]).includes(m.kind));
  const resources = workloads.flatMap(admittedObjects);
  let lib: LibraryPolicy[] = [];
  if (library) {
    const sel = selectLibrary(library, inUse);
    lib = sel.apply;
    for (const n of sel.notes) log(`  note: ${n}`);
    problems.push(...sel.problems);
  }
  // Only the policies the engine really runs are simulated, so both sides see the same rules.
  const applied = inUse.filter((p) => p.source === 'platform' || lib.some((l) => l.manifest.metadata.name === p.name));

  const work = fs.mkdtempSync(path.join(os.tmpdir(), `policy-check-${env}-`));
  try {
    const policyDir = path.join(work, 'policies');
    fs.mkdirSync(policyDir);
    [...platformPolicies, ...lib.map((l) => l.manifest)].forEach((p, i) =>
      fs.writeFileSync(path.join(policyDir, `${String(i).padStart(3, '0')}-${p.metadata.name}.yaml`), toYaml(enforced(p))));
    const resourceFile = path.join(work, 'resources.yaml');
    fs.writeFileSync(resourceFile, resources.map(toYaml).join('---\n'));
    const canaryObjects = canaries(environment.namespace);
    const canaryFile = path.join(work, 'canaries.yaml');
    fs.writeFileSync(canaryFile, canaryObjects.map(toYaml).join('---\n'));
    const exceptionFile = path.join(work, 'exceptions.yaml');
    fs.writeFileSync(exceptionFile, exceptions.map(toYaml).join('---\n'));
    const base = ['apply', policyDir, '--resource', resourceFile, '--remove-color', '-v', '3'];

    // 1. The gate: Enforce, with the synthesized exceptions: zero failures, zero errors. One run per requester
    //    (Argo CD for the workloads, each kube-controller-manager controller for what it creates), because the
    //    exceptions for created objects match the requesting user (`subjects`).
    const groups = new Map<string, { user: RequestUser; objects: Array<Record<string, any>> }>();
    for (const o of resources) {
      const u = requesterOf(o);
      if (!groups.has(u.username)) groups.set(u.username, { user: u, objects: [] });
      groups.get(u.username)!.objects.push(o);
    }
    const total: Record<string, number> = { rules: 0, pass: 0, fail: 0, warn: 0, error: 0, skip: 0 };
    // The 1.11.0 CLI has no --exceptions flag (v1.11.0 cmd/cli/kubectl-kyverno/commands/apply/command.go): with it
    // only the cross-check below runs (the engine of the live cluster's version fails where the simulation does).
    if (!withExceptions) log(`  ${env}: this Kyverno CLI cannot apply PolicyExceptions (no --exceptions flag): the cross-check only`);
    for (const [i, g] of (withExceptions ? [...groups.values()] : []).entries()) {
      const file = path.join(work, `resources-${i}.yaml`);
      fs.writeFileSync(file, g.objects.map(toYaml).join('---\n'));
      const userFile = path.join(work, `userinfo-${i}.yaml`);
      fs.writeFileSync(userFile, userInfoYaml(g.user));
      const args = ['apply', policyDir, '--resource', file, '--userinfo', userFile, '--remove-color', '-v', '3', ...(exceptions.length > 0 ? ['--exceptions', exceptionFile] : [])];
      const gate = run(bin, args);
      const s = parseApplySummary(gate.out);
      if (!s) return [...problems, `environment '${env}': unexpected kyverno output (exit ${gate.status}):\n${gate.out}\n${gate.err}`];
      for (const k of Object.keys(total)) total[k] += (s as any)[k];
      if (/skipping invalid YAML file/.test(gate.err)) problems.push(`environment '${env}': kyverno dropped a policy file it could not load:\n${gate.err.split('\n').filter((l) => /skipping invalid/.test(l)).join('\n')}`);
      if (s.rules === 0) problems.push(`environment '${env}': kyverno loaded no policy rule`);
      if (s.resources !== g.objects.length) problems.push(`environment '${env}': kyverno loaded ${s.resources} resources of ${g.objects.length} (${g.user.username})`);
      if (s.exceptions !== exceptions.length) problems.push(`environment '${env}': kyverno loaded ${s.exceptions} exceptions of ${exceptions.length}`);
      if (s.fail > 0 || s.error > 0 || gate.status !== 0) {
        const detail = run(bin, [...args, '--policy-report']);
        const bad = parsePolicyReport(detail.out).filter((r) => r.result === 'fail' || r.result === 'error');
        problems.push(`environment '${env}': ${s.fail} failure(s), ${s.error} error(s) under Enforce with the generated exceptions, sent by ${g.user.username} (exit ${gate.status}):\n${bad.map((r) => `    ${r.result}: ${r.resource} ${r.policy}/${r.rule}`).join('\n')}`);
      }
    }
    if (withExceptions) {
      log(`  ${env}: ${platformPolicies.length} platform + ${lib.length} library policies, ${resources.length} resources from ${groups.size} requesters, ${exceptions.length} exceptions`);
      log(`  ${env}: pass ${total.pass}, fail ${total.fail}, warn ${total.warn}, error ${total.error}, skip ${total.skip}`);
    }

    // 1b. Not borrowable: hand-made copies of the objects the controller-scoped exceptions cover, sent by a
    //     person, fail every rule the exception names for them (Kyverno and the simulation agree).
    const borrowers = withExceptions ? borrowCanaries(exceptions, workloads) : [];
    if (borrowers.length > 0) {
      const file = path.join(work, 'borrowers.yaml');
      fs.writeFileSync(file, borrowers.map(toYaml).join('---\n'));
      const userFile = path.join(work, 'userinfo-human.yaml');
      fs.writeFileSync(userFile, userInfoYaml(HUMAN_USER));
      const r = run(bin, ['apply', policyDir, '--resource', file, '--userinfo', userFile, '--exceptions', exceptionFile, '--remove-color', '--policy-report']);
      const rows = parsePolicyReport(r.out);
      const sim = simulateAdmission(borrowers, applied, exceptions);
      const engineFails = new Set(rows.filter((x) => x.result === 'fail').map((x) => `${x.resource} ${x.policy}/${x.rule}`));
      const skipped = rows.filter((x) => x.result === 'skip');
      if (skipped.length) problems.push(`environment '${env}': an exception was borrowed by a hand-made object:\n${skipped.map((x) => `    ${x.resource} ${x.policy}/${x.rule}`).join('\n')}`);
      for (const v of sim.filter((x) => x.result !== 'pass')) {
        if (v.result === 'skip') problems.push(`environment '${env}': the simulation lets ${v.resource} borrow ${v.exception}`);
        else if (!engineFails.has(`${v.resource} ${v.policy}/${v.rule}`)) problems.push(`environment '${env}': Kyverno does not fail the hand-made ${v.resource} on ${v.policy}/${v.rule}`);
      }
      log(`  ${env}: ${borrowers.length} hand-made copies (sent by ${HUMAN_USER.username}): Kyverno fails ${engineFails.size} rule checks, skips ${skipped.length}`);
    }

    // 2. The cross-check: without exceptions, the engine fails exactly where the in-process simulation does,
    //    on the platform's workloads and on canaries that violate every rule on purpose.
    const bare = run(bin, [...base, '--resource', canaryFile, '--policy-report']);
    const report = parsePolicyReport(bare.out);
    const errors = report.filter((r) => r.result === 'error');
    if (errors.length) problems.push(`environment '${env}': kyverno reported errors:\n${errors.map((r) => `    ${r.resource} ${r.policy}/${r.rule}`).join('\n')}`);
    const engine = new Set(report.filter((r) => r.result === 'fail').map((r) => `${r.resource} ${r.policy}/${r.rule}`));
    const simulated = new Set(simulateAdmission([...resources, ...canaryObjects], applied, []).filter((v) => v.result === 'fail').map((v) => `${v.resource} ${v.policy}/${v.rule}`));
    const onlyEngine = [...engine].filter((x) => !simulated.has(x)).sort();
    const onlySim = [...simulated].filter((x) => !engine.has(x)).sort();
    log(`  ${env}: cross-check without exceptions, with ${canaryObjects.length} canaries: Kyverno fails ${engine.size} rule checks, the in-process simulation ${simulated.size}`);
    if (onlyEngine.length || onlySim.length) {
      problems.push(`environment '${env}': the in-process simulation disagrees with Kyverno (fix the rule's evaluate() in src/platform/policies/rules.ts):\n`
        + onlyEngine.map((x) => `    only Kyverno fails: ${x}`).concat(onlySim.map((x) => `    only the simulation fails: ${x}`)).join('\n'));
    }
    const silent = [...platformPolicies, ...lib.map((l) => l.manifest)].map((p) => p.metadata.name).filter((n) => !report.some((r) => r.policy === n));
    if (silent.length) problems.push(`environment '${env}': kyverno reported nothing for ${silent.join(', ')} (a policy file it dropped?)`);
    if (report.length === 0) problems.push(`environment '${env}': kyverno printed no policy report:\n${bare.out}\n${bare.err}`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  return problems;
}

export function main(argv: readonly string[]): number {
  const parsed = parseCommandLine(argv, { library: { type: 'string' }, env: { type: 'string', multiple: true }, kyverno: { type: 'string', default: '1.12' } }, USAGE);
  if (typeof parsed === 'number') return parsed;
  const args = parsed.values;
  const envs = selectEnvironments(args.env);
  if (typeof envs === 'number') return envs;
  try {
    const library = args.library ? readLibrary(path.resolve(args.library)) : undefined;
    const line = String(args.kyverno);
    if (!(KYVERNO_LINES as readonly string[]).includes(line)) {
      process.stderr.write(`--kyverno ${line}: not a version line tools/kyverno builds (${KYVERNO_LINES.join(', ')})\n${USAGE}\n`);
      return 2;
    }
    const bin = kyvernoBinary(line);
    const version = run(bin, ['version']).out.split('\n').find((l) => /version/i.test(l))?.trim() ?? 'unknown version';
    process.stdout.write(`policy-check with ${bin} (${version})${library ? `, library ${args.library} (${library.length} policies)` : ', no library'}\n`);
    const problems: string[] = [];
    for (const env of envs.length ? envs : ENVIRONMENT_NAMES) {
      problems.push(...checkEnvironment(bin, env, library, (s) => process.stdout.write(`${s}\n`), line !== '1.11'));
    }
    if (problems.length) {
      process.stderr.write(`policy-check FAILED (${problems.length} problem(s)):\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
      return 1;
    }
    process.stdout.write('policy-check passed: zero failures and zero errors under Enforce; Kyverno and the in-process simulation agree.\n');
    return 0;
  } catch (e) {
    if (e instanceof PlatformValidationError || e instanceof PlatformConfigError) {
      process.stderr.write(`${e.message}\n`);
      return 1;
    }
    process.stderr.write(`policy-check could not run: ${(e as Error).message}\n`);
    return 2;
  }
}

if (require.main === module) {
  process.exitCode = main(process.argv.slice(2));
}
