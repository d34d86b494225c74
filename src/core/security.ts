import { k8s } from 'cdk8s-plus-28';
import { PlatformConfigError } from './errors';

/**
 * A way in which a container departs from the restricted profile. Each one is declared in the construct
 * that needs it, with the reason, and the Kyverno exceptions are generated from these declarations.
 */
export type DeviationKind =
  /** The container runs as uid 0 (`runAsNonRoot` is not set). */
  | 'runAsRoot'
  /** The root filesystem is writable (`readOnlyRootFilesystem: false`). */
  | 'writableRootFilesystem'
  /** Capabilities are added back after dropping ALL (listed in `capabilities`). */
  | 'addCapabilities'
  /** `allowPrivilegeEscalation: true` (setuid binaries such as sudo). */
  | 'privilegeEscalation'
  /** The pod mounts hostPath volumes. */
  | 'hostPathVolumes'
  /**
   * The container has no liveness, readiness or startup probe. Implied for the containers of Jobs and
   * CronJobs (they run to completion; the policy exceptions add it with a standard reason).
   */
  | 'noProbes';

/** One declared deviation from the restricted profile. */
export interface Deviation {
  readonly kind: DeviationKind;
  /** Why the workload cannot meet the profile; becomes the exception's annotation. At least 20 characters. */
  readonly reason: string;
  /** For `addCapabilities`: the capabilities added back, e.g. `['SETUID', 'SETGID']`. */
  readonly capabilities?: readonly string[];
}

/** The security of one container. */
export interface SecurityProfileProps {
  /**
   * The numeric user the container runs as. Required unless a `runAsRoot` deviation is declared.
   * @default - none: set it to the image's non-root uid
   */
  readonly uid?: number;
  /**
   * The numeric group.
   * @default - the same as uid
   */
  readonly gid?: number;
  /**
   * Declared departures from the restricted profile.
   * @default - none: fully restricted
   */
  readonly deviations?: readonly Deviation[];
}

/** The capability the Kyverno 1.12 library policy `drop-cap-net-raw` looks for literally (`ALL` does not satisfy it). */
export const NET_RAW = 'CAP_NET_RAW';

/** Looks up one deviation kind. */
export function hasDeviation(profile: SecurityProfileProps, kind: DeviationKind): boolean {
  return (profile.deviations ?? []).some((d) => d.kind === kind);
}

/** Checks the declarations themselves: reasons present, capabilities only with addCapabilities, uid set. */
export function checkProfile(profile: SecurityProfileProps, where: string): void {
  for (const d of profile.deviations ?? []) {
    if (!d.reason || d.reason.trim().length < 20) {
      throw new PlatformConfigError(where, `deviation '${d.kind}' has no real reason ('${d.reason ?? ''}')`,
        'say in at least 20 characters why the workload cannot meet the restricted profile');
    }
    if (d.kind === 'addCapabilities' && !(d.capabilities && d.capabilities.length > 0)) {
      throw new PlatformConfigError(where, "deviation 'addCapabilities' lists no capabilities", 'name the capabilities to add, e.g. [\'SETUID\']');
    }
    if (d.kind !== 'addCapabilities' && d.capabilities) {
      throw new PlatformConfigError(where, `deviation '${d.kind}' lists capabilities`, "list capabilities only on an 'addCapabilities' deviation");
    }
  }
  if (hasDeviation(profile, 'runAsRoot')) {
    if (profile.uid !== undefined && profile.uid !== 0) {
      throw new PlatformConfigError(where, `uid ${profile.uid} is set together with a runAsRoot deviation`, 'drop the uid or the deviation');
    }
  } else if (profile.uid === undefined || profile.uid <= 0) {
    throw new PlatformConfigError(where, `no non-root uid is set (uid=${profile.uid})`,
      "set security.uid to the image's non-root user, or declare a 'runAsRoot' deviation with its reason");
  }
}

/**
 * The container security context of the restricted profile, minus the declared deviations:
 * runAsNonRoot with a fixed uid, readOnlyRootFilesystem, no privilege escalation, capabilities drop ALL and
 * CAP_NET_RAW, seccomp RuntimeDefault.
 */
export function containerSecurityContext(profile: SecurityProfileProps, where: string): k8s.SecurityContext {
  checkProfile(profile, where);
  const root = hasDeviation(profile, 'runAsRoot');
  const added = (profile.deviations ?? []).flatMap((d) => (d.kind === 'addCapabilities' ? [...(d.capabilities ?? [])] : []));
  return {
    runAsNonRoot: root ? false : true,
    runAsUser: root ? 0 : profile.uid,
    runAsGroup: root ? 0 : (profile.gid ?? profile.uid),
    readOnlyRootFilesystem: !hasDeviation(profile, 'writableRootFilesystem'),
    allowPrivilegeEscalation: hasDeviation(profile, 'privilegeEscalation'),
    privileged: false,
    capabilities: {
      drop: ['ALL', NET_RAW],
      ...(added.length > 0 ? { add: [...new Set(added)].sort() } : {}),
    },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}
