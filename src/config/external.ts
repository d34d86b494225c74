import { z } from 'zod';
import { dnsLabel, dnsName, port } from '../core/schema';

/**
 * A dependency the environment provides but this project does not deploy (e.g. PostgreSQL).
 * Either an in-cluster Service (its FQDN is built from `service` and `namespace`) or an off-cluster host.
 */
export const externalService = z.strictObject({
  /** The Service name, for an in-cluster dependency. */
  service: dnsLabel.optional(),
  /** The Service's namespace. @default - the environment's namespace */
  namespace: dnsLabel.optional(),
  /** An off-cluster host name (not in cluster.local). */
  host: dnsName.optional(),
  port,
}).superRefine((s, ctx) => {
  if ((s.service === undefined) === (s.host === undefined)) {
    ctx.addIssue({ code: 'custom', message: "set exactly one of 'service' (in-cluster) or 'host' (off-cluster)" });
  }
  if (s.host !== undefined && /\.svc(\.cluster\.local)?$/.test(s.host)) {
    ctx.addIssue({ code: 'custom', path: ['host'], message: "an in-cluster address is declared with 'service' and 'namespace', not typed as a host" });
  }
});

/** A Secret that exists in the cluster but is not produced by this project, with the keys it holds. */
export const externalSecret = z.strictObject({
  keys: z.array(z.string().min(1)).min(1),
  /** The Secret's namespace. @default - the environment's namespace */
  namespace: dnsLabel.optional(),
});

/** A PostgreSQL database the environment provides. */
export const externalDatabase = z.strictObject({
  /** The id of the external service (a key of `external.services`). */
  service: z.string(),
  database: z.string().min(1),
  username: z.string().min(1),
  /** The Secret (a key of `external.secrets`) and key holding the password. */
  passwordSecret: z.strictObject({ name: dnsLabel, key: z.string().min(1) }),
});

export const externalSchema = z.strictObject({
  /** External services by id. */
  services: z.record(z.string(), externalService).default({}),
  /** External Secrets by name, with their keys. */
  secrets: z.record(dnsLabel, externalSecret).default({}),
  /** External databases by id. */
  databases: z.record(z.string(), externalDatabase).default({}),
});

export type ExternalService = z.infer<typeof externalService>;
export type ExternalDatabase = z.infer<typeof externalDatabase>;
