#!/usr/bin/env bash
# Build the Kyverno CLI (github.com/kyverno/kyverno/cmd/cli/kubectl-kyverno) from the Go
# module proxy, using the wrapper module in this directory (go.mod repeats upstream's
# `replace` lines, which `go install mod@ver` refuses to honour).
#
#   tools/kyverno/build.sh            -> builds once, prints the binary path as the LAST stdout line
#   tools/kyverno/build.sh 1.11       -> the same for the wrapper module in tools/kyverno/v1.11 (Kyverno 1.11.0,
#                                        the version the live cluster runs)
#
# - If $KYVERNO_BIN (with a version argument: $KYVERNO_BIN_1_11) is set and executable, it is used as is (no build).
# - Output: ${XDG_CACHE_HOME:-$HOME/.cache}/254carbon-tools/kyverno-<version>/kyverno
#   If that file exists already, this is a fast no-op (no `go` invocation at all).
# - Go caches default to ${XDG_CACHE_HOME:-$HOME/.cache}/254carbon-tools/go/{mod,build}
#   (same layout as the other tool builds) unless GOMODCACHE / GOCACHE are set.
# - Extra linker flags can be passed with KYVERNO_EXTRA_LDFLAGS (e.g. -checklinkname=0).
# All build chatter goes to stderr.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [[ $# -gt 0 ]]; then
  [[ "$1" =~ ^[0-9]+\.[0-9]+$ && -f "$here/v$1/go.mod" ]] || { echo "build.sh: no wrapper module for Kyverno '$1' (expected $here/v$1/go.mod)" >&2; exit 2; }
  here="$here/v$1"
  override="KYVERNO_BIN_${1//./_}"   # e.g. KYVERNO_BIN_1_11 (KYVERNO_BIN is the default version's)
  KYVERNO_BIN="${!override:-}"
fi

if [[ -n "${KYVERNO_BIN:-}" ]]; then
  if [[ -x "$KYVERNO_BIN" && ! -d "$KYVERNO_BIN" ]]; then
    echo "$KYVERNO_BIN"
    exit 0
  fi
  echo "build.sh: KYVERNO_BIN=$KYVERNO_BIN is not an executable file; building instead" >&2
fi

# Version = the kyverno requirement in the wrapper go.mod (parsed without running go, to stay fast).
version="$(awk '$1 == "require" && $2 == "github.com/kyverno/kyverno" { print $3; exit }
                $1 == "github.com/kyverno/kyverno" && $2 ~ /^v/ { print $2; exit }' "$here/go.mod")"
if [[ -z "$version" ]]; then
  echo "build.sh: cannot find the github.com/kyverno/kyverno requirement in $here/go.mod" >&2
  exit 2
fi

tools_cache="${XDG_CACHE_HOME:-$HOME/.cache}/254carbon-tools"
out_dir="$tools_cache/kyverno-$version"
bin="$out_dir/kyverno"

if [[ -x "$bin" ]]; then
  echo "$bin"
  exit 0
fi

command -v go >/dev/null 2>&1 || { echo "build.sh: go is not on PATH" >&2; exit 2; }

export GOMODCACHE="${GOMODCACHE:-$tools_cache/go/mod}"
export GOCACHE="${GOCACHE:-$tools_cache/go/build}"
export GOFLAGS="${GOFLAGS:+$GOFLAGS }-modcacherw"
export GOTOOLCHAIN=local   # never fetch a prebuilt Go toolchain
export GOWORK=off
export CGO_ENABLED=0

mkdir -p "$out_dir"
# One build per output dir at a time (parallel CI jobs); the loser of the race reuses the result.
exec 9>"$out_dir/.build.lock"
flock 9
if [[ -x "$bin" ]]; then
  echo "$bin"
  exit 0
fi
tmp="$(mktemp "$out_dir/.kyverno.XXXXXX")"
trap 'rm -f "$tmp"' EXIT

echo "build.sh: building kyverno $version with $(go version) (this takes a while on a cold cache)" >&2
start=$SECONDS
(
  cd "$here"
  # -mod=readonly (the default): go.mod/go.sum in this directory are authoritative.
  go build -trimpath \
    -ldflags "-s -w -X github.com/kyverno/kyverno/pkg/version.BuildVersion=$version ${KYVERNO_EXTRA_LDFLAGS:-}" \
    -o "$tmp" github.com/kyverno/kyverno/cmd/cli/kubectl-kyverno
) >&2
chmod 0755 "$tmp"
mv -f "$tmp" "$bin"
trap - EXIT
echo "build.sh: built $bin in $((SECONDS - start))s" >&2
echo "$bin"
