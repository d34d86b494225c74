/** The value of `app.kubernetes.io/part-of` on every object of the platform. */
export const PART_OF = '254carbon-data-platform';
/** The value of `app.kubernetes.io/managed-by` on every object of the platform. */
export const MANAGED_BY = 'cdk8s';

/** The recommended `app.kubernetes.io/*` labels of one object. */
export interface StandardLabelProps {
  /** The application, e.g. `dolphinscheduler`. */
  readonly name: string;
  /** The instance, unique in the environment, e.g. `dolphinscheduler-prod`. */
  readonly instance: string;
  /** The role inside the application, e.g. `master`. */
  readonly component: string;
  /** The application version (an image tag). */
  readonly version: string;
}

/** Labels for every object: `app.kubernetes.io/{name,instance,component,part-of,managed-by,version}`. */
export function standardLabels(props: StandardLabelProps): Record<string, string> {
  return {
    'app.kubernetes.io/name': props.name,
    'app.kubernetes.io/instance': props.instance,
    'app.kubernetes.io/component': props.component,
    'app.kubernetes.io/part-of': PART_OF,
    'app.kubernetes.io/managed-by': MANAGED_BY,
    'app.kubernetes.io/version': sanitizeLabelValue(props.version),
  };
}

/**
 * The selector of a new workload: `app.kubernetes.io/name` + `instance` (+ component when several
 * workloads share a name). Workloads that exist in the running cluster keep their old selector instead
 * (selectors are immutable), see `legacySelector`.
 */
export function defaultSelector(props: StandardLabelProps): Record<string, string> {
  return {
    'app.kubernetes.io/name': props.name,
    'app.kubernetes.io/instance': props.instance,
    'app.kubernetes.io/component': props.component,
  };
}

/** A label value is at most 63 characters of `[A-Za-z0-9._-]`, starting and ending alphanumeric. */
export function sanitizeLabelValue(value: string): string {
  const cleaned = value.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 63);
  return cleaned.replace(/^[^A-Za-z0-9]+/, '').replace(/[^A-Za-z0-9]+$/, '');
}
