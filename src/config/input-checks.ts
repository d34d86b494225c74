/**
 * Checks of an environment's input that the zod schema does not express, run by `loadEnvironment`:
 *
 * - before the schema, on every overlay and on the merged input (`checkRawInput`): keys that would reach an
 *   object's prototype (`__proto__`, `constructor`, `prototype`) anywhere, including selector maps and records;
 *   numbers that are not finite (`.inf`, `.nan`) or beyond Kubernetes' int32; strings longer than
 *   `MAX_STRING_LENGTH`; nesting deeper than `MAX_DEPTH`; credentials inside URLs;
 * - after the schema, on the validated values (`checkParsedInput`): label keys and values of every selector map,
 *   IANA time zones, cron schedules, S3 bucket names (AWS rules) and one bucket per purpose, name templates,
 *   `extraSecretEnv` against the variables the platform sets, retention and other durations (above zero, no
 *   overflow).
 *
 * Every problem names the key path and the fix; a value under a secret-looking key (or shaped like a credential)
 * is never echoed.
 */
import { cronProblem } from '../core/cron';
import { isDnsSubdomain } from '../core/names';
import { REDACTED, secretName, secretShaped, urlCredentials } from '../core/secrets';

/** Longest free-form string accepted anywhere in the input. */
export const MAX_STRING_LENGTH = 4096;
/** Deepest nesting accepted (the schema itself is at most 7 levels deep). */
export const MAX_DEPTH = 32;
/** Largest and smallest integers accepted: Kubernetes stores counts, ports and sizes of the platform as int32. */
const INT32_MAX = 2 ** 31 - 1;
const INT32_MIN = -(2 ** 31);

/** Keys that would reach an object's prototype in JavaScript; rejected like any unknown key. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

const isPlain = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** A key path for messages; keys with unusual characters are quoted (`a."bad key".b`). */
export const keyPath = (path: readonly (string | number)[]) => path.map((k) => (/^[A-Za-z0-9_./-]+$/.test(String(k)) ? String(k) : JSON.stringify(String(k)))).join('.') || '(top level)';

/** A value for a message, or a placeholder when it may be a secret. */
export function showValue(v: unknown, path: readonly (string | number)[] = []): string {
  if (v === undefined) return 'nothing';
  // The key holding the value decides (the last named segment): `adminPasswordSecret` (where a password may be typed
  // by mistake) is not echoed; `secretStore.kind` is.
  const holder = [...path].reverse().find((p) => typeof p === 'string' && !/^\d+$/.test(p));
  if (typeof holder === 'string' && secretName(holder, 'secret')) return REDACTED;
  if (typeof v === 'string' && (secretShaped(v) || urlCredentials(v))) return REDACTED;
  if (typeof v === 'number' && !Number.isFinite(v)) return Number.isNaN(v) ? '.nan' : v > 0 ? '.inf' : '-.inf';
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  if (isPlain(v) || Array.isArray(v)) {
    if (secretShaped(s) || urlCredentials(s)) return REDACTED;
  }
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** Problems of raw input (an overlay or the merged definition), as `key.path: problem. Fix: ...`. */
export function checkRawInput(input: unknown): string[] {
  const problems: string[] = [];
  const walk = (v: unknown, path: (string | number)[]) => {
    if (problems.length >= 50) return;
    if (path.length > MAX_DEPTH) {
      problems.push(`${keyPath(path.slice(0, MAX_DEPTH))}: nested more than ${MAX_DEPTH} levels deep. Fix: values follow the schema's shape, which is at most a few levels deep`);
      return;
    }
    if (typeof v === 'number') {
      if (Number.isNaN(v)) problems.push(`${keyPath(path)}: .nan is not a number Kubernetes accepts. Fix: write a number`);
      else if (!Number.isFinite(v)) problems.push(`${keyPath(path)}: ${v > 0 ? '.inf' : '-.inf'} is not a number Kubernetes accepts. Fix: write a finite number`);
      else if (Number.isInteger(v) && (v > INT32_MAX || v < INT32_MIN)) {
        problems.push(`${keyPath(path)}: ${v} is beyond the 32-bit integer range Kubernetes stores (${INT32_MIN} to ${INT32_MAX}). Fix: use a smaller number`);
      }
    } else if (typeof v === 'string') {
      if (v.length > MAX_STRING_LENGTH) {
        problems.push(`${keyPath(path)}: a string of ${v.length} characters is too long. Fix: use at most ${MAX_STRING_LENGTH} characters`);
      } else if (urlCredentials(v)) {
        problems.push(`${keyPath(path)}: a URL with a user name or password inside (value not shown). Fix: remove the credentials from the URL; the platform reads credentials from Secrets (ExternalSecrets), never from values`);
      }
    } else if (Array.isArray(v)) {
      v.forEach((x, i) => walk(x, [...path, i]));
    } else if (isPlain(v)) {
      for (const k of Reflect.ownKeys(v)) {
        if (typeof k !== 'string') continue;
        if (FORBIDDEN_KEYS.has(k)) {
          problems.push(`${keyPath(path)}: unknown key '${k}'. Fix: remove it ('${k}' is never a valid key)`);
          continue;
        }
        const d = Object.getOwnPropertyDescriptor(v, k);
        walk(d && 'value' in d ? d.value : undefined, [...path, k]);
      }
    }
  };
  walk(input, []);
  return problems;
}

/** Label key rules (apimachinery validation.IsQualifiedName): optional DNS-subdomain prefix ≤ 253, name ≤ 63. */
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
export function labelKeyProblem(key: string): string | undefined {
  const parts = key.split('/');
  if (parts.length > 2) return 'has more than one \'/\'';
  const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]];
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !isDnsSubdomain(prefix))) return `has the prefix '${prefix}', which is not a DNS subdomain of at most 253 characters`;
  if (name.length === 0 || name.length > 63) return 'has a name part that is empty or longer than 63 characters';
  if (!LABEL_NAME.test(name)) return "has a name part that must start and end with a letter or digit and hold only letters, digits, '-', '_' and '.'";
  return undefined;
}
/** Label value rules (apimachinery validation.IsValidLabelValue): empty, or ≤ 63 of the name characters. */
export function labelValueProblem(value: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > 63) return `is ${value.length} characters long (at most 63)`;
  if (!LABEL_NAME.test(value)) return "must start and end with a letter or digit and hold only letters, digits, '-', '_' and '.'";
  return undefined;
}

/** IANA time-zone names (as Go's time.LoadLocation reads them from tzdata), checked against Intl's list. */
const ZONES: ReadonlySet<string> = new Set(Intl.supportedValuesOf('timeZone'));
export function timeZoneProblem(zone: string): string | undefined {
  if (/^local$/i.test(zone)) return "'Local' is the node's zone, which Kubernetes refuses (and differs between nodes)";
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(zone)) return 'is not an IANA time-zone name';
  if (/^(UTC|GMT)[+-]/i.test(zone)) return "is an offset, not an IANA name (for a fixed offset write e.g. 'Etc/GMT-5', whose sign is inverted)";
  if (zone === 'UTC' || zone === 'Etc/UTC' || ZONES.has(zone)) return undefined;
  try {
    // Links such as 'US/Eastern' or 'Asia/Calcutta' resolve to a canonical zone of the list.
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
    if (ZONES.has(resolved) || resolved === 'UTC') return zone === zone.trim() && /[A-Z]/.test(zone[0]) ? undefined : 'is not written as in the IANA database';
  } catch {
    // unknown
  }
  return 'is not an IANA time-zone name';
}

/** S3 bucket naming rules (AWS general purpose buckets). */
export function bucketProblem(name: string): string | undefined {
  if (name.length < 3 || name.length > 63) return `is ${name.length} characters long (3 to 63)`;
  if (!/^[a-z0-9][a-z0-9.-]*[a-z0-9]$/.test(name)) return 'must hold only lower-case letters, digits, dots and hyphens, and start and end with a letter or digit';
  if (name.includes('..')) return 'has two adjacent dots';
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(name)) return 'is formatted as an IP address';
  if (/^(xn--|sthree-|amzn-s3-demo-)/.test(name)) return 'starts with a prefix AWS reserves (xn--, sthree-, amzn-s3-demo-)';
  if (/(-s3alias|--ol-s3|\.mrap|--x-s3|--table-s3)$/.test(name)) return 'ends with a suffix AWS reserves (-s3alias, --ol-s3, .mrap, --x-s3, --table-s3)';
  return undefined;
}

/** Seconds of a duration written `1h30m`, `7d`, `720h0m0s`, `500ms` ..., or undefined when it does not parse. */
export function durationSeconds(s: string): number | undefined {
  const unit: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };
  if (!/^(\d+(ms|s|m|h|d|w|y))+$/.test(s)) return undefined;
  let total = 0;
  for (const m of s.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) total += Number(m[1]) * unit[m[2]];
  return total;
}
/** Longest duration accepted (100 years; Go's time.Duration overflows at about 292 years, Loki's and Prometheus's too). */
const MAX_DURATION_SECONDS = 100 * 365 * 86400;

/** Environment variables the Superset containers set themselves (locked by test/robust-input.test.ts against the output). */
export const SUPERSET_PLATFORM_ENV: readonly string[] = [
  'SUPERSET_CONFIG_PATH', 'SUPERSET_HOME', 'HOME', 'PYTHONDONTWRITEBYTECODE', 'SUPERSET_SECRET_KEY', 'DATABASE_URI', 'REDIS_PASSWORD',
  'ADMIN_USERNAME', 'ADMIN_FIRSTNAME', 'ADMIN_LASTNAME', 'ADMIN_EMAIL', 'ADMIN_PASSWORD', 'SUPERSET_PORT', 'TRINO_DATABASE_NAME',
  'TRINO_SQLALCHEMY_URI',
];
/** Variables no container's configuration may override (the image's and the runtime's). */
const SYSTEM_ENV = ['PATH', 'PYTHONPATH', 'PYTHONHOME', 'LD_PRELOAD', 'LD_LIBRARY_PATH', 'FLASK_APP', 'SUPERSET_ENV'];

type Json = Record<string, any>;

/** Problems of validated values (paths as in the values file). */
export function checkParsedInput(env: Json): string[] {
  const problems: string[] = [];
  const add = (path: string, problem: string, fix: string) => problems.push(`${path}: ${problem}. Fix: ${fix}`);
  const c = env.components ?? {};

  // Selector maps: every label key and value.
  const selectors: Array<[string, unknown]> = [
    ['components.backup.veleroPodSelector', c.backup?.veleroPodSelector],
    ['components.backup.clientPodSelector', c.backup?.clientPodSelector],
    ['components.monitoring.prometheusSelector', c.monitoring?.prometheusSelector],
    ['components.ingress.controller.podSelector', c.ingress?.controller?.podSelector],
    ['components.networkPolicies.prometheus.podSelector', c.networkPolicies?.prometheus?.podSelector],
    ['components.networkPolicies.dns.podSelector', c.networkPolicies?.dns?.podSelector],
  ];
  for (const [path, map] of selectors) {
    if (!isPlain(map)) continue;
    for (const [k, v] of Object.entries(map)) {
      const kp = labelKeyProblem(k);
      if (kp) add(`${path}`, `the label key '${k.length > 80 ? `${k.slice(0, 77)}...` : k}' ${kp}`, "use a label key such as 'app.kubernetes.io/name'");
      const vp = typeof v === 'string' ? labelValueProblem(v) : undefined;
      if (vp) add(`${path}.${k}`, `the label value ${showValue(v)} ${vp}`, "use a label value such as 'prometheus'");
    }
  }

  // Time zones.
  for (const [path, zone] of [['components.iceberg.compaction.timeZone', c.iceberg?.compaction?.timeZone], ['components.dolphinscheduler.timezone', c.dolphinscheduler?.timezone]] as const) {
    if (typeof zone !== 'string') continue;
    const p = timeZoneProblem(zone);
    if (p) add(path, `${showValue(zone)} ${p}`, "use an IANA name such as 'Etc/UTC', 'Europe/Berlin' or 'America/New_York'");
  }

  // Cron schedules (robfig/cron semantics, as the CronJob controller and Velero parse them).
  for (const [path, schedule] of [['components.iceberg.compaction.schedule', c.iceberg?.compaction?.schedule], ['components.backup.schedule', c.backup?.schedule]] as const) {
    if (typeof schedule !== 'string') continue;
    const p = cronProblem(schedule);
    if (p) add(path, `${showValue(schedule)} is not a valid cron schedule: ${p}`, "write five fields 'minute hour day-of-month month day-of-week', e.g. '0 2 * * *' for daily at 02:00");
  }

  // Buckets: AWS rules, and one purpose per bucket of the in-cluster MinIO.
  const buckets: Array<[string, string, string]> = [];
  if (typeof c.iceberg?.warehouse?.bucket === 'string') buckets.push(['components.iceberg.warehouse.bucket', c.iceberg.warehouse.bucket, 'the Iceberg warehouse']);
  if (typeof c.sparkHistory?.eventLogBucket === 'string') buckets.push(['components.sparkHistory.eventLogBucket', c.sparkHistory.eventLogBucket, 'the Spark event logs']);
  if (c.backup?.target?.kind === 'in-cluster-minio' && c.backup?.enabled !== false) buckets.push(['components.backup.target', 'velero-backups', 'the Velero backups']);
  buckets.push(['components.dolphinscheduler', 'dolphinscheduler', 'the DolphinScheduler resource center']);
  if (typeof c.backup?.target?.bucket === 'string') {
    const p = bucketProblem(c.backup.target.bucket);
    if (p) add('components.backup.target.bucket', `${showValue(c.backup.target.bucket)} is not an S3 bucket name: it ${p}`, 'use 3-63 lower-case letters, digits and hyphens, e.g. \'velero-backups\'');
  }
  const seen = new Map<string, [string, string]>();
  for (const [path, name, purpose] of buckets) {
    const p = bucketProblem(name);
    if (p) add(path, `${showValue(name)} is not an S3 bucket name: it ${p}`, "use 3-63 lower-case letters, digits and hyphens, e.g. 'spark-logs'");
    const other = seen.get(name);
    if (other) add(path, `the bucket '${name}' is already ${other[1]} (${other[0]}); one bucket serving two purposes mixes their objects and lifecycle`, `give ${purpose} its own bucket`);
    else seen.set(name, [path, purpose]);
  }

  // Name templates: each placeholder once, only known ones.
  const template = c.ingress?.tls?.secretName;
  if (typeof template === 'string') {
    const placeholders = template.match(/\{[^}]*\}/g) ?? [];
    const unknown = placeholders.filter((p) => p !== '{name}');
    if (unknown.length > 0) add('components.ingress.tls.secretName', `${showValue(template)} has the unknown placeholder ${unknown[0]}`, "use only '{name}', e.g. '{name}-tls'");
    else if (placeholders.length > 1) add('components.ingress.tls.secretName', `${showValue(template)} has the placeholder '{name}' ${placeholders.length} times`, "write it once, e.g. '{name}-tls'");
  }

  // extraSecretEnv must not replace what the platform sets.
  for (const name of Object.keys(c.superset?.extraSecretEnv ?? {})) {
    if (SUPERSET_PLATFORM_ENV.includes(name) || SYSTEM_ENV.includes(name)) {
      add(`components.superset.extraSecretEnv.${name}`, `'${name}' is a variable the platform${SYSTEM_ENV.includes(name) ? "'s image and runtime" : ''} already set${SYSTEM_ENV.includes(name) ? '' : 's'} for Superset; overriding it would silently replace it`, 'choose another variable name (platform-owned: ' + SUPERSET_PLATFORM_ENV.join(', ') + ')');
    }
  }

  // Durations: above zero and without overflow.
  const durations: Array<[string, unknown, number]> = [
    ['components.backup.ttl', c.backup?.ttl, 3600],
    ['components.logging.loki.retention', c.logging?.loki?.retention, 24 * 3600],
    ['components.sparkHistory.cleanerMaxAge', c.sparkHistory?.cleanerMaxAge, 3600],
    ['components.monitoring.scrapeInterval', c.monitoring?.scrapeInterval, 1],
    ['secretStore.refreshInterval', env.secretStore?.refreshInterval, 1],
  ];
  for (const [path, value, min] of durations) {
    if (typeof value !== 'string') continue;
    const secs = durationSeconds(value.replace(/(\d+)(ns|us|µs)/g, ''));
    if (secs === undefined) continue; // the schema reports the syntax
    if (secs < min) add(path, `${showValue(value)} is ${secs === 0 ? 'zero, which deletes everything at once (or disables the limit, depending on the tool)' : `below the minimum of ${min} seconds`}`, `use at least ${min >= 3600 ? `${min / 3600}h` : `${min}s`}`);
    else if (secs > MAX_DURATION_SECONDS) add(path, `${showValue(value)} is more than 100 years, beyond what the tools store without overflow`, 'use a shorter duration, e.g. 8760h for a year');
  }
  return problems;
}
