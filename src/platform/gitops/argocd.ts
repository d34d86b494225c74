import { ApiObject, Chart } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { Application, ApplicationProps } from '../../../imports/argoproj.io';
import { BUILT_IN_GROUPS } from '../checks/schema';
import { podSpecOf } from '../checks/pods';
import type { PlatformComponent } from '../../core/component';
import { PlatformConfigError, PlatformValidationError } from '../../core/errors';
import type { PlatformGraph } from '../../core/graph';
import { MANAGED_BY, PART_OF } from '../../core/labels';
import type { EnvironmentConfig } from '../../config/schema';
import { DependencyReason, planSyncWaves, WavePlan } from './waves';
import { compareStrings } from '../../core/order';
import { manifestOf, objectAnnotations } from '../../core/manifest';
import { KEEP_VOLUME_SYNC_OPTIONS } from '../../core/protection';

/** Argo CD annotation keys. */
export const ARGOCD = {
  syncWave: 'argocd.argoproj.io/sync-wave',
  syncOptions: 'argocd.argoproj.io/sync-options',
  hook: 'argocd.argoproj.io/hook',
  hookDeletePolicy: 'argocd.argoproj.io/hook-delete-policy',
  resourcesFinalizer: 'resources-finalizer.argocd.argoproj.io',
} as const;

/** The component name (output folder `charts-out/<env>/namespaces/`) of the Application owning the namespaces. */
export const NAMESPACES_COMPONENT = 'namespaces';

/**
 * Pod Security Admission labels of the environment's namespace: enforce `baseline`, warn and audit `restricted`
 * (issue 15 point 9). The version is pinned to the Kubernetes minor the platform targets, so a cluster upgrade
 * does not tighten the enforced profile unannounced.
 */
export const POD_SECURITY_LABELS: Readonly<Record<string, string>> = {
  'pod-security.kubernetes.io/enforce': 'baseline',
  'pod-security.kubernetes.io/enforce-version': 'v1.28',
  'pod-security.kubernetes.io/warn': 'restricted',
  'pod-security.kubernetes.io/warn-version': 'v1.28',
  'pod-security.kubernetes.io/audit': 'restricted',
  'pod-security.kubernetes.io/audit-version': 'v1.28',
};

/** Annotation on each child Application listing the components it waits for (for reviewers; Argo CD ignores it). */
export const DEPENDS_ON_ANNOTATION = 'platform.254carbon.com/depends-on';

/**
 * Application names of the reference pack, by component name: Argo CD adopts an existing Application with the
 * same name instead of creating a second owner for the same objects. Components not listed use their own name.
 */
export const REFERENCE_APPLICATION_NAMES: Readonly<Record<string, string>> = {
  'portal-services': 'portal-services',
  'graphql-gateway': 'api-gateway',
  'api-gateway': 'api-gateway',
  'gateway': 'api-gateway',
  'monitoring': 'monitoring',
  'platform-policies': 'platform-policies',
  'kyverno-policies': 'platform-policies',
  'policies': 'platform-policies',
};

/** The reference waves kept where the graph allows: only the offset is anchored, the order is the graph's. */
export const REFERENCE_WAVE_ANCHORS: Readonly<Record<string, number>> = { 'portal-services': -4 };

/** Props of `ArgoCdApplications`. */
export interface ArgoCdApplicationsProps {
  /** The environment the Applications deploy. */
  readonly environment: EnvironmentConfig;
  /** The environment's dependency graph (edges recorded by `endpoint()` / `secretKeyRef()`). */
  readonly graph: PlatformGraph;
  /** The component charts, one child Application each. */
  readonly components: readonly PlatformComponent[];
  /**
   * The Git repository holding `charts-out/`.
   * @default - the environment's `gitops.repoURL`; without either, the construct fails (PlatformConfigError)
   */
  readonly repoURL?: string;
  /**
   * The revision every Application tracks.
   * @default - the environment's `gitops.targetRevision`, else 'main'
   */
  readonly targetRevision?: string;
  /**
   * The Argo CD project.
   * @default 'production' (the reference AppProject)
   */
  readonly project?: string;
  /**
   * The namespace Argo CD watches for Applications.
   * @default 'argocd'
   */
  readonly argocdNamespace?: string;
  /**
   * The destination cluster.
   * @default 'https://kubernetes.default.svc'
   */
  readonly destinationServer?: string;
  /**
   * The path of the output directory inside the repository.
   * @default 'charts-out'
   */
  readonly outputPath?: string;
  /**
   * The root Application's name (before the environment's `sharedObjectSuffix`).
   * @default 'data-platform' (the reference umbrella Application, adopted as the root)
   */
  readonly rootName?: string;
  /**
   * Application names by component (before the environment's suffix).
   * @default REFERENCE_APPLICATION_NAMES
   */
  readonly applicationNames?: Readonly<Record<string, string>>;
  /**
   * Components whose wave is fixed; the first one present sets the offset of every wave.
   * @default REFERENCE_WAVE_ANCHORS (portal-services at -4)
   */
  readonly waveAnchors?: Readonly<Record<string, number>>;
  /**
   * The wave of components without dependencies when no anchor is present.
   * @default -6
   */
  readonly baseWave?: number;
  /**
   * Retry of a failed sync (a custom resource whose CRD is not installed yet fails until it is).
   * @default 10 attempts, backoff 5s doubling up to 3m
   */
  readonly retryLimit?: number;
}

/** A Chart written to a folder of its own rather than `<env>/<component>/` (see `renderApp`). */
export class FolderChart extends Chart {
  /** The folder under charts-out/, e.g. `argocd/prod`. */
  public readonly outputFolder: string;

  constructor(scope: Construct, id: string, outputFolder: string, namespace?: string) {
    super(scope, id, { namespace, disableResourceNameHashes: true });
    this.outputFolder = outputFolder;
  }
}

/** What the Argo CD preparation learned about one component's objects. */
interface ComponentFacts {
  /** API groups of the CRDs it installs. */
  readonly crdGroups: Set<string>;
  /** API groups of the custom resources it creates. */
  readonly customGroups: Set<string>;
}

/**
 * The GitOps delivery of one environment, an app-of-apps:
 * - `charts-out/argocd/<env>/`: one child Application per component, pointing at `charts-out/<env>/<component>/`
 *   (plain directory), automated prune and self-heal, `CreateNamespace=true`, retry with backoff and the
 *   resources finalizer, in a sync wave derived from the dependency graph (providers first; a cycle fails);
 * - `charts-out/argocd/<env>/bootstrap/`: the root Application pointing at `charts-out/argocd/<env>/`
 *   (not recursive, so it does not manage itself), applied once by hand.
 *
 * It also prepares the component objects for Argo CD, generically for any component: a Namespace object is
 * never deleted or pruned by Argo CD (`Delete=false,Prune=false`); custom resources get
 * `SkipDryRunOnMissingResource=true` (their CRD may come from another Application) and the component that
 * installs a CRD syncs before the components using it; a Job without a hook becomes a `Sync` hook and every
 * hook gets a delete policy, so self-heal never re-creates a Job a TTL deleted; a `PreSync` hook that needs an
 * object of its own Application that is not itself a PreSync hook fails the synth (it would wait forever on
 * the first sync).
 */
export class ArgoCdApplications extends Construct {
  /**
   * Child Applications by component. (Typed as cdk8s `ApiObject`s: the generated Argo CD import classes are not
   * part of the package's API; `toJson()`, `addJsonPatch()` and `metadata` are what a consumer uses.)
   */
  public readonly applications: ReadonlyMap<string, ApiObject>;
  /** The root Application. */
  public readonly root: ApiObject;
  /** Waves and dependencies per component. */
  public readonly plan: WavePlan;
  /** The chart of the child Applications (`argocd/<env>`). */
  public readonly childrenChart: Chart;
  /** The chart of the root Application (`argocd/<env>/bootstrap`). */
  public readonly bootstrapChart: Chart;
  /**
   * The chart of the Namespace objects (`<env>/namespaces`), filled when the App is complete.
   * @internal
   */
  public readonly namespacesChart: NamespacesChart;
  /** The Application owning the namespaces, one wave before every other. */
  public readonly namespacesApplication: ApiObject;

  constructor(scope: Construct, id: string, props: ArgoCdApplicationsProps) {
    super(scope, id);
    const env = props.environment;
    const where = `environment '${env.name}'`;
    const argocdNs = props.argocdNamespace ?? 'argocd';
    const outputPath = (props.outputPath ?? 'charts-out').replace(/\/+$/, '');
    const suffix = env.sharedObjectSuffix;
    const names = props.applicationNames ?? REFERENCE_APPLICATION_NAMES;
    const repoUrl = props.repoURL ?? env.gitops.repoURL;
    if (repoUrl === undefined) {
      throw new PlatformConfigError(`${where}, gitops.repoURL`,
        'no Git repository is given for the Argo CD Applications (the repository holding charts-out/)',
        "set gitops.repoURL in the environment values (e.g. 'https://git.example.com/team/platform.git') or pass repoURL in the ArgoCdApplications props (DataPlatform: gitops: { repoURL })");
    }
    const source = {
      repoUrl,
      targetRevision: props.targetRevision ?? env.gitops.targetRevision ?? 'main',
    };
    const destinationServer = props.destinationServer ?? 'https://kubernetes.default.svc';
    const project = props.project ?? 'production';
    const labels = { 'app.kubernetes.io/part-of': PART_OF, 'app.kubernetes.io/managed-by': MANAGED_BY };

    const problems: string[] = [];
    const facts = new Map<string, ComponentFacts>();
    for (const c of props.components) facts.set(c.component, prepareObjects(c, problems));
    if (problems.length > 0) throw new PlatformValidationError(`${where}: objects not ready for Argo CD`, problems);

    const internal = props.graph.edges.filter((e) => e.to !== 'external');
    const hard = internal.filter((e) => !e.soft);
    const reaches = (from: string, to: string): boolean => {
      const seen = new Set<string>([from]);
      const queue = [from];
      while (queue.length > 0) {
        const cur = queue.shift()!;
        if (cur === to) return true;
        for (const e of hard) if (e.from === cur && !seen.has(e.to)) { seen.add(e.to); queue.push(e.to); }
      }
      return false;
    };
    // A soft edge (a runtime link such as a registry health check) orders waves unless its provider needs
    // the consumer to start (then the hard dependency wins and no cycle is made).
    const reasons: DependencyReason[] = internal
      .filter((e) => !e.soft || !reaches(e.to, e.from))
      .map((e) => ({ from: e.from, to: e.to, what: `${e.kind} ${e.target}${e.detail ? `:${e.detail}` : ''}${e.soft ? ' (runtime link)' : ''}` }));
    for (const [user, f] of facts) {
      for (const group of f.customGroups) {
        for (const [provider, p] of facts) {
          if (provider !== user && p.crdGroups.has(group)) reasons.push({ from: user, to: provider, what: `CRDs of ${group}` });
        }
      }
    }
    this.plan = planSyncWaves(props.components.map((c) => c.component), reasons, {
      anchors: props.waveAnchors ?? REFERENCE_WAVE_ANCHORS,
      baseWave: props.baseWave ?? -6,
      where,
    });

    const appName = (component: string) => `${names[component] ?? component}${suffix}`;
    const seen = new Map<string, string>();
    for (const c of props.components) {
      const name = appName(c.component);
      if (seen.has(name)) {
        problems.push(`components '${seen.get(name)}' and '${c.component}' would both be Application '${name}'. Fix: give one of them another name in applicationNames`);
      }
      seen.set(name, c.component);
    }
    if (seen.has(appName(NAMESPACES_COMPONENT)) || props.components.some((c) => c.component === NAMESPACES_COMPONENT)) {
      problems.push(`a component is named or would be Application '${appName(NAMESPACES_COMPONENT)}', the Application owning the namespaces. Fix: rename the component`);
    }
    if (problems.length > 0) throw new PlatformValidationError(`${where}: Application names`, problems);

    this.childrenChart = new FolderChart(this, 'children', `argocd/${env.name}`, argocdNs);
    this.bootstrapChart = new FolderChart(this, 'bootstrap', `argocd/${env.name}/bootstrap`, argocdNs);
    const retry = { limit: props.retryLimit ?? 10, backoff: { duration: '5s', factor: 2, maxDuration: '3m' } };

    const apps = new Map<string, Application>();
    for (const c of [...props.components].sort((a, b) => compareStrings(a.component, b.component))) {
      const deps = this.plan.dependencies.get(c.component) ?? [];
      const spec: ApplicationProps = {
        metadata: {
          name: appName(c.component),
          labels,
          annotations: {
            [ARGOCD.syncWave]: String(this.plan.waves.get(c.component)),
            ...(deps.length ? { [DEPENDS_ON_ANNOTATION]: deps.join(',') } : {}),
          },
          finalizers: [ARGOCD.resourcesFinalizer],
        },
        spec: {
          project,
          // No `directory: {recurse: false}` and no `CreateNamespace=true`: see the namespaces Application below.
          source: { ...source, path: `${outputPath}/${env.name}/${c.component}` },
          destination: { server: destinationServer, namespace: env.namespace },
          syncPolicy: {
            automated: { prune: true, selfHeal: true, allowEmpty: false },
            retry,
          },
        },
      };
      apps.set(c.component, new Application(this.childrenChart, `Application.${c.component}`, spec));
    }
    this.applications = apps;

    // The namespaces: one Application, one wave before every other, owns a Namespace object for every namespace
    // the environment's objects are written to (its own namespace with the Pod Security labels; the shared ones
    // unless another environment owns them). Children do not `CreateNamespace` (eight first-wave children
    // creating the same namespace raced: "namespaces ... already exists"), and a namespace nothing creates
    // ("namespaces "velero" not found") cannot happen. Each Namespace is `Delete=false,Prune=false`, so
    // deleting or pruning the Application never deletes a namespace (and what is in it).
    const firstWave = Math.min(...[...this.plan.waves.values()]);
    this.namespacesChart = new NamespacesChart(this, 'namespaces', env, props.components, labels);
    this.namespacesApplication = new Application(this.childrenChart, `Application.${NAMESPACES_COMPONENT}`, {
      metadata: {
        name: appName(NAMESPACES_COMPONENT),
        labels,
        annotations: { [ARGOCD.syncWave]: String((Number.isFinite(firstWave) ? firstWave : props.baseWave ?? -6) - 1) },
        finalizers: [ARGOCD.resourcesFinalizer],
      },
      spec: {
        project,
        source: { ...source, path: `${outputPath}/${env.name}/${NAMESPACES_COMPONENT}` },
        destination: { server: destinationServer, namespace: env.namespace },
        syncPolicy: { automated: { prune: true, selfHeal: true, allowEmpty: false }, retry },
      },
    });

    // The root: no resources finalizer, so deleting it orphans the children instead of cascading through every
    // component; it lives in a subfolder its own (non-recursive) source does not read.
    this.root = new Application(this.bootstrapChart, 'Application.root', {
      metadata: { name: `${props.rootName ?? 'data-platform'}${suffix}`, labels },
      spec: {
        project,
        // Not recursive (Argo CD's default; spelling out `recurse: false` is a zero value the controller strips).
        source: { ...source, path: `${outputPath}/argocd/${env.name}` },
        destination: { server: destinationServer, namespace: argocdNs },
        syncPolicy: { automated: { prune: true, selfHeal: true, allowEmpty: false }, retry },
      },
    });
  }
}

/**
 * The Namespace objects of one environment (`charts-out/<env>/namespaces/`). They are derived from the rendered
 * objects of every component, so they are made in `prepareForSynth` (after the charts that generate objects at
 * render time, such as the policy exceptions).
 */
export class NamespacesChart extends FolderChart {
  /** The namespaces owned, sorted (set by `prepareForSynth`). */
  public owned: readonly string[] = [];
  /** Namespaces written to but left to the environment that owns the shared namespaces. */
  public notOwned: readonly string[] = [];
  private prepared = false;

  constructor(scope: Construct, id: string, private readonly env: EnvironmentConfig,
    private readonly components: readonly PlatformComponent[], private readonly commonLabels: Record<string, string>) {
    super(scope, id, `${env.name}/${NAMESPACES_COMPONENT}`); // cluster-scoped objects: no namespace
  }

  /** Creates the Namespace objects once every component's objects exist. */
  public prepareForSynth(): void {
    if (this.prepared) return;
    this.prepared = true;
    // Objects generated at render time (policy exceptions, network policies) first: their namespaces count.
    for (const c of this.components) (c as { prepareForSynth?: () => void }).prepareForSynth?.();
    const used = new Set<string>([this.env.namespace]);
    const byComponent = new Set<string>(); // a component that creates a Namespace object owns it (one owner)
    for (const c of this.components) {
      for (const o of c.node.findAll().filter(ApiObject.isApiObject)) {
        if (o.kind === 'Namespace') { byComponent.add(o.name); continue; }
        const ns = manifestOf(o).metadata?.namespace;
        if (typeof ns === 'string' && ns) used.add(ns);
      }
    }
    const own = this.env.gitops.ownSharedNamespaces !== false;
    const all = [...used].sort(compareStrings);
    this.owned = all.filter((ns) => !byComponent.has(ns) && (ns === this.env.namespace || own));
    this.notOwned = all.filter((ns) => !this.owned.includes(ns) && !byComponent.has(ns));
    for (const ns of this.owned) {
      new k8s.KubeNamespace(this, `Namespace.${ns}`, {
        metadata: {
          name: ns,
          labels: {
            'app.kubernetes.io/name': ns,
            ...this.commonLabels,
            ...(ns === this.env.namespace ? POD_SECURITY_LABELS : {}),
          },
          annotations: { [ARGOCD.syncOptions]: 'Delete=false,Prune=false' },
        },
      });
    }
  }
}

const optionList = (value: string | undefined) => (value ?? '').split(',').map((s) => s.trim()).filter(Boolean);

/** Adds sync options to an object's `argocd.argoproj.io/sync-options` annotation unless already set. */
function addSyncOptions(obj: ApiObject, annotations: Record<string, string>, options: readonly string[]): void {
  const current = optionList(annotations[ARGOCD.syncOptions]);
  const keys = new Set(current.map((o) => o.split('=')[0]));
  const merged = [...current, ...options.filter((o) => !keys.has(o.split('=')[0]))];
  if (merged.length !== current.length) obj.metadata.addAnnotation(ARGOCD.syncOptions, merged.join(','));
}

const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.split('/')[0] : '');

/** Prepares one component's objects for Argo CD (see `ArgoCdApplications`); returns what it found. */
function prepareObjects(component: PlatformComponent, problems: string[]): ComponentFacts {
  const facts: ComponentFacts = { crdGroups: new Set(), customGroups: new Set() };
  const objects = component.node.findAll().filter(ApiObject.isApiObject);
  // The annotations as the component set them (resolving metadata is not free: once per object).
  const annotations = new Map<ApiObject, Record<string, string>>(objects.map((o) => [o, objectAnnotations(o)]));
  const annotationsOf = (o: ApiObject): Record<string, string> => annotations.get(o)!;
  const preSyncNames = new Set<string>();
  const produced = new Set<string>();
  for (const o of objects) {
    const a = annotationsOf(o);
    if (optionList(a[ARGOCD.hook]).includes('PreSync')) preSyncNames.add(`${o.kind}/${o.name}`);
    else if (!a[ARGOCD.hook]) produced.add(`${o.kind}/${o.name}`);
  }
  for (const o of objects) {
    const a = annotationsOf(o);
    const group = groupOf(o.apiVersion);
    if (o.kind === 'Namespace') addSyncOptions(o, a, ['Delete=false', 'Prune=false']);
    // Argo CD never deletes data (src/core/protection.ts): every claim keeps its volume on prune and on deletion.
    if (o.kind === 'PersistentVolumeClaim') addSyncOptions(o, a, KEEP_VOLUME_SYNC_OPTIONS);
    if (o.kind === 'CustomResourceDefinition') {
      const crdGroup = o.toJson().spec?.group;
      if (crdGroup) facts.crdGroups.add(crdGroup);
    } else if (!BUILT_IN_GROUPS.has(group)) {
      facts.customGroups.add(group);
      addSyncOptions(o, a, ['SkipDryRunOnMissingResource=true']);
    }
    if (o.kind !== 'Job') continue;
    const hooks = optionList(a[ARGOCD.hook]);
    if (hooks.length === 0) o.metadata.addAnnotation(ARGOCD.hook, 'Sync');
    if (!a[ARGOCD.hookDeletePolicy]) o.metadata.addAnnotation(ARGOCD.hookDeletePolicy, 'BeforeHookCreation');
    if (!hooks.includes('PreSync')) continue;
    const pod = podSpecOf(o.toJson());
    const needs = pod ? podDependencies(pod) : [];
    for (const need of needs) {
      if (produced.has(need) && !preSyncNames.has(need)) {
        problems.push(`component '${component.component}': PreSync hook Job ${o.name} needs ${need}, which the same Application creates only after the PreSync phase, so the first sync would wait forever. Fix: make the Job a Sync hook in a later wave, or make ${need} a PreSync hook too`);
      }
    }
  }
  return facts;
}

/** ConfigMaps, Secrets, ServiceAccounts and PersistentVolumeClaims a pod needs, as `Kind/name`. */
function podDependencies(pod: Record<string, any>): string[] {
  const out = new Set<string>();
  if (pod.serviceAccountName) out.add(`ServiceAccount/${pod.serviceAccountName}`);
  for (const c of [...(pod.initContainers ?? []), ...(pod.containers ?? [])]) {
    for (const e of c.env ?? []) {
      if (e.valueFrom?.secretKeyRef && !e.valueFrom.secretKeyRef.optional) out.add(`Secret/${e.valueFrom.secretKeyRef.name}`);
      if (e.valueFrom?.configMapKeyRef && !e.valueFrom.configMapKeyRef.optional) out.add(`ConfigMap/${e.valueFrom.configMapKeyRef.name}`);
    }
    for (const f of c.envFrom ?? []) {
      if (f.secretRef && !f.secretRef.optional) out.add(`Secret/${f.secretRef.name}`);
      if (f.configMapRef && !f.configMapRef.optional) out.add(`ConfigMap/${f.configMapRef.name}`);
    }
  }
  for (const v of pod.volumes ?? []) {
    if (v.secret && !v.secret.optional) out.add(`Secret/${v.secret.secretName}`);
    if (v.configMap && !v.configMap.optional) out.add(`ConfigMap/${v.configMap.name}`);
    if (v.persistentVolumeClaim) out.add(`PersistentVolumeClaim/${v.persistentVolumeClaim.claimName}`);
    for (const s of v.projected?.sources ?? []) {
      if (s.secret && !s.secret.optional) out.add(`Secret/${s.secret.name}`);
      if (s.configMap && !s.configMap.optional) out.add(`ConfigMap/${s.configMap.name}`);
    }
  }
  return [...out].sort();
}
