/** The pod spec inside a workload manifest (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob). */
export function podSpecOf(m: Record<string, any>): Record<string, any> | undefined {
  switch (m.kind) {
    case 'Pod':
      return m.spec;
    case 'Deployment':
    case 'StatefulSet':
    case 'DaemonSet':
    case 'ReplicaSet':
    case 'Job':
      return m.spec?.template?.spec;
    case 'CronJob':
      return m.spec?.jobTemplate?.spec?.template?.spec;
    default:
      return undefined;
  }
}

/** Every container of a pod spec, init containers first, with a label for messages. */
export function containersOf(pod: Record<string, any>): Array<{ c: Record<string, any>; path: string }> {
  return [
    ...(pod.initContainers ?? []).map((c: any, i: number) => ({ c, path: `initContainers[${i}] (${c.name})` })),
    ...(pod.containers ?? []).map((c: any, i: number) => ({ c, path: `containers[${i}] (${c.name})` })),
  ];
}
