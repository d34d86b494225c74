import type { ClusterPolicySpecRulesValidate } from '../../../imports/kyverno.io';

/** A pod spec as it appears in a synthesized manifest (JSON). */
export type PodSpecJson = Record<string, any>;

/** One violation of a rule: the container that violates it, or the pod as a whole. */
export interface Finding {
  /** The container (init or main) at fault. @default - the pod as a whole (e.g. its volumes) */
  readonly container?: string;
  readonly message: string;
}

/** One validate rule of a Kyverno ClusterPolicy, with an in-process evaluation of the same check. */
export interface RuleDefinition {
  /** The rule name Kyverno reports (and `autogen-<name>`, `autogen-cronjob-<name>` for controllers). */
  readonly name: string;
  /** The Kyverno `validate` block (message included). Only for the platform's own policies. */
  readonly validate?: ClusterPolicySpecRulesValidate;
  /** The Kyverno `preconditions` block. @default - none */
  readonly preconditions?: unknown;
  /**
   * The same check on a pod spec, as Kyverno evaluates it at admission (operation CREATE). The policy-check
   * command compares these verdicts with the real Kyverno CLI.
   */
  readonly evaluate: (pod: PodSpecJson, meta?: Record<string, any>) => Finding[];
}

/** A ClusterPolicy: its name, its annotations and its rules. */
export interface PolicyDefinition {
  /** The policy name (the platform's are suffixed with the environment when synthesized). */
  readonly name: string;
  readonly title: string;
  readonly category: string;
  readonly severity: 'low' | 'medium' | 'high';
  readonly description: string;
  readonly rules: readonly RuleDefinition[];
  /**
   * The controllers Kyverno generates `autogen-` rules for (`pod-policies.kyverno.io/autogen-controllers`).
   * @default - Kyverno's default: DaemonSet, Deployment, Job, StatefulSet, ReplicaSet, ReplicationController, CronJob
   */
  readonly autogenControllers?: readonly string[];
}

/** A container of a pod spec with the list it is in. */
export interface ContainerView {
  readonly name: string;
  readonly list: 'ephemeralContainers' | 'initContainers' | 'containers';
  readonly c: Record<string, any>;
}

const CONTAINER_LISTS: ReadonlyArray<ContainerView['list']> = ['ephemeralContainers', 'initContainers', 'containers'];

/** The containers of a pod spec from the given lists, in Kyverno's order (ephemeral, init, main). */
export function containers(pod: PodSpecJson, lists: ReadonlyArray<ContainerView['list']> = CONTAINER_LISTS): ContainerView[] {
  // Called for every rule of every policy on every pod: one pass, no intermediate arrays.
  const views: ContainerView[] = [];
  for (const list of CONTAINER_LISTS) {
    if (!lists.includes(list)) continue;
    for (const c of (pod[list] ?? []) as Array<Record<string, any>>) views.push({ name: String(c.name), list, c });
  }
  return views;
}

/** Kyverno's wildcard match: `*` any run of characters, `?` exactly one. */
export function wildcardMatch(pattern: string, value: string): boolean {
  let re = WILDCARDS.get(pattern);
  if (!re) {
    re = new RegExp(`^${pattern.split('').map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\]/g, '\\$&'))).join('')}$`, 's');
    WILDCARDS.set(pattern, re);
  }
  return re.test(value);
}
/** Compiled wildcard patterns (a handful of distinct ones, matched against every container of every pod). */
const WILDCARDS = new Map<string, RegExp>();

const sc = (v: ContainerView): Record<string, any> => v.c.securityContext ?? {};
const upper = (xs: unknown): string[] => (Array.isArray(xs) ? xs.map((x) => String(x).toUpperCase()) : []);
const nonEmpty = (x: unknown): boolean => x !== undefined && x !== null && String(x).length > 0;
const find = (vs: ContainerView[], bad: (v: ContainerView) => boolean, message: (v: ContainerView) => string): Finding[] =>
  vs.filter(bad).map((v) => ({ container: v.name, message: message(v) }));

/** Kyverno skips foreach/deny rules on DELETE; admission of a new object is a CREATE. */
const NOT_DELETE = { all: [{ key: "{{ request.operation || 'BACKGROUND' }}", operator: 'NotEquals', value: 'DELETE' }] };

/** The capabilities whose drop removes NET_RAW (Kyverno compares literally, so all spellings are listed). */
export const NET_RAW_DROPS = ['ALL', 'NET_RAW', 'CAP_NET_RAW'] as const;

/**
 * The platform's baseline policies (the five of the reference pack's platform-policies chart, same policy
 * and rule names). Fixes against the reference:
 * - drop-net-raw: the reference pattern `drop: [NET_RAW]` compares the FIRST element of the drop list,
 *   so a container dropping `[ALL, CAP_NET_RAW]` failed. The rule now passes when the drop list contains
 *   ALL, NET_RAW or CAP_NET_RAW (any case), and fails when NET_RAW (or ALL) is added back; it covers init
 *   and ephemeral containers too.
 * - require-non-root and require-readonly-rootfs check init containers as well (the reference let an init
 *   container run as root or write its root filesystem); a container may not override a pod-level
 *   runAsNonRoot with `false`.
 * - every rule matches with `match.any` and the environment's namespace only (set by PlatformPolicies).
 */
export const PLATFORM_POLICIES: readonly PolicyDefinition[] = [
  {
    name: 'disallow-latest-tag',
    title: 'Disallow latest image tag',
    category: 'Best Practices',
    severity: 'medium',
    description: 'Images are pinned to a fixed version; the mutable tag latest is not allowed.',
    rules: [{
      name: 'require-nonlatest-tag',
      validate: {
        message: "Image tag 'latest' is not allowed. Use a fixed version.",
        pattern: { spec: { '=(initContainers)': [{ image: '!*:latest' }], 'containers': [{ image: '!*:latest' }] } },
      },
      evaluate: (pod) => find(containers(pod, ['initContainers', 'containers']), (v) => wildcardMatch('*:latest', String(v.c.image ?? '')),
        (v) => `image ${v.c.image} uses the tag latest`),
    }],
  },
  {
    name: 'require-requests-limits',
    title: 'Require resources',
    category: 'Reliability',
    severity: 'high',
    description: 'Every container declares CPU and memory requests and limits.',
    rules: [{
      name: 'check-requests-limits',
      validate: {
        message: 'CPU and memory requests/limits are required.',
        pattern: {
          spec: {
            '=(initContainers)': [{ resources: { requests: { memory: '?*', cpu: '?*' }, limits: { memory: '?*', cpu: '?*' } } }],
            'containers': [{ resources: { requests: { memory: '?*', cpu: '?*' }, limits: { memory: '?*', cpu: '?*' } } }],
          },
        },
      },
      evaluate: (pod) => find(containers(pod, ['initContainers', 'containers']), (v) => {
        const r = v.c.resources ?? {};
        return ![r.requests?.memory, r.requests?.cpu, r.limits?.memory, r.limits?.cpu].every(nonEmpty);
      }, () => 'CPU and memory requests and limits are not all set'),
    }],
  },
  {
    name: 'require-non-root',
    title: 'Require runAsNonRoot',
    category: 'Security',
    severity: 'high',
    description: 'Pods run as a non-root user: runAsNonRoot on the pod (no container overriding it) or on every container.',
    rules: [{
      name: 'run-as-non-root',
      validate: {
        message: 'Containers must run as non-root.',
        anyPattern: [
          {
            spec: {
              securityContext: { runAsNonRoot: true },
              '=(initContainers)': [{ '=(securityContext)': { '=(runAsNonRoot)': true } }],
              'containers': [{ '=(securityContext)': { '=(runAsNonRoot)': true } }],
            },
          },
          {
            spec: {
              '=(initContainers)': [{ securityContext: { runAsNonRoot: true } }],
              'containers': [{ securityContext: { runAsNonRoot: true } }],
            },
          },
        ],
      },
      evaluate: (pod) => {
        const vs = containers(pod, ['initContainers', 'containers']);
        const podLevel = pod.securityContext?.runAsNonRoot === true && vs.every((v) => sc(v).runAsNonRoot === undefined || sc(v).runAsNonRoot === true);
        const everyContainer = vs.every((v) => sc(v).runAsNonRoot === true);
        if (podLevel || everyContainer) return [];
        const culprits = find(vs, (v) => sc(v).runAsNonRoot !== true, () => 'runAsNonRoot is not true');
        return culprits.length > 0 ? culprits : [{ message: 'runAsNonRoot is not true' }];
      },
    }],
  },
  {
    name: 'require-readonly-rootfs',
    title: 'Require readOnlyRootFilesystem',
    category: 'Security',
    severity: 'medium',
    description: 'Every container, init containers included, has a read-only root filesystem.',
    rules: [{
      name: 'readonly-rootfs',
      validate: {
        message: 'Containers must set readOnlyRootFilesystem=true.',
        pattern: {
          spec: {
            '=(initContainers)': [{ securityContext: { readOnlyRootFilesystem: true } }],
            'containers': [{ securityContext: { readOnlyRootFilesystem: true } }],
          },
        },
      },
      evaluate: (pod) => find(containers(pod, ['initContainers', 'containers']), (v) => sc(v).readOnlyRootFilesystem !== true,
        () => 'readOnlyRootFilesystem is not true'),
    }],
  },
  {
    name: 'drop-net-raw',
    title: 'Drop NET_RAW capability',
    category: 'Security',
    severity: 'medium',
    description: 'Every container drops NET_RAW (dropping ALL counts) and does not add it back.',
    rules: [{
      name: 'drop-net-raw-cap',
      preconditions: NOT_DELETE,
      validate: {
        message: 'NET_RAW capability must be dropped: drop ALL, NET_RAW or CAP_NET_RAW, and do not add NET_RAW or ALL back.',
        foreach: [{
          list: 'request.object.spec.[ephemeralContainers, initContainers, containers][]',
          deny: {
            conditions: {
              any: [
                { key: [...NET_RAW_DROPS], operator: 'AllNotIn', value: '{{ element.securityContext.capabilities.drop[].to_upper(@) || `[]` }}' },
                { key: '{{ element.securityContext.capabilities.add[].to_upper(@) || `[]` }}', operator: 'AnyIn', value: [...NET_RAW_DROPS] },
              ],
            },
          },
        }],
      },
      evaluate: (pod) => find(containers(pod), (v) => {
        const caps = sc(v).capabilities ?? {};
        return !upper(caps.drop).some((d) => (NET_RAW_DROPS as readonly string[]).includes(d))
          || upper(caps.add).some((a) => (NET_RAW_DROPS as readonly string[]).includes(a));
      }, () => 'NET_RAW is not dropped, or is added back'),
    }],
  },
];

/** The capabilities the baseline `disallow-capabilities` policy lets a container add. */
export const BASELINE_CAPABILITIES = ['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID',
  'SETPCAP', 'SETUID', 'SYS_CHROOT'] as const;
const SAFE_SYSCTLS = ['kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.tcp_syncookies', 'net.ipv4.ping_group_range'];
/** The keys a volume may have under `restrict-volume-types` (its name and one of the allowed types). */
const RESTRICTED_VOLUME_KEYS = ['name', 'configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];
/** A pattern `"false"` anchored with `=()`: the field may be absent or false. */
const notFalse = (x: unknown): boolean => x !== undefined && x !== false && x !== 'false';
/** Every hostPort the containers declare (absent ones left out, as the JMESPath projection drops them). */
const hostPorts = (vs: ContainerView[]): unknown[] => vs.flatMap((v) => ((v.c.ports ?? []) as Array<Record<string, any>>)
  .map((p) => p.hostPort).filter((p) => p !== undefined && p !== null));
/** A check of the pod's securityContext and every container's: pod-level findings have no container. */
const podAndContainers = (pod: PodSpecJson, bad: (s: Record<string, any> | undefined) => boolean, message: string): Finding[] => [
  ...(bad(pod.securityContext) ? [{ message: `the pod's ${message}` }] : []),
  ...find(containers(pod), (v) => bad(v.c.securityContext), () => message),
];

/** The opt-in sets of upstream Kyverno library policies (release-1.12) whose rules the platform encodes. */
export type LibraryPolicySet = 'best-practices' | 'pod-security-baseline' | 'pod-security-restricted';

/** Every library set, in a stable order. */
export const LIBRARY_POLICY_SETS: readonly LibraryPolicySet[] = ['best-practices', 'pod-security-baseline', 'pod-security-restricted'];

const lib = (name: string, title: string, category: string, severity: PolicyDefinition['severity'], rules: RuleDefinition[], autogenControllers?: string[]): PolicyDefinition =>
  ({ name, title, category, severity, description: `upstream Kyverno library policy ${name} (release-1.12)`, rules, autogenControllers });

/**
 * The upstream library policies the platform supports, by set, with their upstream policy and rule names.
 * They are not synthesized (the upstream kyverno-policies chart installs them cluster-wide under these
 * names); the platform evaluates them in-process to generate exact exceptions, and `npm run policy-check
 * -- --library DIR` applies the upstream files themselves with the real Kyverno CLI.
 */
export const LIBRARY_POLICIES: Readonly<Record<LibraryPolicySet, readonly PolicyDefinition[]>> = {
  'best-practices': [
    lib('disallow-latest-tag', 'Disallow Latest Tag', 'Best Practices', 'medium', [
      { name: 'require-image-tag', evaluate: (pod) => find(containers(pod, ['containers']), (v) => !wildcardMatch('*:*', String(v.c.image ?? '')), () => 'an image tag is required') },
      { name: 'validate-image-tag', evaluate: (pod) => find(containers(pod, ['containers']), (v) => wildcardMatch('*:latest', String(v.c.image ?? '')), () => "the mutable tag 'latest' is not allowed") },
    ]),
    lib('require-requests-limits', 'Require Limits and Requests', 'Best Practices', 'medium', [
      { name: 'validate-resources', evaluate: (pod) => find(containers(pod, ['containers']), (v) => {
        const r = v.c.resources ?? {};
        return ![r.requests?.memory, r.requests?.cpu, r.limits?.memory].every(nonEmpty);
      }, () => 'CPU and memory requests and a memory limit are required') },
    ]),
    lib('require-pod-probes', 'Require Pod Probes', 'Best Practices', 'medium', [
      { name: 'validate-probes', evaluate: (pod) => find(containers(pod, ['containers']),
        (v) => !['livenessProbe', 'readinessProbe', 'startupProbe'].some((p) => v.c[p] !== undefined && v.c[p] !== null), () => 'no liveness, readiness or startup probe') },
    ], ['DaemonSet', 'Deployment', 'StatefulSet']), // upstream's autogen-controllers annotation: Jobs are checked on their Pods only
    lib('require-ro-rootfs', 'Require Read-Only Root Filesystem', 'Best Practices', 'medium', [
      { name: 'validate-readOnlyRootFilesystem', evaluate: (pod) => find(containers(pod, ['containers']), (v) => sc(v).readOnlyRootFilesystem !== true, () => 'the root filesystem is writable') },
    ]),
    lib('drop-cap-net-raw', 'Drop CAP_NET_RAW', 'Best Practices', 'medium', [
      { name: 'require-drop-cap-net-raw', evaluate: (pod) => find(containers(pod), (v) => !upper(sc(v).capabilities?.drop).includes('CAP_NET_RAW'), () => 'CAP_NET_RAW is not dropped literally') },
    ]),
    lib('drop-all-capabilities', 'Drop All Capabilities', 'Best Practices', 'medium', [
      { name: 'require-drop-all', evaluate: (pod) => find(containers(pod), (v) => !upper(sc(v).capabilities?.drop).includes('ALL'), () => 'ALL is not dropped') },
    ]),
  ],
  'pod-security-baseline': [
    lib('disallow-host-path', 'Disallow hostPath', 'Pod Security Standards (Baseline)', 'medium', [
      { name: 'host-path', evaluate: (pod) => ((pod.volumes ?? []) as Array<Record<string, any>>)
        .filter((v) => v.hostPath !== undefined && v.hostPath !== null).map((v) => ({ message: `volume ${v.name} is a hostPath` })) },
    ]),
    lib('disallow-capabilities', 'Disallow Capabilities', 'Pod Security Standards (Baseline)', 'medium', [
      // deny AnyNotIn over every container's capabilities.add (compared as written, no upper-casing)
      { name: 'adding-capabilities', evaluate: (pod) => find(containers(pod),
        (v) => ((sc(v).capabilities?.add ?? []) as unknown[]).some((a) => !(BASELINE_CAPABILITIES as readonly unknown[]).includes(a)),
        () => 'a capability outside the baseline list is added') },
    ]),
    lib('disallow-host-namespaces', 'Disallow Host Namespaces', 'Pod Security Standards (Baseline)', 'medium', [
      { name: 'host-namespaces', evaluate: (pod) => (['hostPID', 'hostIPC', 'hostNetwork'] as const)
        .filter((k) => pod[k] !== undefined && pod[k] !== false).map((k) => ({ message: `${k} is set` })) },
    ]),
    lib('disallow-host-ports', 'Disallow hostPorts', 'Pod Security Standards (Baseline)', 'medium', [
      { name: 'host-ports-none', evaluate: (pod) => find(containers(pod), (v) => hostPorts([v]).some((p) => p !== 0), () => 'a hostPort other than 0 is set') },
    ]),
    lib('disallow-host-ports-range', 'Disallow hostPorts Range (Alternate)', 'Pod Security Standards (Baseline)', 'medium', [
      // deny when ALL of: some hostPort outside 5000-6000, some hostPort other than 0 (over every container at once)
      { name: 'host-port-range', evaluate: (pod) => {
        const ports = hostPorts(containers(pod));
        return ports.some((p) => !(typeof p === 'number' && p >= 5000 && p <= 6000)) && ports.some((p) => p !== 0)
          ? [{ message: `hostPorts ${ports.join(', ')} are outside 5000-6000 and 0` }] : [];
      } },
    ]),
    lib('disallow-host-process', 'Disallow hostProcess', 'Pod Security Standards (Baseline)', 'medium', [
      { name: 'host-process-containers', evaluate: (pod) => find(containers(pod), (v) => notFalse(sc(v).windowsOptions?.hostProcess), () => 'windowsOptions.hostProcess is set') },
    ]),
    lib('disallow-privileged-containers', 'Disallow Privileged Containers', 'Pod Security Standards (Baseline)', 'medium', [
      { name: 'privileged-containers', evaluate: (pod) => find(containers(pod), (v) => notFalse(sc(v).privileged), () => 'privileged is set') },
    ]),
    lib('disallow-proc-mount', 'Disallow procMount', 'Pod Security Standards (Baseline)', 'medium', [
      { name: 'check-proc-mount', evaluate: (pod) => find(containers(pod), (v) => sc(v).procMount !== undefined && sc(v).procMount !== 'Default', () => 'procMount is not Default') },
    ]),
    lib('disallow-selinux', 'Disallow SELinux', 'Pod Security Standards (Baseline)', 'medium', [
      { name: 'selinux-type', evaluate: (pod) => podAndContainers(pod, (s) => s?.seLinuxOptions?.type !== undefined
        && !['container_t', 'container_init_t', 'container_kvm_t'].includes(s.seLinuxOptions.type), 'seLinuxOptions.type is not an allowed type') },
      { name: 'selinux-user-role', evaluate: (pod) => podAndContainers(pod, (s) => s?.seLinuxOptions !== undefined
        && (s.seLinuxOptions.user !== undefined || s.seLinuxOptions.role !== undefined), 'seLinuxOptions.user or role is set') },
    ]),
    lib('restrict-apparmor-profiles', 'Restrict AppArmor', 'Pod Security Standards (Baseline)', 'medium', [
      { name: 'app-armor', evaluate: (_pod, meta) => Object.entries((meta?.annotations ?? {}) as Record<string, unknown>)
        .filter(([k, v]) => wildcardMatch('container.apparmor.security.beta.kubernetes.io/*', k) && !(v === 'runtime/default' || wildcardMatch('localhost/*', String(v))))
        .map(([k]) => ({ message: `annotation ${k} names another AppArmor profile` })) },
    ]),
    lib('restrict-seccomp', 'Restrict Seccomp', 'Pod Security Standards (Baseline)', 'medium', [
      { name: 'check-seccomp', evaluate: (pod) => podAndContainers(pod, (s) => s?.seccompProfile?.type !== undefined
        && !['RuntimeDefault', 'Localhost'].includes(s.seccompProfile.type), 'seccompProfile.type is neither RuntimeDefault nor Localhost') },
    ]),
    lib('restrict-sysctls', 'Restrict sysctls', 'Pod Security Standards (Baseline)', 'medium', [
      { name: 'check-sysctls', evaluate: (pod) => ((pod.securityContext?.sysctls ?? []) as Array<Record<string, any>>)
        .filter((x) => x.name !== undefined && !SAFE_SYSCTLS.includes(x.name)).map((x) => ({ message: `sysctl ${x.name} is not in the safe set` })) },
    ]),
  ],
  'pod-security-restricted': [
    lib('require-run-as-non-root-user', 'Require Run As Non-Root User', 'Pod Security Standards (Restricted)', 'medium', [
      { name: 'run-as-non-root-user', evaluate: (pod) => podAndContainers(pod, (s) => s?.runAsUser !== undefined && !(typeof s.runAsUser === 'number' && s.runAsUser > 0),
        'runAsUser is 0') },
    ]),
    lib('restrict-volume-types', 'Restrict Volume Types', 'Pod Security Standards (Restricted)', 'medium', [
      { name: 'restricted-volumes', evaluate: (pod) => ((pod.volumes ?? []) as Array<Record<string, any>>)
        .filter((v) => Object.keys(v).some((k) => !RESTRICTED_VOLUME_KEYS.includes(k))).map((v) => ({ message: `volume ${v.name} is of a type outside the restricted list` })) },
    ]),
    lib('require-run-as-nonroot', 'Require runAsNonRoot', 'Pod Security Standards (Restricted)', 'medium', [
      { name: 'run-as-non-root', evaluate: (pod) => {
        const vs = containers(pod);
        const podLevel = pod.securityContext?.runAsNonRoot === true && vs.every((v) => sc(v).runAsNonRoot === undefined || sc(v).runAsNonRoot === true);
        if (podLevel || vs.every((v) => sc(v).runAsNonRoot === true)) return [];
        return find(vs, (v) => sc(v).runAsNonRoot !== true, () => 'runAsNonRoot is not true');
      } },
    ]),
    lib('disallow-privilege-escalation', 'Disallow Privilege Escalation', 'Pod Security Standards (Restricted)', 'medium', [
      { name: 'privilege-escalation', evaluate: (pod) => find(containers(pod), (v) => sc(v).allowPrivilegeEscalation !== false, () => 'allowPrivilegeEscalation is not false') },
    ]),
    lib('restrict-seccomp-strict', 'Restrict Seccomp (Strict)', 'Pod Security Standards (Restricted)', 'medium', [
      { name: 'check-seccomp-strict', evaluate: (pod) => {
        const vs = containers(pod);
        const ok = (t: unknown) => t === 'RuntimeDefault' || t === 'Localhost';
        const podLevel = ok(pod.securityContext?.seccompProfile?.type) && vs.every((v) => sc(v).seccompProfile?.type === undefined || ok(sc(v).seccompProfile?.type));
        if (podLevel || vs.every((v) => ok(sc(v).seccompProfile?.type))) return [];
        return find(vs, (v) => !ok(sc(v).seccompProfile?.type), () => 'seccompProfile is not RuntimeDefault or Localhost');
      } },
    ]),
    lib('disallow-capabilities-strict', 'Disallow Capabilities (Strict)', 'Pod Security Standards (Restricted)', 'medium', [
      // Upstream compares without upper-casing here.
      { name: 'require-drop-all', evaluate: (pod) => find(containers(pod), (v) => !((sc(v).capabilities?.drop ?? []) as unknown[]).includes('ALL'), () => 'ALL is not dropped') },
      { name: 'adding-capabilities-strict', evaluate: (pod) => find(containers(pod),
        (v) => ((sc(v).capabilities?.add ?? []) as unknown[]).some((a) => a !== 'NET_BIND_SERVICE' && a !== ''), () => 'capabilities other than NET_BIND_SERVICE are added') },
    ]),
  ],
};
