#!/usr/bin/env bash
# Builds kwok (fake nodes and pods for the e2e convergence tier) from the Go module proxy:
# `go install sigs.k8s.io/kwok/cmd/kwok@v<V>` works as is (the module has no replace directives).
# Never downloads a binary (GOTOOLCHAIN=local).
#
# Output: ${KUBE_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/254carbon-tools}/kwok-v<V>/kwok
# with a .stamp (hash of this script); a warm run is a no-op.
# Usage: tools/kwok/build.sh [--print-paths]
set -euo pipefail

KWOK_VERSION=0.7.0

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE="${KUBE_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/254carbon-tools}"
print_paths=false
for arg in "$@"; do
  case "$arg" in
    --print-paths) print_paths=true ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) echo "build.sh: unknown argument: $arg" >&2; exit 2 ;;
  esac
done
log() { echo "[tools/kwok] $*" >&2; }

export GOMODCACHE="$CACHE/go/mod" GOCACHE="$CACHE/go/build" GOTOOLCHAIN=local
export GOFLAGS="-buildvcs=false -modcacherw -trimpath" CGO_ENABLED=0 GOWORK=off
unset GOOS GOARCH 2>/dev/null || true

OUT="$CACHE/kwok-v$KWOK_VERSION"
want="$(sha256sum "$HERE/build.sh" | cut -d' ' -f1)"
have=""; [[ -f "$OUT/.stamp" ]] && have="$(cat "$OUT/.stamp")"
if [[ -x "$OUT/kwok" && "$have" == "$want" ]]; then
  log "kwok: up to date ($OUT/kwok)"
else
  command -v go >/dev/null || { log "error: 'go' is not on PATH"; exit 1; }
  mkdir -p "$OUT"
  start=$SECONDS
  (
    flock 9
    log "kwok: building v$KWOK_VERSION with $(go version | cut -d' ' -f3)"
    GOBIN="$OUT" flock /tmp/go-build.lock nice -n "${BUILD_NICE:-15}" \
      go install -ldflags "-s -w" "sigs.k8s.io/kwok/cmd/kwok@v$KWOK_VERSION"
    echo "$want" > "$OUT/.stamp"
  ) 9>"$CACHE/.kwok-build.lock"
  log "kwok: built in $((SECONDS - start)) s -> $OUT/kwok"
fi
$print_paths && echo "kwok=$OUT/kwok"
exit 0
