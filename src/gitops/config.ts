import { z } from 'zod';

/** The `gitops` section of an environment: how its Argo CD Applications are named and what they track. */
export const gitopsConfig = z.strictObject({
  /**
   * Appended to every Application name of the environment, so that several environments can share one Argo CD
   * (Application names are unique in the `argocd` namespace). Empty for prod, which keeps the reference names.
   */
  nameSuffix: z.string().regex(/^(-[a-z0-9]+)*$/, { message: "must be empty or like '-dev' (a hyphen, then lower-case letters and digits)" }).default(''),
  /**
   * The Git revision (branch, tag or commit) the environment's Applications track.
   * @default - the `targetRevision` prop of ArgoCdApplications (`main`)
   */
  targetRevision: z.string().min(1).optional(),
});

/** The validated `gitops` section. */
export type GitopsConfig = z.infer<typeof gitopsConfig>;
