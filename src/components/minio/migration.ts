/**
 * The MinIO lake migration: from the live MinIO (RELEASE.2022-02-16, one drive, legacy FS format, which every
 * MinIO release since RELEASE.2022-10-29T06-21-33Z refuses to open) to a current server on new claims, by an
 * object-level copy through the S3 API. See docs/runtime-facts.md, section "MinIO".
 *
 * The scripts below need nothing but a POSIX shell and the MinIO client (`mc`): the server image the bucket
 * Job runs (ubi9-micro) has no sed, awk or jq, so JSON lines are cut with shell parameter expansion.
 */

/** The migration phases, in order (`components.minio.migration.phase`). */
export const MIGRATION_PHASES = ['legacy', 'mirror', 'verified', 'switched', 'done'] as const;
export type MigrationPhase = (typeof MIGRATION_PHASES)[number];

/** What the migration script does. */
export type MigrationMode =
  /** Create every bucket of the old server on the new one, mirror each (overwrite changed, remove extra), then verify. */
  | 'mirror'
  /** Only compare: object counts and bytes per bucket on both sides; exit 1 on any difference. */
  | 'verify';

/** Options of `migrationScript`. */
export interface MigrationScriptOptions {
  readonly mode: MigrationMode;
  /** The S3 URL of the old server (e.g. `http://minio-service.data-platform.svc.cluster.local:9000`). */
  readonly source: string;
  /** The S3 URL of the new server. */
  readonly target: string;
  /**
   * The client command.
   * @default 'mc'
   */
  readonly client?: string;
  /**
   * How many times to wait 5 s for each server to answer before giving up.
   * @default 120
   */
  readonly waitAttempts?: number;
}

/**
 * The migration script. Credentials come from `MINIO_ROOT_USER`/`MINIO_ROOT_PASSWORD` (the new server runs with
 * the old server's root credentials) and never appear on a command line that the script prints. Output, per
 * bucket: `verify <bucket>: old <objects> objects <bytes> bytes, new <objects> objects <bytes> bytes: OK|MISMATCH`,
 * then `verified <n> bucket(s)` and exit 0, or `MIGRATION VERIFY FAILED: ...` on stderr and exit 1.
 */
export function migrationScript(o: MigrationScriptOptions): string {
  const mc = o.client ?? 'mc';
  const attempts = o.waitAttempts ?? 120;
  const lines = [
    'set -eu',
    `MC=${shellQuote(mc)}`,
    'work="${TMPDIR:-/tmp}/minio-migrate.$$"',
    'mkdir -p "$work"',
    'trap \'rm -rf "$work"\' EXIT',
    // `mc alias set` reads the keys from its arguments; they are passed from the environment, never echoed.
    'connect() {',
    '  n=0',
    `  until "$MC" alias set "$1" "$2" "$MINIO_ROOT_USER" "$MINIO_ROOT_PASSWORD" >/dev/null 2>&1; do`,
    '    n=$((n + 1))',
    `    if [ "$n" -ge ${attempts} ]; then echo "MIGRATION FAILED: the $1 server at $2 does not answer" >&2; exit 1; fi`,
    '    echo "waiting for the $1 server at $2"; sleep 5',
    '  done',
    '}',
    // The value of one JSON number field of a one-line mc --json message.
    'field() { v=${1#*\\"$2\\":}; v=${v%%[,\\}]*}; echo "$v"; }',
    // Bucket names of one side, one per line, from `mc ls --json` (keys end with a slash).
    'buckets() {',
    '  "$MC" ls --json "$1" > "$work/ls.$1"',
    '  while IFS= read -r line; do',
    '    case "$line" in *\'"status":"success"\'*) ;; *) echo "MIGRATION FAILED: cannot list the buckets of $1: $line" >&2; exit 1 ;; esac',
    '    k=${line#*\\"key\\":\\"}; k=${k%%\\"*}; echo "${k%/}"',
    '  done < "$work/ls.$1"',
    '}',
    // Object count and bytes of one bucket: `mc du --json` lists every object (recursive) and sums the sizes.
    'usage() {',
    '  line=$("$MC" du --json "$1/$2" </dev/null)',
    '  case "$line" in *\'"status":"success"\'*) ;; *) echo "MIGRATION FAILED: cannot measure $1/$2: $line" >&2; exit 1 ;; esac',
    '  echo "$(field "$line" objects) $(field "$line" size)"',
    '}',
    `connect old ${shellQuote(o.source)}`,
    `connect new ${shellQuote(o.target)}`,
    'buckets old > "$work/buckets"',
  ];
  if (o.mode === 'mirror') {
    lines.push(
      'while IFS= read -r b; do',
      '  [ -n "$b" ] || continue',
      '  "$MC" mb --ignore-existing "new/$b" >/dev/null </dev/null',
      // --overwrite: objects changed since the last run; --remove: objects deleted on the old server since then
      // (the new server serves nobody before the switch); --preserve: attributes and bucket policy.
      '  echo "mirror $b"',
      '  "$MC" mirror --overwrite --remove --preserve --retry --quiet "old/$b" "new/$b" </dev/null',
      'done < "$work/buckets"',
    );
  }
  lines.push(
    'failed=0; count=0',
    'while IFS= read -r b; do',
    '  [ -n "$b" ] || continue',
    '  count=$((count + 1))',
    // An assignment takes the status of its substitution, so a failed measurement stops the script (set -e).
    '  u=$(usage old "$b"); set -- $u; oo=$1; ob=$2',
    '  if "$MC" stat "new/$b" >/dev/null 2>&1 </dev/null; then u=$(usage new "$b"); set -- $u; no=$1; nb=$2; else no=missing; nb=missing; fi',
    '  if [ "$oo" = "$no" ] && [ "$ob" = "$nb" ]; then r=OK; else r=MISMATCH; failed=$((failed + 1)); fi',
    '  echo "verify $b: old $oo objects $ob bytes, new $no objects $nb bytes: $r"',
    'done < "$work/buckets"',
    'if [ "$failed" -ne 0 ]; then echo "MIGRATION VERIFY FAILED: $failed of $count bucket(s) differ between the old and the new server" >&2; exit 1; fi',
    'echo "verified $count bucket(s)"',
  );
  return lines.join('\n') + '\n';
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
