#!/bin/sh
# The command line's fast start (`npm run synth`, cdk8s.yaml): runs a bundled program of scripts/cli-bundle.js
# from its startup snapshot, or else through the launcher.
#
#   sh scripts/cli.sh NAME [ARGS...]      the same as: node scripts/cli-bundle.js run NAME [ARGS...]
#
# The snapshot (.cache/cli/NAME.blob, built with the bundle) is used only when NAME.blob.node names the `node` on
# PATH, that binary is older than the blob (Node refuses or crashes on a blob from another binary), the CPU reports
# the flags it reported then (V8 refuses a snapshot taken on a CPU with other features, and exits with 14) and
# NODE_OPTIONS is empty (the same for other V8 flags). Node then
# starts from the snapshot with the V8 flags it was built with (NAME.blob.node's third line) and the launcher's
# own command line, and the snapshot's main function runs the
# program only if the launcher's freshness check passes for the bundle the snapshot was built from; otherwise it
# does what the launcher does (rebuild what is stale, then run). CLI_SNAPSHOT=0 always takes the launcher.
# POSIX sh, no other program started: `read` and `test` are built into the shell.
name=$1
shift
case $0 in
  */*) here=${0%/*} ;;
  *) here=. ;;
esac
blob=${CLI_BUNDLE_DIR:-$here/../.cache/cli}/$name.blob
# The node on PATH, found without starting a subshell (what `command -v node` would print).
node=
set -f
saved_ifs=$IFS
IFS=:
for dir in $PATH; do
  if [ -f "${dir:-.}/node" ] && [ -x "${dir:-.}/node" ]; then
    node=${dir:-.}/node
    break
  fi
done
IFS=$saved_ifs
set +f
# The CPU's flags as /proc/cpuinfo reports them (the first `flags` line; empty where there is none).
cpu=
if [ -r /proc/cpuinfo ]; then
  while IFS= read -r line; do
    case $line in
      flags*:*) cpu=$line ; break ;;
    esac
  done < /proc/cpuinfo
fi
if [ "${CLI_SNAPSHOT:-1}" != 0 ] && [ -z "${NODE_OPTIONS:-}" ] && [ -n "$node" ] && [ -f "$blob" ] && [ -f "$blob.node" ] \
  && { read -r built && IFS= read -r flags && read -r v8flags; } < "$blob.node" && [ "$built" -ef "$node" ] \
  && [ "$node" -ot "$blob" ] && [ "$flags" = "$cpu" ]; then
  # The V8 flags the blob was built with (the third line; split into words, not globbed).
  set -f
  # glibc's malloc backs its large blocks with transparent huge pages where the kernel allows them on request
  # (madvise): Node reads the ~10 MB blob into two such blocks, which then take a handful of page faults instead of
  # ~5,000 (~3 us each on this VM). Elsewhere (no THP, another libc) the variable is ignored.
  GLIBC_TUNABLES=${GLIBC_TUNABLES:+$GLIBC_TUNABLES:}glibc.malloc.hugetlb=1 exec "$node" $v8flags --snapshot-blob "$blob" "$here/cli-bundle.js" run "$name" "$@"
fi
exec node "$here/cli-bundle.js" run "$name" "$@"
