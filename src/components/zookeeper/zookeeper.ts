import { Construct } from 'constructs';
import { PlatformComponent, PlatformComponentProps } from '../../core/component';
import { ServiceDescriptor } from '../../core/graph';
import { Image } from '../../core/image';
import { podFqdn } from '../../core/names';
import { execProbe } from '../../core/workload';
import { PlatformConfigError } from '../../core/errors';

/** The ZooKeeper client Service: `zookeeper-service`, headless, as in the reference pack. */
export const ZOOKEEPER_SERVICE: ServiceDescriptor<'client' | 'server' | 'leader-election'> = {
  component: 'zookeeper',
  name: 'zookeeper-service',
  ports: { 'client': 2181, 'server': 2888, 'leader-election': 3888 },
};

/** Props of `ZooKeeper`. */
export interface ZooKeeperProps extends PlatformComponentProps {
  /**
   * The image; DolphinScheduler 3.x needs ZooKeeper 3.5 or later.
   * @default docker.io/library/zookeeper:3.8.4
   */
  readonly image?: string;
}

/** The ZooKeeper image the platform runs by default. */
export const DEFAULT_ZOOKEEPER_IMAGE = 'docker.io/library/zookeeper:3.8.4';

const UID = 1000; // the official image's `zookeeper` user

/**
 * ZooKeeper, the registry of DolphinScheduler: a StatefulSet `zookeeper` behind the headless Service
 * `zookeeper-service` (client 2181, server 2888, leader election 3888), on persistent volumes of the
 * environment's storage class, fully restricted (uid 1000, read-only root filesystem).
 */
export class ZooKeeper extends PlatformComponent {
  /** The Service consumers connect to. */
  public static readonly SERVICE = ZOOKEEPER_SERVICE;

  /** The ZooKeeper version that runs. */
  public readonly version: string;

  constructor(scope: Construct, id: string, props: ZooKeeperProps) {
    super(scope, id, 'zookeeper', props);
    const cfg = props.environment.components.zookeeper;
    const image = Image.parse(props.image ?? DEFAULT_ZOOKEEPER_IMAGE, this.where('image'));
    const [major, minor] = image.tag.split('.').map((n) => parseInt(n, 10));
    if (!(major > 3 || (major === 3 && minor >= 5))) {
      throw new PlatformConfigError(this.where('image'), `ZooKeeper ${image.tag} is older than 3.5, which DolphinScheduler 3.x needs`, 'use zookeeper 3.8 or later');
    }
    this.version = image.tag;
    const identity = { name: 'zookeeper', role: 'coordination', version: this.version, selector: { app: 'zookeeper' } };
    const servers = Array.from({ length: cfg.replicas }, (_, i) =>
      `server.${i + 1}=${podFqdn(`zookeeper-${i}`, ZOOKEEPER_SERVICE.name, this.ns)}:${ZOOKEEPER_SERVICE.ports.server}:${ZOOKEEPER_SERVICE.ports['leader-election']};${ZOOKEEPER_SERVICE.ports.client}`);
    const ruok = execProbe(['sh', '-c', `echo ruok | nc -w 2 127.0.0.1 ${ZOOKEEPER_SERVICE.ports.client} | grep imok`], {});

    this.addService(ZOOKEEPER_SERVICE, { selector: identity.selector, role: identity.role, version: this.version, headless: true, publishNotReadyAddresses: true });
    this.addStatefulSet(identity, {
      replicas: cfg.replicas,
      serviceName: ZOOKEEPER_SERVICE.name,
      // podManagementPolicy and revisionHistoryLimit stay at the server's defaults (OrderedReady, 10): the live
      // StatefulSet (k8s/zookeeper in the reference) was created with them and they cannot change in place.
      // OrderedReady starts the members one by one; each turns ready on `ruok`, which a member answers before it
      // has a quorum, so an ensemble still forms.
      volumeClaims: [{ name: 'data', size: cfg.storage.data }, { name: 'datalog', size: cfg.storage.datalog }],
      pod: {
        fsGroup: UID,
        containers: [{
          name: 'zookeeper',
          image,
          // The server id is the pod's ordinal + 1, so one template serves every member of the ensemble.
          command: ['bash', '-c', 'export ZOO_MY_ID=$((${HOSTNAME##*-} + 1)) && exec /docker-entrypoint.sh zkServer.sh start-foreground'],
          ports: { ...ZOOKEEPER_SERVICE.ports },
          env: {
            ZOO_SERVERS: servers.join(' '),
            ZOO_STANDALONE_ENABLED: cfg.replicas === 1 ? 'true' : 'false',
            ZOO_ADMINSERVER_ENABLED: 'false',
            ZOO_4LW_COMMANDS_WHITELIST: 'srvr,mntr,ruok,stat',
            ZOO_TICK_TIME: '2000',
            ZOO_INIT_LIMIT: '10',
            ZOO_SYNC_LIMIT: '5',
            ZOO_MAX_CLIENT_CNXNS: '60',
            ZOO_AUTOPURGE_PURGEINTERVAL: '24',
            ZOO_AUTOPURGE_SNAPRETAINCOUNT: '3',
          },
          resources: this.resourcesFor(cfg.resources, 'resources'),
          security: { uid: UID, gid: UID },
          // The entrypoint writes zoo.cfg into /conf and logs into /logs; data and datalog are volumes.
          writablePaths: ['/conf', '/logs', '/tmp'],
          mounts: [{ name: 'data', mountPath: '/data' }, { name: 'datalog', mountPath: '/datalog' }],
          livenessProbe: { ...ruok, initialDelaySeconds: 30, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 },
          readinessProbe: { ...ruok, initialDelaySeconds: 10, periodSeconds: 5, timeoutSeconds: 5, failureThreshold: 6 },
        }],
      },
    });
  }
}
