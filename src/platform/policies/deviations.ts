import type { Deviation, DeviationKind } from '../../core/security';
import { NET_RAW_DROPS, type LibraryPolicySet } from './rules';

/** A rule that a deviation makes a pod violate. */
export interface DeviationRule {
  /** `platform`: one of the platform's policies (named per environment); otherwise the library set. */
  readonly source: 'platform' | LibraryPolicySet;
  /** The policy name as defined (platform: before the environment suffix; library: upstream). */
  readonly policy: string;
  readonly rule: string;
  /** Only deviations for which this holds violate the rule. @default - every deviation of the kind */
  readonly when?: (d: Deviation) => boolean;
}

const addsAny = (caps: readonly string[]) => (d: Deviation) =>
  (d.capabilities ?? []).some((c) => caps.includes(c.toUpperCase()));
const addsOtherThan = (caps: readonly string[]) => (d: Deviation) =>
  (d.capabilities ?? []).some((c) => !caps.includes(c));

/**
 * THE table: which policy rules each kind of declared deviation violates, for the platform's policies and
 * the supported library sets. The exceptions are generated from it, and the in-process admission check
 * proves it right (every violation found is covered by a declared deviation mapped here, and every
 * declared deviation maps to a rule that the pod really violates).
 */
export const DEVIATION_RULES: Readonly<Record<DeviationKind, readonly DeviationRule[]>> = {
  runAsRoot: [
    { source: 'platform', policy: 'require-non-root', rule: 'run-as-non-root' },
    { source: 'pod-security-restricted', policy: 'require-run-as-nonroot', rule: 'run-as-non-root' },
  ],
  writableRootFilesystem: [
    { source: 'platform', policy: 'require-readonly-rootfs', rule: 'readonly-rootfs' },
    { source: 'best-practices', policy: 'require-ro-rootfs', rule: 'validate-readOnlyRootFilesystem' },
  ],
  addCapabilities: [
    { source: 'platform', policy: 'drop-net-raw', rule: 'drop-net-raw-cap', when: addsAny(NET_RAW_DROPS) },
    { source: 'pod-security-restricted', policy: 'disallow-capabilities-strict', rule: 'adding-capabilities-strict', when: addsOtherThan(['NET_BIND_SERVICE']) },
  ],
  privilegeEscalation: [
    { source: 'pod-security-restricted', policy: 'disallow-privilege-escalation', rule: 'privilege-escalation' },
  ],
  hostPathVolumes: [
    { source: 'pod-security-baseline', policy: 'disallow-host-path', rule: 'host-path' },
  ],
  noProbes: [
    { source: 'best-practices', policy: 'require-pod-probes', rule: 'validate-probes' },
  ],
};

/** The rules one deviation violates, among the platform's policies and the library sets opted in. */
export function rulesOf(d: Deviation, librarySets: readonly LibraryPolicySet[]): DeviationRule[] {
  return DEVIATION_RULES[d.kind].filter((r) => (r.source === 'platform' || librarySets.includes(r.source)) && (r.when ? r.when(d) : true));
}
