import { Construct } from 'constructs';
import { toYaml } from '../../core/yaml';
import { PlatformComponent, PlatformComponentProps } from '../../core/component';
import { ServiceDescriptor } from '../../core/graph';
import { Image } from '../../core/image';
import { httpProbe } from '../../core/workload';
import { publicHost } from '../../core/hosts';
import type { EnvironmentConfig } from '../../config/schema';
import { DATASOURCE_UIDS, platformDashboards } from './dashboards';

/** Grafana's Service (`grafana` in prod; other environments carry their `sharedObjectSuffix`) in Grafana's namespace. */
export function grafanaServiceFor(env: EnvironmentConfig): ServiceDescriptor<'grafana'> {
  return { component: 'grafana', name: `grafana${env.sharedObjectSuffix}`, namespace: env.components.grafana.namespace, ports: { grafana: 3000 } };
}

/** Props of `Grafana`. */
export interface GrafanaProps extends PlatformComponentProps {
  /**
   * The Grafana image (registry-qualified, pinned).
   * @default docker.io/grafana/grafana:10.4.2
   */
  readonly image?: string;
  /**
   * The Loki Service Grafana queries for logs (the one Fluent Bit ships to); no Loki datasource without it.
   * @default - no Loki datasource
   */
  readonly loki?: ServiceDescriptor<'http' | 'grpc'>;
  /**
   * The Velero Schedule whose age the overview dashboard shows.
   * @default - no backup panel
   */
  readonly backupSchedule?: string;
}

const UID = 472;
/** Where the provisioned dashboard files are mounted (outside the data volume). */
export const GRAFANA_DASHBOARD_DIR = '/etc/grafana/dashboards/platform';
const PROVISIONING = '/etc/grafana/provisioning';

/**
 * Grafana in its own namespace: Deployment and Service `grafana`, PVC `grafana-data`, a published endpoint on
 * `grafana.<domain>`, and ConfigMaps for `grafana.ini`, the provisioning files and the dashboards.
 *
 * Encoded remediations: the datasources (Prometheus, the environment's Loki) and the dashboard provider are
 * mounted as files in `provisioning/datasources/` and `provisioning/dashboards/`, where Grafana looks for
 * them (the old chart mounted them at the provisioning root, so nothing was provisioned), and the dashboards
 * are dashboard models rather than HTTP-API envelopes; the admin password is a reference to a Secret; the
 * auth proxy is off, so no request header logs anyone in; the database lives on a persistent volume.
 */
export class Grafana extends PlatformComponent {
  /** The Service of this environment's Grafana. */
  public readonly service: ServiceDescriptor<'grafana'>;
  /** Grafana's public host. */
  public readonly host: string;

  constructor(scope: Construct, id: string, props: GrafanaProps) {
    super(scope, id, 'grafana', props);
    const env = props.environment;
    const cfg = env.components.grafana;
    const image = Image.parse(props.image ?? 'docker.io/grafana/grafana:10.4.2', this.where('image'));
    const version = image.tag;
    const namespace = cfg.namespace;
    this.service = grafanaServiceFor(env);
    this.host = publicHost('grafana', env.domain);
    const name = this.service.name;
    const role = 'visualization';
    const names = {
      data: this.sharedName('grafana-data'),
      config: this.sharedName('grafana-config'),
      provisioning: this.sharedName('grafana-provisioning'),
      dashboards: this.sharedName('grafana-dashboards'),
    };

    const prometheus = this.externalEndpoint('prometheus');
    const datasources: Array<Record<string, unknown>> = [{
      name: 'Prometheus', uid: DATASOURCE_UIDS.prometheus, type: 'prometheus', access: 'proxy',
      url: prometheus.url('http'), isDefault: true, editable: false, jsonData: { timeInterval: env.components.monitoring.scrapeInterval },
    }];
    if (props.loki) {
      const loki = this.endpoint(props.loki, 'http');
      datasources.push({ name: 'Loki', uid: DATASOURCE_UIDS.loki, type: 'loki', access: 'proxy', url: loki.url('http'), isDefault: false, editable: false, jsonData: { maxLines: 1000 } });
    }
    const dashboards = platformDashboards({ namespace: this.ns, environment: env.name, backupSchedule: props.backupSchedule });
    const usable = props.loki ? dashboards : Object.fromEntries(Object.entries(dashboards).filter(([, d]) =>
      !JSON.stringify(d).includes(`"uid":"${DATASOURCE_UIDS.loki}"`)));

    this.addConfigMap(names.config, { 'grafana.ini': grafanaIni(this.host, cfg.singleSignOn ? GRAFANA_IDENTITY_HEADER : undefined) }, role, version, namespace);
    this.addConfigMap(names.provisioning, {
      'datasources.yaml': toYaml({ apiVersion: 1, datasources }),
      'dashboards.yaml': toYaml({
        apiVersion: 1,
        providers: [{
          name: 'data-platform', orgId: 1, folder: 'Data Platform', type: 'file', disableDeletion: true,
          allowUiUpdates: false, updateIntervalSeconds: 60, options: { path: GRAFANA_DASHBOARD_DIR, foldersFromFilesStructure: false },
        }],
      }),
    }, role, version, namespace);
    this.addConfigMap(names.dashboards, Object.fromEntries(Object.entries(usable).map(([f, d]) => [f, `${JSON.stringify(d, null, 2)}\n`])), role, version, namespace);
    this.addPersistentVolumeClaim({ name: names.data, role, version, namespace }, cfg.storage);

    const selector = { app: name };
    this.addService(this.service, { selector, role, version });
    this.addDeployment({ name, role, version, namespace, selector }, {
      replicas: 1,
      // One pod at a time: the volume is ReadWriteOnce and the SQLite database has a single writer.
      strategy: { type: 'Recreate' },
      pod: {
        fsGroup: UID,
        volumes: [
          { name: 'grafana-data', persistentVolumeClaim: { claimName: names.data } },
          { name: 'grafana-config', configMap: { name: names.config } },
          { name: 'provisioning-datasources', configMap: { name: names.provisioning, items: [{ key: 'datasources.yaml', path: 'platform.yaml' }] } },
          { name: 'provisioning-dashboards', configMap: { name: names.provisioning, items: [{ key: 'dashboards.yaml', path: 'platform.yaml' }] } },
          { name: 'dashboards', configMap: { name: names.dashboards } },
        ],
        containers: [{
          name: 'grafana',
          image,
          ports: { grafana: this.service.ports.grafana },
          env: {
            GF_PATHS_CONFIG: '/etc/grafana-config/grafana.ini',
            GF_PATHS_DATA: '/var/lib/grafana',
            GF_PATHS_PROVISIONING: PROVISIONING,
            GF_SECURITY_ADMIN_USER: 'admin',
            GF_SECURITY_ADMIN_PASSWORD: this.externalSecretKeyRef(cfg.adminPasswordSecret.name, cfg.adminPasswordSecret.key, namespace),
          },
          resources: this.resourcesFor(cfg.resources, 'resources'),
          security: { uid: UID, gid: UID },
          writablePaths: ['/tmp', '/var/log/grafana'],
          mounts: [
            { name: 'grafana-data', mountPath: '/var/lib/grafana' },
            { name: 'grafana-config', mountPath: '/etc/grafana-config', readOnly: true },
            { name: 'provisioning-datasources', mountPath: `${PROVISIONING}/datasources`, readOnly: true },
            { name: 'provisioning-dashboards', mountPath: `${PROVISIONING}/dashboards`, readOnly: true },
            { name: 'dashboards', mountPath: GRAFANA_DASHBOARD_DIR, readOnly: true },
          ],
          livenessProbe: httpProbe('/api/health', 'grafana', { initialDelaySeconds: 60, periodSeconds: 30, timeoutSeconds: 5 }),
          readinessProbe: httpProbe('/api/health', 'grafana', { initialDelaySeconds: 10, periodSeconds: 10, timeoutSeconds: 5 }),
        }],
      },
    });

    // Published on grafana.<domain> by the environment's Ingresses (like every user-facing endpoint).
    this.addDiscoverable({
      id: 'grafana', name: 'Grafana', category: 'monitoring', icon: 'activity',
      description: 'Dashboards and logs of the platform',
      service: this.service, port: 'grafana', health: { path: '/api/health' }, publicHost: 'grafana',
      identityHeader: cfg.singleSignOn ? GRAFANA_IDENTITY_HEADER : undefined,
    });
  }
}

/** The header Grafana's auth proxy trusts when `components.grafana.singleSignOn` is on. */
export const GRAFANA_IDENTITY_HEADER = 'X-WEBAUTH-USER';

/**
 * `grafana.ini`: login form with the admin user, no sign-up, no anonymous access, and no auth proxy unless an
 * identity header is given (single sign-on at the ingress; Grafana must then be reachable from the ingress only).
 */
export function grafanaIni(host: string, identityHeader?: string): string {
  return [
    '[server]',
    'http_port = 3000',
    `domain = ${host}`,
    `root_url = https://${host}/`,
    '',
    '[database]',
    'type = sqlite3',
    'path = grafana.db',
    '',
    '[analytics]',
    'check_for_updates = false',
    'reporting_enabled = false',
    '',
    '[security]',
    'disable_gravatar = true',
    'cookie_secure = true',
    'allow_embedding = true',
    '',
    '[users]',
    'allow_sign_up = false',
    'auto_assign_org = true',
    'auto_assign_org_role = Viewer',
    '',
    '[auth]',
    'disable_login_form = false',
    '',
    '[auth.anonymous]',
    'enabled = false',
    '',
    '[auth.basic]',
    'enabled = false',
    '',
    // No login by request header unless the ingress sets it and nothing else reaches the Service (network
    // policy): anything that can reach the Service could otherwise claim any user.
    '[auth.proxy]',
    ...(identityHeader ? ['enabled = true', `header_name = ${identityHeader}`, 'header_property = username', 'auto_sign_up = true'] : ['enabled = false']),
    '',
    '[log]',
    'mode = console',
    'level = info',
    '',
  ].join('\n');
}
