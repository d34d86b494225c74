/**
 * Canary objects for the policy-check cross-check: workloads built to violate rules on purpose (and a few
 * edge cases), so that Kyverno and the in-process simulation are compared on failures of EVERY rule, not
 * only on the platform's own (mostly compliant) workloads. They are never synthesized into charts-out/.
 */

const resources = { requests: { cpu: '10m', memory: '16Mi' }, limits: { cpu: '50m', memory: '32Mi' } };
const restricted = {
  runAsNonRoot: true, runAsUser: 1000, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false,
  capabilities: { drop: ['ALL', 'CAP_NET_RAW'] }, seccompProfile: { type: 'RuntimeDefault' },
};
const probe = { exec: { command: ['true'] } };

/** A compliant container with `patch` merged into it. */
function container(name: string, patch: Record<string, any> = {}): Record<string, any> {
  return { name, image: 'docker.io/library/busybox:1.36.1', resources, securityContext: restricted, livenessProbe: probe, ...patch };
}

const bad = (name: string) => ({
  name,
  image: 'docker.io/library/busybox:latest',
  securityContext: {
    runAsNonRoot: false, readOnlyRootFilesystem: false, allowPrivilegeEscalation: true,
    capabilities: { add: ['NET_RAW', 'SYS_ADMIN'] }, seccompProfile: { type: 'Unconfined' },
  },
});

/** Canary objects in `namespace` (the environment's, so that the platform's policies apply to them). */
export function canaries(namespace: string): Array<Record<string, any>> {
  const labels = { 'app.kubernetes.io/name': 'policy-canary' };
  const badSpec = { initContainers: [bad('init')], containers: [bad('main')], volumes: [{ name: 'host', hostPath: { path: '/var/log' } }] };
  const pod = (name: string, spec: Record<string, any>) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, labels }, spec });
  const objects = [
    pod('canary-violates-everything', badSpec),
    {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'canary-violates-everything', namespace, labels },
      spec: { selector: { matchLabels: labels }, template: { metadata: { labels }, spec: badSpec } },
    },
    {
      apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'canary-violates-everything', namespace, labels },
      spec: { schedule: '0 3 * * *', jobTemplate: { spec: { template: { metadata: { labels }, spec: { ...badSpec, restartPolicy: 'Never' } } } } },
    },
    // drops ALL only: the platform's drop-net-raw passes; the library's drop-cap-net-raw wants CAP_NET_RAW literally
    pod('canary-drops-all-only', { containers: [container('c', { securityContext: { ...restricted, capabilities: { drop: ['ALL'] } } })] }),
    // lower-case 'all': drop-all-capabilities upper-cases, disallow-capabilities-strict does not
    pod('canary-drops-lowercase-all', { containers: [container('c', { securityContext: { ...restricted, capabilities: { drop: ['all', 'CAP_NET_RAW'] } } })] }),
    // pod-level runAsNonRoot overridden by a container; no image tag; a readiness probe only
    pod('canary-overrides-pod-non-root', {
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [container('c', { image: 'docker.io/library/busybox', livenessProbe: undefined, readinessProbe: probe,
        securityContext: { ...restricted, runAsNonRoot: false, seccompProfile: undefined } })],
    }),
    // an init container that runs as root with a writable root filesystem, main container compliant
    pod('canary-root-init-container', {
      initContainers: [container('init', { securityContext: { ...restricted, runAsNonRoot: undefined, runAsUser: 0, readOnlyRootFilesystem: false } })],
      containers: [container('c')],
    }),
    // fully compliant
    pod('canary-compliant', { securityContext: { runAsNonRoot: true }, containers: [container('c')] }),
  ];
  return JSON.parse(JSON.stringify(objects)); // drops the undefined keys, as the YAML given to Kyverno does
}
