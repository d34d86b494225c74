import { App } from 'cdk8s';
import { GraphqlGateway } from '../src/components/api-gateway/graphql-gateway';
import { PlatformConfigError, PlatformValidationError } from '../src/core/errors';
import { loadEnvironment } from '../src/config/values';
import { renderApp } from '../src/output/render';
import { DataPlatform } from '../src/platform/data-platform';
import { ENVS, envOf, find, NAMESPACES, objectsOf, podOf, restrictedContext, synthError } from './util';


describe('GraphqlGateway', () => {
  test.each(ENVS)("regression: the gateway points at the portal's FQDN (%s)", (env) => {
    const c = podOf(find(objectsOf(env), 'Deployment', 'graphql-gateway')).containers[0];
    expect(c.args).toEqual(['proxy', `http://portal-services.${NAMESPACES[env]}.svc.cluster.local:8080/graphql`]);
  });

  test.each(ENVS)('regression: ordered after portal-services: the gateway depends on it in the graph the sync waves come from (%s)', (env) => {
    const platform = new DataPlatform(new App(), env, { environment: loadEnvironment(env) });
    expect(platform.graph.dependenciesOf('api-gateway')).toEqual(['portal-services']);
    expect(platform.graph.dependenciesOf('portal-services')).not.toContain('api-gateway');
  });

  test.each(ENVS)('regression: installs nothing at start: no init container, no npm, no inline server, a maintained image (%s)', (env) => {
    const d = find(objectsOf(env), 'Deployment', 'graphql-gateway');
    const pod = podOf(d);
    expect(pod.initContainers).toBeUndefined();
    expect(pod.containers).toHaveLength(1);
    const c = pod.containers[0];
    expect(c.command).toBeUndefined();
    expect(c.image).toBe('ghcr.io/graphql-hive/gateway:2.1.19');
    expect(JSON.stringify(d)).not.toMatch(/npm install|node:18|server\.js|require\(/);
  });

  test.each(ENVS)('regression: its upstreams are only services deployed in the environment (no DataHub) (%s)', (env) => {
    const objs = objectsOf(env);
    const d = find(objs, 'Deployment', 'graphql-gateway');
    expect(JSON.stringify(d)).not.toMatch(/datahub/i);
    const urls = podOf(d).containers[0].args.filter((a: string) => a.startsWith('http'));
    expect(urls).toHaveLength(1);
    for (const u of urls) {
      const host = new URL(u).hostname;
      const [svc, ns] = host.split('.');
      expect(find(objs, 'Service', svc).metadata.namespace).toBe(ns);
    }
  });

  test('an upstream that is not deployed fails the synth', () => {
    const environment = loadEnvironment('prod');
    const app = new App();
    new GraphqlGateway(app, 'gw', { environment, upstream: { service: { component: 'datahub', name: 'datahub-gms', ports: { http: 8080 } }, port: 'http', path: '/api/graphql' } });
    // Only the gateway is in this App: the reference check must reject an address of a Service nobody synthesizes.
    expect(() => renderApp(app, 'prod')).toThrow(/points at datahub-gms\.data-platform\.svc\.cluster\.local, but no Service data-platform\/datahub-gms is synthesized/);
  });

  test.each(ENVS)('regression: hardened like the portal (uid 1000, restricted, no deviation), probes, selector and port of the reference (%s)', (env) => {
    const objs = objectsOf(env);
    const d = find(objs, 'Deployment', 'graphql-gateway');
    const pod = podOf(d);
    const c = pod.containers[0];
    expect(c.securityContext).toEqual(restrictedContext(1000));
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(c.livenessProbe.httpGet).toEqual({ path: '/healthcheck', port: 'http', scheme: 'HTTP' });
    expect(c.readinessProbe.httpGet).toEqual({ path: '/readiness', port: 'http', scheme: 'HTTP' });
    expect(c.startupProbe.httpGet.path).toBe('/healthcheck');
    expect(envOf(c, 'PORT')).toBe('4000');
    expect(envOf(c, 'FORK')).toBe('1');
    expect(d.spec.selector.matchLabels).toEqual({ app: 'graphql-gateway' });
    expect(pod.containers[0].ports).toEqual([{ name: 'http', containerPort: 4000, protocol: 'TCP' }]);
    const svc = find(objs, 'Service', 'graphql-gateway');
    expect(svc.spec.selector).toEqual({ app: 'graphql-gateway' });
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 4000, targetPort: 4000, protocol: 'TCP' }]);
    const platform = new DataPlatform(new App(), env, { environment: loadEnvironment(env) });
    const w = platform.graph.workloads.find((x) => x.name === 'graphql-gateway')!;
    expect(w.containers.flatMap((x) => x.deviations)).toEqual([]);
  });

  test.each([['dev', 1], ['staging', 1], ['prod', 2]] as const)('regression: a non-zero replica count from the environment (%s)', (env, n) => {
    const objs = objectsOf(env);
    expect(find(objs, 'Deployment', 'graphql-gateway').spec.replicas).toBe(n);
    const pdb = objs.find((o) => o.manifest.kind === 'PodDisruptionBudget' && o.component === 'api-gateway');
    expect(pdb !== undefined).toBe(n > 1);
  });

  test('bad input: zero gateway replicas fail, naming the key', () => {
    const err = synthError('prod', { components: { apiGateway: { replicas: 0 } } });
    expect(err).toBeInstanceOf(PlatformValidationError);
    expect(err.message).toContain('components.apiGateway.replicas');
    expect(err.message).toContain('Fix:');
  });

  test.each([
    ['graphql-hive/gateway:2.1.19', 'has no registry host'],
    ['ghcr.io/graphql-hive/gateway', 'has no tag'],
    ['ghcr.io/graphql-hive/gateway:latest', "uses the tag 'latest'"],
  ])('bad input: gateway image %s fails the synth naming the image', (image, problem) => {
    const err = synthError('dev', { components: { apiGateway: { image } } });
    expect(err).toBeInstanceOf(PlatformConfigError);
    expect(err.message).toContain("environment 'dev', component 'api-gateway', components.apiGateway.image");
    expect(err.message).toContain(`image '${image}`);
    expect(err.message).toContain(problem);
  });
});
