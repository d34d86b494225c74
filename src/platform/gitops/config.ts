import { z } from 'zod';

/** The `gitops` section of an environment: how its Argo CD Applications are named and what they track. */
export const gitopsConfig = z.strictObject({
  /**
   * The Git revision (branch, tag or commit) the environment's Applications track.
   * @default - the `targetRevision` prop of ArgoCdApplications (`main`)
   */
  targetRevision: z.string().min(1).optional(),
});

/** The validated `gitops` section. */
export type GitopsConfig = z.infer<typeof gitopsConfig>;
