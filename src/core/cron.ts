import { PlatformConfigError } from './errors';

const MACROS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

const FIELDS: ReadonlyArray<{ name: string; min: number; max: number; names?: readonly string[]; namesFrom?: number }> = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS, namesFrom: 1 },
  { name: 'day of week', min: 0, max: 6, names: DAYS, namesFrom: 0 }, // robfig/cron (the CronJob controller's and Velero's parser): dow bounds{0, 6}; 7 is rejected
];

/**
 * Why a Kubernetes CronJob schedule is invalid, or undefined when it is valid: five fields (minute, hour,
 * day of month, month, day of week) of `*`, numbers, ranges `a-b`, steps `/n` and lists, month and weekday
 * names, or one of the macros `@hourly`, `@daily`, ... (the syntax the CronJob controller accepts).
 */
export function cronProblem(schedule: string): string | undefined {
  const s = schedule.trim();
  if (s.startsWith('@')) {
    return MACROS.has(s) ? undefined : `'${s}' is not a known macro (use one of ${[...MACROS].join(', ')})`;
  }
  if (/^(TZ|CRON_TZ)=/.test(s)) {
    return 'a time zone inside the schedule is not allowed by Kubernetes; set the CronJob timeZone instead';
  }
  const parts = s.split(/\s+/).filter((p) => p.length > 0);
  if (parts.length !== 5) {
    return `it has ${parts.length} field${parts.length === 1 ? '' : 's'}, a schedule has 5 (minute hour day-of-month month day-of-week)`;
  }
  for (let i = 0; i < 5; i++) {
    const f = FIELDS[i];
    const value = (token: string): number | undefined => {
      if (/^\d+$/.test(token)) return parseInt(token, 10);
      const idx = f.names?.indexOf(token.toUpperCase()) ?? -1;
      return idx >= 0 ? idx + (f.namesFrom ?? 0) : undefined;
    };
    for (const item of parts[i].split(',')) {
      const [range, step, extra] = item.split('/');
      if (extra !== undefined || (step !== undefined && !/^[1-9]\d*$/.test(step))) {
        return `the ${f.name} field '${parts[i]}' has an invalid step in '${item}'`;
      }
      if (range === '*' || (range === '?' && (i === 2 || i === 4))) continue;
      const bounds = range.split('-');
      if (bounds.length > 2 || bounds.some((b) => b === '')) return `the ${f.name} field '${parts[i]}' has an invalid range '${range}'`;
      const nums = bounds.map(value);
      if (nums.some((n) => n === undefined)) return `the ${f.name} field '${parts[i]}' has '${range}', which is not a number${f.names ? ' or name' : ''}`;
      for (const n of nums as number[]) {
        if (n < f.min || n > f.max) return `the ${f.name} value ${n} is outside ${f.min}-${f.max}`;
      }
      if (nums.length === 2 && (nums[0] as number) > (nums[1] as number)) return `the ${f.name} range '${range}' runs backwards`;
    }
  }
  return undefined;
}

/** Throws a PlatformConfigError naming `where` when `schedule` is not a valid CronJob schedule. */
export function checkCronSchedule(schedule: string, where: string): void {
  const problem = cronProblem(schedule);
  if (problem) {
    throw new PlatformConfigError(where, `schedule '${schedule}' is not a valid cron schedule: ${problem}`,
      "write five fields 'minute hour day-of-month month day-of-week', e.g. '0 2 * * *' for daily at 02:00");
  }
}
