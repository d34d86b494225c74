import { k8s } from 'cdk8s-plus-28';
import type { Image } from './image';
import type { ResourceRequirements } from './resources';
import { containerSecurityContext, hasDeviation, SecurityProfileProps } from './security';
import { PlatformConfigError } from './errors';

/** An environment variable value: a literal or a reference (secretKeyRef, configMapKeyRef, fieldRef). */
export type EnvValue = string | k8s.EnvVarSource;

/** One container, with the restricted profile applied unless it declares deviations. */
export interface ContainerSpec {
  readonly name: string;
  readonly image: Image;
  /** @default - the image's entrypoint */
  readonly command?: readonly string[];
  /** @default - the image's arguments */
  readonly args?: readonly string[];
  /** Container ports by name. @default - none */
  readonly ports?: Readonly<Record<string, number>>;
  /** Environment variables in the order given. @default - none */
  readonly env?: Readonly<Record<string, EnvValue>>;
  /** @default - none */
  readonly envFrom?: readonly k8s.EnvFromSource[];
  /** Requests and limits (always both). */
  readonly resources: ResourceRequirements;
  /** The user and the declared deviations. */
  readonly security: SecurityProfileProps;
  /**
   * Paths the process writes to: each gets its own emptyDir, so the root filesystem stays read-only.
   * @default - none
   */
  readonly writablePaths?: readonly string[];
  /** Further volume mounts (volumes given on the pod). @default - none */
  readonly mounts?: readonly k8s.VolumeMount[];
  /** @default - none */
  readonly livenessProbe?: k8s.Probe;
  /** @default - none */
  readonly readinessProbe?: k8s.Probe;
  /** @default - none */
  readonly startupProbe?: k8s.Probe;
  /** @default - the image's working directory */
  readonly workingDir?: string;
}

/** A pod template. */
export interface PodSpecProps {
  readonly containers: readonly ContainerSpec[];
  /** Run in order before the containers. @default - none */
  readonly initContainers?: readonly ContainerSpec[];
  /** Volumes other than the writable emptyDirs. @default - none */
  readonly volumes?: readonly k8s.Volume[];
  /** @default - the namespace's default ServiceAccount */
  readonly serviceAccountName?: string;
  /**
   * Mount a service-account token. Only for pods that call the Kubernetes API.
   * @default false
   */
  readonly automountServiceAccountToken?: boolean;
  /** The group owning mounted volumes. @default - not set */
  readonly fsGroup?: number;
  /** @default - Kubernetes' default (Always; OnFailure for Jobs) */
  readonly restartPolicy?: 'Always' | 'OnFailure' | 'Never';
  /** @default 30 */
  readonly terminationGracePeriodSeconds?: number;
  /**
   * Pull Secrets of this pod, added to the environment's `imagePullSecrets`.
   * @default - only the environment's
   */
  readonly imagePullSecrets?: readonly string[];
}

/** What a pod spec needs from its environment. */
export interface PodContext {
  readonly imagePullPolicy: string;
  readonly imagePullSecrets: readonly string[];
  /** Where errors point, e.g. "environment 'prod', component 'trino', Deployment trino-worker". */
  readonly where: string;
}

/** An emptyDir volume name for a writable path, e.g. `/opt/dolphinscheduler/logs` → `writable-opt-dolphinscheduler-logs`, `/.npm` → `writable-npm`. */
export function writableVolumeName(path: string): string {
  const slug = path.replace(/^\/+|\/+$/g, '').replace(/[^a-z0-9]+/gi, '-').replace(/^-+|-+$/g, '').toLowerCase() || 'root';
  return `writable-${slug}`.slice(0, 63).replace(/-+$/, '');
}

function renderEnv(env: Readonly<Record<string, EnvValue>> | undefined): k8s.EnvVar[] | undefined {
  if (!env) return undefined;
  return Object.entries(env).map(([name, value]) => (typeof value === 'string' ? { name, value } : { name, valueFrom: value }));
}

function renderContainer(c: ContainerSpec, ctx: PodContext): k8s.Container {
  const where = `${ctx.where}, container ${c.name}`;
  const mounts: k8s.VolumeMount[] = [
    ...(c.writablePaths ?? []).map((p) => ({ name: writableVolumeName(p), mountPath: p })),
    ...(c.mounts ?? []),
  ];
  return {
    name: c.name,
    image: c.image.reference,
    imagePullPolicy: ctx.imagePullPolicy,
    command: c.command ? [...c.command] : undefined,
    args: c.args ? [...c.args] : undefined,
    workingDir: c.workingDir,
    ports: c.ports ? Object.entries(c.ports).map(([name, containerPort]) => ({ name, containerPort, protocol: 'TCP' })) : undefined,
    env: renderEnv(c.env),
    envFrom: c.envFrom ? [...c.envFrom] : undefined,
    resources: {
      requests: { cpu: k8s.Quantity.fromString(c.resources.requests.cpu), memory: k8s.Quantity.fromString(c.resources.requests.memory) },
      limits: { cpu: k8s.Quantity.fromString(c.resources.limits.cpu), memory: k8s.Quantity.fromString(c.resources.limits.memory) },
    },
    securityContext: containerSecurityContext(c.security, where),
    volumeMounts: mounts.length > 0 ? mounts : undefined,
    livenessProbe: c.livenessProbe,
    readinessProbe: c.readinessProbe,
    startupProbe: c.startupProbe,
  };
}

/** Renders a pod spec: containers with the security profile, writable emptyDirs, pull settings. */
export function renderPodSpec(props: PodSpecProps, ctx: PodContext): k8s.PodSpec {
  const all = [...(props.initContainers ?? []), ...props.containers];
  const names = new Set<string>();
  for (const c of all) {
    if (names.has(c.name)) throw new PlatformConfigError(ctx.where, `two containers are named '${c.name}'`, 'give each container its own name');
    names.add(c.name);
  }
  const writable = [...new Set(all.flatMap((c) => c.writablePaths ?? []))].map(writableVolumeName);
  const volumes: k8s.Volume[] = [
    ...[...new Set(writable)].map((name) => ({ name, emptyDir: {} })),
    ...(props.volumes ?? []),
  ];
  const pullSecrets = [...new Set([...ctx.imagePullSecrets, ...(props.imagePullSecrets ?? [])])];
  const allNonRoot = all.every((c) => !hasDeviation(c.security, 'runAsRoot'));
  return {
    serviceAccountName: props.serviceAccountName,
    automountServiceAccountToken: props.automountServiceAccountToken ?? false,
    restartPolicy: props.restartPolicy,
    terminationGracePeriodSeconds: props.terminationGracePeriodSeconds,
    securityContext: {
      runAsNonRoot: allNonRoot ? true : undefined,
      fsGroup: props.fsGroup,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    imagePullSecrets: pullSecrets.length > 0 ? pullSecrets.map((name) => ({ name })) : undefined,
    initContainers: props.initContainers && props.initContainers.length > 0 ? props.initContainers.map((c) => renderContainer(c, ctx)) : undefined,
    containers: props.containers.map((c) => renderContainer(c, ctx)),
    volumes: volumes.length > 0 ? volumes : undefined,
  };
}

/** An HTTP GET probe on a named or numbered port. */
export function httpProbe(path: string, port: string | number, timing: ProbeTiming = {}): k8s.Probe {
  return {
    httpGet: { path, port: typeof port === 'number' ? k8s.IntOrString.fromNumber(port) : k8s.IntOrString.fromString(port), scheme: 'HTTP' },
    ...probeTiming(timing),
  };
}

/** An exec probe. */
export function execProbe(command: readonly string[], timing: ProbeTiming = {}): k8s.Probe {
  return { exec: { command: [...command] }, ...probeTiming(timing) };
}

/** A TCP probe. */
export function tcpProbe(port: string | number, timing: ProbeTiming = {}): k8s.Probe {
  return { tcpSocket: { port: typeof port === 'number' ? k8s.IntOrString.fromNumber(port) : k8s.IntOrString.fromString(port) }, ...probeTiming(timing) };
}

/** Probe timing; every field defaults to the Kubernetes default. */
export interface ProbeTiming {
  /** @default 0 */
  readonly initialDelaySeconds?: number;
  /** @default 10 */
  readonly periodSeconds?: number;
  /** @default 1 */
  readonly timeoutSeconds?: number;
  /** @default 3 */
  readonly failureThreshold?: number;
}

function probeTiming(t: ProbeTiming): ProbeTiming {
  return {
    initialDelaySeconds: t.initialDelaySeconds,
    periodSeconds: t.periodSeconds,
    timeoutSeconds: t.timeoutSeconds,
    failureThreshold: t.failureThreshold,
  };
}
