#!/usr/bin/env bash
# Builds and pushes the platform's own images (every images/<name>/ with a Dockerfile and an IMAGE file holding the
# full reference the components default to).
#
#   images/build.sh [--dry-run] [--no-push] [--registry HOST/PATH] [NAME...]   build (and push) NAME, default all
#   images/build.sh --lock [--dry-run] NAME                                    pin the sha256 of NAME's jars
#
# --dry-run prints the exact commands instead of running them (exit codes as for a real run).
# --registry replaces the registry part of each IMAGE reference (e.g. a mirror); the tag stays.
# A Dockerfile that ADDs jars (https://repo1.maven.org/...jar) must have images/<name>/jars.sha256 with one
# `<sha256>  <file>` line per jar: the build checks every jar against it, and this script refuses to build without
# it (exit 3). `--lock` writes it: it downloads each jar and Maven Central's published .sha1, verifies the jar
# against the .sha1, and records its sha256 (run it where Maven Central is reachable, review and commit the file).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
images_dir="${IMAGES_DIR:-$here}"
dry_run=0 push=1 lock=0 registry=""
names=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --dry-run) dry_run=1 ;;
    --no-push) push=0 ;;
    --lock) lock=1 ;;
    --registry) registry="${2:?--registry needs a value}"; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    -*) echo "build.sh: unknown option $1" >&2; exit 2 ;;
    *) names+=("$1") ;;
  esac
  shift
done

run() { # prints the command; runs it unless --dry-run
  printf '%s\n' "$*"
  if [[ $dry_run -eq 0 ]]; then "$@"; fi
}

jar_urls() { # the jar URLs a Dockerfile ADDs
  sed -n 's#^ADD \(https://[^ ]*\.jar\) .*#\1#p' "$1"
}

if [[ ${#names[@]} -eq 0 ]]; then
  [[ $lock -eq 0 ]] || { echo "build.sh: --lock needs an image name" >&2; exit 2; }
  for d in "$images_dir"/*/; do [[ -f "$d/Dockerfile" ]] && names+=("$(basename "$d")"); done
fi

for name in "${names[@]}"; do
  dir="$images_dir/$name"
  [[ -f "$dir/Dockerfile" && -f "$dir/IMAGE" ]] || { echo "build.sh: $dir has no Dockerfile and IMAGE file" >&2; exit 2; }
  if [[ $lock -eq 1 ]]; then
    tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
    : > "$tmp/jars.sha256"
    while read -r url; do
      file="${url##*/}"
      run curl -fsSL --retry 3 -o "$tmp/$file" "$url"
      run curl -fsSL --retry 3 -o "$tmp/$file.sha1" "$url.sha1"
      if [[ $dry_run -eq 0 ]]; then
        echo "$(cut -c1-40 "$tmp/$file.sha1")  $tmp/$file" | sha1sum -c - >&2
        (cd "$tmp" && sha256sum "$file") >> "$tmp/jars.sha256"
      fi
    done < <(jar_urls "$dir/Dockerfile")
    if [[ $dry_run -eq 0 ]]; then cp "$tmp/jars.sha256" "$dir/jars.sha256"; echo "wrote $dir/jars.sha256"; fi
    continue
  fi
  # Jars need their pinned checksums before anything is built.
  missing=()
  while read -r url; do
    file="${url##*/}"
    grep -Eq "^[0-9a-f]{64}  ${file//./\\.}\$" "$dir/jars.sha256" 2>/dev/null || missing+=("$file")
  done < <(jar_urls "$dir/Dockerfile")
  if [[ ${#missing[@]} -gt 0 ]]; then
    echo "build.sh: $name: no pinned sha256 in images/$name/jars.sha256 for: ${missing[*]}. Fix: run images/build.sh --lock $name where Maven Central is reachable, review and commit images/$name/jars.sha256" >&2
    exit 3
  fi
done
[[ $lock -eq 0 ]] || exit 0

# Every image passed its checks: build (and push) them in order.
for name in "${names[@]}"; do
  dir="$images_dir/$name"
  ref="$(tr -d '[:space:]' < "$dir/IMAGE")"
  [[ -z "$registry" ]] || ref="${registry%/}/${ref##*/}"
  run docker build --pull -t "$ref" "$dir"
  if [[ $push -eq 1 ]]; then run docker push "$ref"; fi
done
