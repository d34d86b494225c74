import * as z from 'zod';

/** The `gitops` section of an environment: how its Argo CD Applications are named and what they track. */
export const gitopsConfig = z.strictObject({
  /**
   * The Git revision (branch, tag or commit) the environment's Applications track.
   * @default - the `targetRevision` prop of ArgoCdApplications (`main`)
   */
  targetRevision: z.string().min(1).optional(),
  /**
   * The Git repository holding `charts-out/` that every Application's `source.repoURL` names (the AppProject
   * must list it in `sourceRepos`; the e2e tier sets a `file://` copy of the output). Required when the Argo CD
   * Applications are built (unless the `repoURL` prop of ArgoCdApplications or DataPlatform's `gitops` gives
   * it); the organisation's presets set the reference repository.
   * @default - none: ArgoCdApplications fails without it
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
// Generated from `gitopsConfig` with its TSDoc (`npm run config-types`); equal to `z.infer<typeof gitopsConfig>`.
export type { GitopsConfig } from '../../config/types.generated';
