#!/usr/bin/env bash
# The library as a consumer gets it: `npm pack` (which runs `prepare`, i.e. the build), then a scratch cdk8s app in
# a temp dir (test/consumer/app) installs the tarball together with OTHER patch versions of cdk8s and constructs
# than our package-lock.json, compiles with `tsc --strict` (no skipLibCheck) and synthesizes with `cdk8s synth`.
# Fails when the tarball ships anything but the library, when the app's tree holds more than one copy of cdk8s,
# cdk8s-plus-28 or constructs, or when the synth misses an object of the promised constructs.
#   scripts/consumer-test.sh            (network: npm registry; about 1-2 min)
#   KEEP=1 scripts/consumer-test.sh     keeps the temp dir
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
# Other patch versions than the lock file's cdk8s 2.70.106 and constructs 10.8.1 (cdk8s-plus-28 has one 2.5.x).
CDK8S=2.70.104 CONSTRUCTS=10.8.0 CDK8S_PLUS=2.5.6
locked() { node -p "require('$root/package-lock.json').packages['node_modules/$1'].version"; }
[[ "$(locked cdk8s)" != "$CDK8S" && "$(locked constructs)" != "$CONSTRUCTS" ]] || { echo "consumer versions equal the lock file's" >&2; exit 1; }
work="$(mktemp -d)"
[[ "${KEEP:-}" == 1 ]] && echo "work dir: $work" || trap 'rm -rf "$work"' EXIT

echo "-- npm pack (runs prepare: the library build)"
(cd "$root" && npm pack --silent --pack-destination "$work" >"$work/pack.txt")
tarball="$work/$(tail -n1 "$work/pack.txt")"
# Exactly the library: the compiled src/ and imports/ (JavaScript + declarations), package.json, README, LICENSE.
tar tzf "$tarball" | sed 's|^package/||' >"$work/contents.txt"
unexpected="$(grep -Ev '^(package\.json|README\.md|CHANGELOG\.md|LICENSE|schema/values\.schema\.json|lib/(src|imports)/.*\.(js|d\.ts))$' "$work/contents.txt" || true)"
[[ -z "$unexpected" ]] || { echo "the tarball ships more than the library:" >&2; echo "$unexpected" >&2; exit 1; }
grep -qx 'lib/src/index.js' "$work/contents.txt" || { echo "the tarball has no lib/src/index.js" >&2; exit 1; }
echo "   $(wc -l <"$work/contents.txt") files in $(basename "$tarball")"
# The shipped types carry the values schema's TSDoc (issue 17: generated interfaces, not z.infer aliases): a key's
# description and @default are in the .d.ts an editor reads.
tar xzf "$tarball" -C "$work" package/lib/src/config/types.generated.d.ts
grep -A3 'Ensemble size: 1 (standalone) or an odd number' "$work/package/lib/src/config/types.generated.d.ts" | grep -q '@default 1' \
  || { echo "the packed .d.ts lacks the TSDoc of components.zookeeper.replicas" >&2; exit 1; }
echo "   the packed .d.ts documents every key (e.g. components.zookeeper.replicas: description and @default 1)"

app="$work/app"
cp -r "$root/test/consumer/app" "$app"
sed -e "s|@TARBALL@|$tarball|" -e "s|@CDK8S@|$CDK8S|" -e "s|@CONSTRUCTS@|$CONSTRUCTS|" -e "s|@CDK8S_PLUS@|$CDK8S_PLUS|" \
    -e "s|@TYPES_NODE@|$(locked @types/node)|" -e "s|@TYPESCRIPT@|$(locked typescript)|" "$app/package.json.in" >"$app/package.json"
rm "$app/package.json.in"
echo "-- npm install in the scratch app (cdk8s $CDK8S, constructs $CONSTRUCTS)"
(cd "$app" && npm install --no-audit --no-fund --prefer-offline --loglevel=error)
# One copy each, the app's versions: two copies are what made `can't render non-simple object of type 'Lazy'`
# and `scope.node._scopes is not iterable` (the library's own cdk8s/constructs next to the app's).
for pkg in cdk8s cdk8s-plus-28 constructs; do
  copies="$(cd "$app" && find . -path "*/node_modules/$pkg/package.json" | sort)"
  n="$(printf '%s\n' "$copies" | grep -c . || true)"
  [[ "$n" == 1 ]] || { echo "$n copies of $pkg in the consumer app:" >&2; echo "$copies" >&2; exit 1; }
done
[[ "$(cd "$app" && node -p "require('cdk8s/package.json').version")" == "$CDK8S" ]]
[[ "$(cd "$app" && node -p "require('constructs/package.json').version")" == "$CONSTRUCTS" ]]
echo "   one copy each of cdk8s $CDK8S, cdk8s-plus-28, constructs $CONSTRUCTS"

echo "-- tsc --strict (no skipLibCheck)"
(cd "$app" && npx --no-install tsc -p tsconfig.json --strict)
echo "-- cdk8s synth (cdk8s-cli $(locked cdk8s-cli))"
(cd "$app" && "$root/node_modules/.bin/cdk8s" synth --no-check-upgrade >"$work/synth.txt" 2>&1) || { cat "$work/synth.txt" >&2; exit 1; }
out="$app/dist/out"
# file of the app's chart: what the promised construct must have produced there
expect() { grep -qF -- "$2" "$out/$1" || { echo "cdk8s synth: $1 lacks '$2'" >&2; ls "$out" >&2; exit 1; }; }
expect dolphinscheduler.k8s.yaml 'name: dolphinscheduler-master'
expect trino.k8s.yaml 'name: trino-coordinator'
expect redis.k8s.yaml 'name: redis-service'
expect superset-secrets.k8s.yaml 'name: superset-secret'
expect portal-services.k8s.yaml 'services.json'
expect iceberg-compaction.k8s.yaml 'kind: CronJob'
# The exceptions for the deviations the app's workloads declare (DolphinScheduler's servers run as root).
expect policy-exceptions.k8s.yaml 'name: dolphinscheduler-api-deployment'
expect policy-exceptions.k8s.yaml 'policyName: require-non-root-staging'
# The portal registry is a Lazy value: with two cdk8s copies it was "can't render non-simple object of type 'Lazy'".
expect portal-services.k8s.yaml 'trino-coordinator.data-platform-staging.svc.cluster.local'
echo "   cdk8s synth wrote $(ls "$out" | wc -l) files: $(ls "$out" | tr '\n' ' ')"
echo "-- cdk8s synth of an App with a dangling reference (DolphinSchedulerStack alone) must fail with the platform's message"
if (cd "$app" && "$root/node_modules/.bin/cdk8s" synth --no-check-upgrade --app "node dist/dangling.js" --output dist/dangling >"$work/dangling.txt" 2>&1); then
  echo "cdk8s synth accepted an App with dangling references" >&2; cat "$work/dangling.txt" >&2; exit 1
fi
grep -qF "points at zookeeper-service.data-platform-staging.svc.cluster.local, but no Service data-platform-staging/zookeeper-service is synthesized in environment 'staging' and none is declared external. Fix: deploy the provider, declare it under external.services, or correct the name" "$work/dangling.txt" \
  || { echo "cdk8s synth failed without the platform's reference message:" >&2; cat "$work/dangling.txt" >&2; exit 1; }
echo "   refused: $(grep -c 'points at' "$work/dangling.txt") dangling references reported"
echo "consumer test passed"
