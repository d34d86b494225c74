#!/usr/bin/env bash
# Regenerates the committed CRD bindings under imports/ from ../shared/crds (or $1).
# CRDs of one API group are concatenated into one input, because two imports of the
# same group write the same module file and the last one would win.
set -euo pipefail
crds=${1:-../shared/crds}
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
group() { # group-name file...
  local name=$1; shift
  : > "$tmp/$name.yaml"
  for f in "$@"; do printf -- '---\n' >> "$tmp/$name.yaml"; cat "$crds/$f" >> "$tmp/$name.yaml"; done
}
group argoproj argocd-2.13.9_applications.yaml argocd-2.13.9_appprojects.yaml
group kyverno kyverno-1.12.7_clusterpolicies.yaml kyverno-1.12.7_policyexceptions.yaml
group monitoring prometheus-operator-0.79.2_prometheusrules.yaml prometheus-operator-0.79.2_servicemonitors.yaml
group velero velero-1.15.2_schedules.yaml velero-1.15.2_backupstoragelocations.yaml
group external-secrets external-secrets-0.10.7_externalsecrets.yaml external-secrets-0.10.7_secretstores.yaml external-secrets-0.10.7_clustersecretstores.yaml
cd "$root"
# doris.selectdb.com.ts is hand-written (its CRD is not in ../shared/crds): keep it.
mkdir -p imports && find imports -name '*.ts' ! -name 'doris.selectdb.com.ts' -delete
for g in argoproj kyverno monitoring velero external-secrets; do
  npx cdk8s import "$tmp/$g.yaml" --language typescript --output imports >/dev/null
done
ls imports
