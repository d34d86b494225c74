#!/usr/bin/env bash
# Regenerates the committed CRD bindings under imports/ from ../shared/crds (or $1) and, for external-secrets.io,
# ../shared/crds-external-secrets-2.9.0 (or $2): External Secrets serves `v1` only since v0.17.0 (v1beta1 is
# `served: false` in 2.9.0), so the platform writes ExternalSecret v1 and binds against the 2.9.0 CRD.
#
# Only the kinds and versions the platform writes get bindings (list below): a binding for a version we do
# not write is dead code that every synth and every build would load and compile (the external-secrets
# store CRDs alone were 1.1 MB of TypeScript). With one version per kind, cdk8s names the class after the
# kind alone (ExternalSecret, not ExternalSecretV1Beta1). To write another kind or version, add it here,
# rerun `npm run import-crds` and commit imports/.
#
# CRDs of one API group are concatenated into one input, because two imports of the
# same group write the same module file and the last one would win.
set -euo pipefail
crds=${1:-../shared/crds}
eso_crds=${2:-../shared/crds-external-secrets-2.9.0}
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
# `cdk8s import FILE` appends FILE to the imports of cdk8s.yaml; keep cdk8s.yaml as it is.
cp "$root/cdk8s.yaml" "$tmp/cdk8s.yaml.keep"
trap 'cp "$tmp/cdk8s.yaml.keep" "$root/cdk8s.yaml"; rm -rf "$tmp"' EXIT
group() { # group-name kind@version:file...  (CRD_DIR overrides the directory)
  local name=$1; shift
  (cd "$root" && node scripts/select-crd-versions.js "${CRD_DIR:-$crds}" "$@") > "$tmp/$name.yaml"
}
group argoproj Application@v1alpha1:argocd-2.13.9_applications.yaml
group kyverno ClusterPolicy@v1:kyverno-1.12.7_clusterpolicies.yaml PolicyException@v2beta1:kyverno-1.12.7_policyexceptions.yaml
group monitoring PrometheusRule@v1:prometheus-operator-0.79.2_prometheusrules.yaml ServiceMonitor@v1:prometheus-operator-0.79.2_servicemonitors.yaml
group velero Schedule@v1:velero-1.15.2_schedules.yaml BackupStorageLocation@v1:velero-1.15.2_backupstoragelocations.yaml
CRD_DIR=$eso_crds group external-secrets ExternalSecret@v1:external-secrets-2.9.0_externalsecrets.yaml
cd "$root"
# doris.selectdb.com.ts is hand-written (its CRD is not in ../shared/crds): keep it.
mkdir -p imports && find imports -name '*.ts' ! -name 'doris.selectdb.com.ts' -delete
for g in argoproj kyverno monitoring velero external-secrets; do
  npx cdk8s import "$tmp/$g.yaml" --language typescript --output imports >/dev/null
done
ls imports
