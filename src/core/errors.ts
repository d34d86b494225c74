/**
 * An error in the platform's input (environment values, construct props, references).
 * Its message always says where (environment and key path or object), what was wrong and how to fix it.
 */
export class PlatformConfigError extends Error {
  public readonly where: string;
  public readonly fix: string;

  constructor(where: string, problem: string, fix: string) {
    super(`${where}: ${problem}. Fix: ${fix}`);
    this.name = 'PlatformConfigError';
    this.where = where;
    this.fix = fix;
  }
}

/** Several problems found in one pass, reported together. */
export class PlatformValidationError extends Error {
  /** What failed, e.g. `environment 'prod' failed its checks`. */
  public readonly title: string;
  public readonly problems: readonly string[];

  constructor(title: string, problems: readonly string[]) {
    super(`${title} (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'PlatformValidationError';
    this.title = title;
    this.problems = problems;
  }
}
