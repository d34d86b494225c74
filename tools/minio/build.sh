#!/usr/bin/env bash
# Builds the MinIO server and client (mc) from source via the Go module proxy, for the real-server tests of the
# lake migration and the volume copies (test/minio-migration.test.ts). Never downloads a prebuilt binary
# (GOTOOLCHAIN=local). Serialized machine-wide with the other Go builds (flock /tmp/go-build.lock).
#
# The proxy serves MinIO only at pseudo-versions it has cached: the versions below are the newest it serves
# (`go list -m github.com/minio/minio@latest`, `... mc@latest`). The legacy FS-mode server (RELEASE.2022-02-16,
# v0.0.0-20220216003527-21a0f857d3ed) and every release up to RELEASE.2022-10-24 are refused by the proxy
# (403 "This module version is not available"), so no FS-mode server can be built here.
#
# Output: ${MINIO_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/254carbon-tools}/minio-<ver>/minio, mc-<ver>/mc
# Usage: tools/minio/build.sh [--print-paths]   (prints "minio=PATH" and "mc=PATH" on stdout)
set -euo pipefail

MINIO_VERSION=v0.0.0-20260212201848-7aac2a2c5b7c   # upstream master as archived (after RELEASE.2025-10-15T17-29-55Z)
MC_VERSION=v0.0.0-20250313080218-cf909e1063a9      # mc master of 2025-03-13

CACHE="${MINIO_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/254carbon-tools}"
export GOTOOLCHAIN=local GOFLAGS="-buildvcs=false -mod=mod -modcacherw" CGO_ENABLED=0 GOWORK=off
log() { echo "[tools/minio] $*" >&2; }
command -v go >/dev/null 2>&1 || { log "error: 'go' is not on PATH; or set MINIO_BIN and MC_BIN"; exit 1; }

build() { # name module version -> path
  local name=$1 mod=$2 ver=$3 out="$CACHE/$1-$3/$1"
  if [[ ! -x "$out" ]]; then
    log "downloading $mod@$ver"
    local dir; dir="$(go mod download -json "$mod@$ver" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')"
    [[ -n "$dir" ]] || { log "error: the module proxy does not serve $mod@$ver"; exit 1; }
    local src; src="$(mktemp -d)"; cp -r "$dir/." "$src"; chmod -R u+w "$src"
    (cd "$src" && go mod download && log "building $name (waiting for /tmp/go-build.lock)" \
      && flock /tmp/go-build.lock nice -n 15 go build -trimpath -ldflags "-s -w" -o "$out.tmp" . && mv "$out.tmp" "$out")
    rm -rf "$src"
  fi
  echo "$out"
}
mkdir -p "$CACHE"
minio="$(build minio github.com/minio/minio "$MINIO_VERSION")"
mc="$(build mc github.com/minio/mc "$MC_VERSION")"
if [[ "${1:-}" == "--print-paths" ]]; then echo "minio=$minio"; echo "mc=$mc"; fi
