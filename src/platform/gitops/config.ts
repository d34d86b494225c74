import { z } from 'zod';

/** The `gitops` section of an environment: how its Argo CD Applications are named and what they track. */
export const gitopsConfig = z.strictObject({
  /**
   * The Git revision (branch, tag or commit) the environment's Applications track.
   * @default - the `targetRevision` prop of ArgoCdApplications (`main`)
   */
  targetRevision: z.string().min(1).optional(),
  /**
   * The Git repository holding the output folder (what every Application's `source.repoURL` says). The
   * AppProject must list it in `sourceRepos`. The e2e tier sets it to a `file://` copy of the output.
   * @default - the `repoURL` prop of ArgoCdApplications (`https://github.com/254CARBON/HMCo.git`)
   */
  repoURL: z.string().regex(/^(https?|ssh|file|git):\/\/\S+$|^[\w.-]+@[\w.-]+:\S+$/, 'a Git URL (https://, ssh://, file://, git:// or user@host:path)').optional(),
  /**
   * Whether this environment's `namespaces` Application creates the shared namespaces its objects are written
   * to (`monitoring`, `velero`, `victoria-metrics`, ...) besides its own namespace. When one cluster and one
   * Argo CD serve several environments, exactly one of them may own each shared namespace (the synth fails
   * otherwise); the others rely on it. The environment's own namespace is always owned.
   * @default true
   */
  ownSharedNamespaces: z.boolean().optional(),
});

/** The validated `gitops` section. */
export type GitopsConfig = z.infer<typeof gitopsConfig>;
