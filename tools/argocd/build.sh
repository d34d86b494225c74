#!/usr/bin/env bash
# Builds Argo CD's multi-call binary (application-controller, repo-server, ...) from the Go module
# proxy, for the e2e convergence tier (e2e/README section in the repository README).
#
# `go install` refuses github.com/argoproj/argo-cd/v2 (its go.mod has replace directives), so this
# downloads the module source with `go mod download`, copies it to a writable directory, applies
# ONE patch and runs `go build ./cmd` there (the module's own go.mod, go.sum and replaces apply;
# ui/dist/app already holds a placeholder, so the UI is not built). Never downloads a binary
# (GOTOOLCHAIN=local).
#
# The patch: on v2.13.9 the application-controller's metrics server listens on 0.0.0.0 and has no
# address flag (controller/appcontroller.go:285 `metricsAddr := fmt.Sprintf("0.0.0.0:%d", ...)`);
# the e2e tier keeps every server on 127.0.0.1, so the line is rewritten to 127.0.0.1. The script
# fails if the line is not found (a version bump must re-check it).
#
# Output: ${KUBE_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/254carbon-tools}/argocd-v<V>/argocd
# with a .stamp (hash of this script: version + patch); a warm run is a no-op.
# Usage: tools/argocd/build.sh [--print-paths]
set -euo pipefail

ARGOCD_VERSION=2.13.9   # the Argo CD release the platform targets (README "Argo CD")

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${KUBE_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/254carbon-tools}"
print_paths=false
for arg in "$@"; do
  case "$arg" in
    --print-paths) print_paths=true ;;
    -h|--help) sed -n '2,18p' "$0"; exit 0 ;;
    *) echo "build.sh: unknown argument: $arg" >&2; exit 2 ;;
  esac
done
log() { echo "[tools/argocd] $*" >&2; }

export GOMODCACHE="$CACHE/go/mod" GOCACHE="$CACHE/go/build" GOTOOLCHAIN=local
export GOFLAGS="-buildvcs=false -modcacherw" CGO_ENABLED=0 GOWORK=off
unset GOOS GOARCH 2>/dev/null || true

OUT="$CACHE/argocd-v$ARGOCD_VERSION"
want="$(sha256sum "$HERE/build.sh" | cut -d' ' -f1)"
have=""; [[ -f "$OUT/.stamp" ]] && have="$(cat "$OUT/.stamp")"
if [[ -x "$OUT/argocd" && "$have" == "$want" ]]; then
  log "argocd: up to date ($OUT/argocd)"
else
  command -v go >/dev/null || { log "error: 'go' is not on PATH (needs Go >= 1.22)"; exit 1; }
  mkdir -p "$CACHE" "$OUT"
  start=$SECONDS
  (
    flock 9
    dir="$(go mod download -json "github.com/argoproj/argo-cd/v2@v$ARGOCD_VERSION" | sed -n 's/.*"Dir": "\(.*\)",*/\1/p')"
    [[ -d "$dir" ]] || { log "error: go mod download gave no source dir"; exit 1; }
    src="$CACHE/argocd-src-v$ARGOCD_VERSION"
    rm -rf "$src"; cp -r "$dir" "$src"; chmod -R u+w "$src"
    f="$src/controller/appcontroller.go"
    grep -q 'fmt.Sprintf("0.0.0.0:%d", metricsPort)' "$f" || { log "error: metrics bind line not found in $f; re-check the patch"; exit 1; }
    sed -i 's|fmt.Sprintf("0.0.0.0:%d", metricsPort)|fmt.Sprintf("127.0.0.1:%d", metricsPort)|' "$f"
    log "argocd: building v$ARGOCD_VERSION with $(go version | cut -d' ' -f3) (cold: ~230 modules, minutes)"
    (cd "$src" && flock /tmp/go-build.lock nice -n "${BUILD_NICE:-15}" go build -mod=readonly -trimpath \
        -ldflags "-s -w -X github.com/argoproj/argo-cd/v2/common.version=$ARGOCD_VERSION" -o "$OUT/argocd.tmp" ./cmd)
    mv -f "$OUT/argocd.tmp" "$OUT/argocd"
    echo "$want" > "$OUT/.stamp"
    rm -rf "$src"
  ) 9>"$CACHE/.argocd-build.lock"
  log "argocd: built in $((SECONDS - start)) s -> $OUT/argocd"
fi
$print_paths && echo "argocd=$OUT/argocd"
exit 0
