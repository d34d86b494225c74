import { checkExternalSecretsConsumed } from '../core/external-secret';
import { PlatformGraph, registerPlatformCheck } from '../core/graph';
import { collectObjects, prepareObjects } from '../core/manifest';
import { checkApplications, checkNamespaces } from './gitops/checks';
import { checkNoInlineSecrets, checkReferences } from './checks/references';
import { timed } from '../core/phases';
import { checkSchema } from './checks/schema';
import { volumeProtectionProblems } from '../core/protection';

/**
 * The platform's checks of one graph's objects: schema (kubernetes-models and CRD bindings), reference
 * integrity, no inline Secret values, every ExternalSecret and key read by something, Argo CD Applications, and the problems of the derived objects (network
 * policies, policy exceptions, Ingresses). Registered once, when the platform layer is loaded; every
 * `PlatformGraph` runs it as a cdk8s validation, so `app.synth()`, `cdk8s synth` and `npm run synth` agree.
 */
export function platformChecks(graph: PlatformGraph): string[] {
  const env = graph.environment;
  if (!env) return [];
  const scope = graph.platformScope;
  const derived = prepareObjects(scope, false);
  if (derived.length > 0) return derived;
  const rendered = collectObjects(scope, env.name);
  const platform = rendered.filter((o) => o.path.startsWith(`${env.name}/`));
  return [
    ...timed('schema check', () => checkSchema(platform)),
    ...timed('reference checks', () => [
      ...checkReferences(platform, env),
      ...checkNoInlineSecrets(platform),
      ...checkExternalSecretsConsumed(platform),
      ...checkApplications(rendered, env.name),
      // Shared namespaces another environment owns (gitops.ownSharedNamespaces: false) are not created here.
      ...checkNamespaces(rendered, env.name, env.gitops.ownSharedNamespaces === false
        ? [...new Set(platform.map((o) => o.manifest.metadata?.namespace as string | undefined))].filter((ns): ns is string => !!ns && ns !== env.namespace)
        : []),
      // Argo CD never deletes data, and claim templates never carry what would refuse an image bump (core/protection.ts);
      // the claims' sync options are added when the Argo CD Applications prepare the objects, so only then.
      ...(rendered.some((o) => o.manifest.kind === 'Application')
        ? platform.flatMap((o) => volumeProtectionProblems(o.manifest, `environment '${env.name}', ${o.path}`)) : []),
    ]),
  ];
}

registerPlatformCheck(platformChecks);
