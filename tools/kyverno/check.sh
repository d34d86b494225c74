#!/usr/bin/env bash
# Policy check with the real Kyverno CLI (built by tools/kyverno/build.sh), fully offline.
#
#   tools/kyverno/check.sh [--policies PATH]... [--exceptions PATH]... [--audit-warn]
#                          [--ignore-manifest-policies] [--details] MANIFEST_PATH...
#
#   MANIFEST_PATH   files or directories of YAML (e.g. charts-out/). Every document is sorted:
#                   kyverno.io ClusterPolicy/Policy -> policies, kyverno.io PolicyException ->
#                   exceptions, anything else -> resources.
#   --policies P    extra policy sources (e.g. the upstream policy library directory); every
#                   document in them must be a ClusterPolicy/Policy.
#   --exceptions P  extra PolicyException sources; every document must be a PolicyException.
#   --ignore-manifest-policies   do not apply ClusterPolicies/Policies found in the manifests.
#   --audit-warn    count failures of Audit-mode rules as warnings (kyverno's --audit-warn).
#                   Default: every failing rule counts as a failure, i.e. as if every policy
#                   had validationFailureAction: Enforce.
#   --details       always print the full per-rule table (without it, only non-Pass rows are
#                   printed, and only when the check fails).
#
# Why the splitting: kyverno 1.12 `apply` silently ignores a whole policy path argument (file or
# directory) if any document in it is not a policy, and `-e` takes only files whose every
# document is a PolicyException. See tools/kyverno/NOTES.md.
#
# Output (stdout): kyverno's own output, then one machine-readable line:
#   kyverno-check: pass=N fail=N warn=N error=N skip=N rules=N resources=N exceptions=N
# Exit: 0 ok; 1 policy violations or errors (kyverno's exit code); 2 usage/setup error or a
# sanity check failed (no policies/resources, a policy file silently dropped, counts mismatch).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

policy_srcs=() exception_srcs=() manifest_srcs=()
audit_warn=() details=false manifest_policies=true
while (($#)); do
  case "$1" in
    --policies) policy_srcs+=("${2:?--policies needs a path}"); shift 2 ;;
    --exceptions) exception_srcs+=("${2:?--exceptions needs a path}"); shift 2 ;;
    --audit-warn) audit_warn=(--audit-warn); shift ;;
    --ignore-manifest-policies) manifest_policies=false; shift ;;
    --details) details=true; shift ;;
    -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
    --) shift; manifest_srcs+=("$@"); break ;;
    -*) echo "check.sh: unknown option $1" >&2; exit 2 ;;
    *) manifest_srcs+=("$1"); shift ;;
  esac
done
if ((${#manifest_srcs[@]} == 0)); then
  echo "check.sh: give at least one manifest file or directory (see --help)" >&2
  exit 2
fi

kyverno="$("$here/build.sh" | tail -n 1)"

work="$(mktemp -d "${TMPDIR:-/tmp}/kyverno-check.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# Split every YAML document into policies/NNNN-<kind>-<name>.yaml (one policy per file), exceptions.yaml and
# resources.yaml. Uses the `yaml` package from the repository's node_modules (run `npm ci` first).
NODE_PATH="$here/../../node_modules${NODE_PATH:+:$NODE_PATH}" node - "$work" "$manifest_policies" "${#policy_srcs[@]}" "${policy_srcs[@]}" \
  "${#exception_srcs[@]}" "${exception_srcs[@]}" "${manifest_srcs[@]}" <<'EOF' || exit 2
const fs = require('fs'), path = require('path');
const YAML = require('yaml');
process.on('uncaughtException', (e) => { console.error(`check.sh: ${e.message}`); process.exit(2); });
const [work, manifestPolicies, ...rest] = process.argv.slice(2);
const np = Number(rest.shift()); const policySrcs = rest.splice(0, np);
const ne = Number(rest.shift()); const exceptionSrcs = rest.splice(0, ne);
const manifestSrcs = rest;
const isYaml = (f) => /\.ya?ml$/i.test(f);
function files(p) {
  const st = fs.statSync(p);
  if (!st.isDirectory()) return [p];
  return fs.readdirSync(p).sort().filter((n) => !n.startsWith('.'))
    .flatMap((n) => { const q = path.join(p, n); return fs.statSync(q).isDirectory() ? files(q) : isYaml(n) ? [q] : []; });
}
function docs(file) {
  const out = [];
  for (const d of YAML.parseAllDocuments(fs.readFileSync(file, 'utf8'))) {
    if (d.errors.length) throw new Error(`${file}: ${d.errors[0].message}`);
    const v = d.toJS();
    if (v == null) continue;
    if (typeof v !== 'object' || Array.isArray(v) || !v.kind || !v.apiVersion) throw new Error(`${file}: a document without apiVersion/kind`);
    out.push({ file, v, text: String(d).replace(/^---\n/, '') });
  }
  return out;
}
const group = (v) => (v.apiVersion.includes('/') ? v.apiVersion.split('/')[0] : '');
const isPolicy = (v) => group(v) === 'kyverno.io' && (v.kind === 'ClusterPolicy' || v.kind === 'Policy');
const isException = (v) => group(v) === 'kyverno.io' && v.kind === 'PolicyException';
const policies = [], exceptions = [], resources = [];
const id = (d) => `${d.file}: ${d.v.kind}/${d.v.metadata?.name}`;
for (const src of policySrcs) for (const f of files(src)) for (const d of docs(f)) {
  if (!isPolicy(d.v)) throw new Error(`--policies: not a Kyverno policy: ${id(d)}`);
  policies.push(d);
}
for (const src of exceptionSrcs) for (const f of files(src)) for (const d of docs(f)) {
  if (!isException(d.v)) throw new Error(`--exceptions: not a PolicyException: ${id(d)}`);
  exceptions.push(d);
}
for (const src of manifestSrcs) for (const f of files(src)) for (const d of docs(f)) {
  if (isPolicy(d.v)) { if (manifestPolicies === 'true') policies.push(d); }
  else if (isException(d.v)) exceptions.push(d);
  else resources.push(d);
}
fs.mkdirSync(path.join(work, 'policies'));
const safe = (x) => String(x ?? '').replace(/[^A-Za-z0-9._-]/g, '_');
policies.forEach((d, i) => fs.writeFileSync(path.join(work, 'policies',
  `${String(i).padStart(4, '0')}-${safe(d.v.kind)}-${safe(d.v.metadata?.namespace)}${d.v.metadata?.namespace ? '_' : ''}${safe(d.v.metadata?.name)}.yaml`), d.text));
const join = (ds) => ds.map((d) => d.text).join('\n---\n');
if (exceptions.length) fs.writeFileSync(path.join(work, 'exceptions.yaml'), join(exceptions));
fs.writeFileSync(path.join(work, 'resources.yaml'), join(resources));
fs.writeFileSync(path.join(work, 'counts'), `${policies.length} ${exceptions.length} ${resources.length}\n`);
EOF

read -r n_policies n_exceptions n_resources < "$work/counts"
if ((n_policies == 0)); then echo "check.sh: no Kyverno policies found" >&2; exit 2; fi
if ((n_resources == 0)); then echo "check.sh: no resources found" >&2; exit 2; fi

# One argument per policy file: a policy file kyverno cannot load is then dropped alone (and
# reported below), instead of the whole directory.
args=(apply "$work"/policies/*.yaml --resource "$work/resources.yaml" "${audit_warn[@]}" --remove-color)
if ((n_exceptions > 0)); then args+=(--exceptions "$work/exceptions.yaml"); fi

# -v 3 makes kyverno log the policy files it silently skips (schema errors, unknown fields).
set +e
"$kyverno" "${args[@]}" -v 3 >"$work/out" 2>"$work/err"
rc=$?
set -e
cat "$work/out"

sanity=0
if grep -q 'skipping invalid YAML file' "$work/err"; then
  echo "check.sh: kyverno dropped policies it could not load:" >&2
  grep 'skipping invalid YAML file' "$work/err" | cut -c1-2000 >&2
  sanity=1
fi
applying="$(grep -E '^Applying [0-9]+ policy rule\(s\) to [0-9]+ resource\(s\)' "$work/out" | tail -n 1 || true)"
counts="$(grep -E '^pass: [0-9]+, fail: [0-9]+, warn: [0-9]+, error: [0-9]+, skip: [0-9]+' "$work/out" | tail -n 1 || true)"
if [[ -z "$applying" || -z "$counts" ]]; then
  echo "check.sh: unexpected kyverno output (exit $rc):" >&2
  cat "$work/err" >&2
  exit 2
fi
read -r rules res exc <<<"$(sed -E 's/^Applying ([0-9]+) policy rule\(s\) to ([0-9]+) resource\(s\)( with ([0-9]+) exception\(s\))?.*/\1 \2 \4/' <<<"$applying")"
exc="${exc:-0}"
if ((rules == 0)); then echo "check.sh: kyverno loaded 0 policy rules" >&2; sanity=1; fi
if ((res != n_resources)); then echo "check.sh: kyverno loaded $res resources, expected $n_resources" >&2; sanity=1; fi
if ((exc != n_exceptions)); then echo "check.sh: kyverno loaded $exc exceptions, expected $n_exceptions" >&2; sanity=1; fi

if $details; then
  "$kyverno" "${args[@]}" -t --detailed-results || true
elif ((rc != 0)); then
  # Only the rows that are not Pass.
  "$kyverno" "${args[@]}" -t --detailed-results | grep -v '│ Pass ' || true
fi

read -r pass fail warn error skip <<<"$(sed -E 's/^pass: ([0-9]+), fail: ([0-9]+), warn: ([0-9]+), error: ([0-9]+), skip: ([0-9]+).*/\1 \2 \3 \4 \5/' <<<"$counts")"
echo "kyverno-check: pass=$pass fail=$fail warn=$warn error=$error skip=$skip rules=$rules resources=$res exceptions=$exc"
if ((sanity)); then exit 2; fi
exit "$rc"
