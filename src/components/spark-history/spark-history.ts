import { Construct } from 'constructs';
import { PlatformComponent, PlatformComponentProps } from '../../core/component';
import { ServiceDescriptor } from '../../core/graph';
import { Image } from '../../core/image';
import { toMebibytes } from '../../core/resources';
import { httpProbe } from '../../core/workload';
import { SPARK_LAKE_IMAGE } from '../iceberg/spark-lake-image';
import { MINIO_SERVICE, MINIO_DEFAULT_IMAGE } from '../minio/minio';

/** The history UI Service, as in the reference pack. */
export const SPARK_HISTORY_SERVICE: ServiceDescriptor<'history-ui'> = { component: 'spark-history', name: 'spark-history-server', ports: { 'history-ui': 18080 } };

/** The ConfigMap mounted as Spark's conf directory. */
export const SPARK_HISTORY_CONF = 'spark-history-conf';

/** The uid and gid of the `spark` user of the apache/spark images. */
export const SPARK_UID = 185;

/** Props of `SparkHistoryServer`. */
export interface SparkHistoryServerProps extends PlatformComponentProps {
  /**
   * The Spark image with hadoop-aws and its AWS SDK bundle in /opt/spark/jars (the S3A FileSystem for the
   * `s3a://` log directory); nothing is downloaded at start. Built from images/spark-lake (images/build.sh).
   * @default SPARK_LAKE_IMAGE ('harbor.254carbon.com/library/spark-lake:3.5.0-iceberg1.6.1.1')
   */
  readonly image?: string;
  /**
   * The MinIO client image of the init container that makes sure the event-log bucket exists.
   * @default MINIO_DEFAULT_IMAGE (the maintained MinIO build the MinIO component runs, which ships `mc`)
   */
  readonly clientImage?: string;
}

/**
 * The Spark History Server (Deployment and Service `spark-history-server`, ConfigMap `spark-history-conf`),
 * reading the event logs Spark applications write to MinIO (`s3a://<eventLogBucket>/`, claimed in the graph).
 *
 * Why the reference crash-looped, fixed here: it ran as uid 1000 with its `command` replacing the image's
 * entrypoint, so uid 1000 had no passwd entry and Hadoop's login failed at start ("invalid null input:
 * name"); it now runs as the image's `spark` user (185) through the entrypoint. Its conf also named
 * `log4j.properties` (Spark 3.5 reads log4j2) and `spark.history.admin.port` (no such setting), and its
 * `S3_ENDPOINT` variable is read by nothing: the S3A settings are now in `spark-defaults.conf`, and the
 * hadoop-aws jars, which the apache/spark image does not ship, are in the platform's spark-lake image (they were
 * fetched from Maven Central at every start before); an init container makes sure the log bucket exists (the
 * server exits when its log directory is missing). The PVC on a non-existent storage class is gone.
 */
export class SparkHistoryServer extends PlatformComponent {
  /** The event log directory applications must write to (`spark.eventLog.dir`). */
  public readonly eventLogDir: string;

  constructor(scope: Construct, id: string, props: SparkHistoryServerProps) {
    super(scope, id, 'spark-history', props);
    const env = props.environment;
    const cfg = env.components.sparkHistory;
    const image = Image.parse(props.image ?? SPARK_LAKE_IMAGE, this.where('image'));
    const mc = Image.parse(props.clientImage ?? MINIO_DEFAULT_IMAGE, this.where('clientImage'));
    const version = image.tag;
    const role = 'history';
    this.eventLogDir = `s3a://${cfg.eventLogBucket}/`;
    this.graph.claimBucket({ component: this.component, bucket: cfg.eventLogBucket, purpose: 'Spark event logs read by the history server' });
    const s3 = this.endpoint(MINIO_SERVICE, 'minio-api');
    const minioSecret = env.components.minio.rootCredentialsSecret;
    const credentials = {
      AWS_ACCESS_KEY_ID: this.externalSecretKeyRef(minioSecret, 'access-key'),
      AWS_SECRET_ACCESS_KEY: this.externalSecretKeyRef(minioSecret, 'secret-key'),
    };
    const port = SPARK_HISTORY_SERVICE.ports['history-ui'];
    const resources = this.resourcesFor(cfg.resources, 'resources');
    // The JVM heap: three quarters of the memory limit, leaving room for metaspace and buffers.
    const heapMiB = Math.floor(toMebibytes(resources.limits.memory) * 0.75);

    this.addConfigMap(SPARK_HISTORY_CONF, {
      'spark-defaults.conf': [
        `spark.history.fs.logDirectory ${this.eventLogDir}`,
        `spark.history.ui.port ${port}`,
        'spark.history.fs.update.interval 30s',
        'spark.history.fs.cleaner.enabled true',
        `spark.history.fs.cleaner.maxAge ${cfg.cleanerMaxAge}`,
        `spark.hadoop.fs.s3a.endpoint ${s3.url('http')}`,
        `spark.hadoop.fs.s3a.endpoint.region ${env.components.minio.region}`,
        'spark.hadoop.fs.s3a.path.style.access true',
        'spark.hadoop.fs.s3a.connection.ssl.enabled false',
        'spark.hadoop.fs.s3a.impl org.apache.hadoop.fs.s3a.S3AFileSystem',
        'spark.hadoop.fs.s3a.aws.credentials.provider com.amazonaws.auth.EnvironmentVariableCredentialsProvider',
        'spark.hadoop.fs.s3a.buffer.dir /tmp/s3a',
        '',
      ].join('\n'),
      'log4j2.properties': [
        'rootLogger.level = info',
        'rootLogger.appenderRef.stdout.ref = console',
        'appender.console.type = Console',
        'appender.console.name = console',
        'appender.console.target = SYSTEM_ERR',
        'appender.console.layout.type = PatternLayout',
        'appender.console.layout.pattern = %d{yy/MM/dd HH:mm:ss} %p %c{1}: %m%n%ex',
        '',
      ].join('\n'),
    }, role, version);

    const selector = { app: SPARK_HISTORY_SERVICE.name };
    this.addService(SPARK_HISTORY_SERVICE, { selector, role, version });
    this.addDeployment({ name: SPARK_HISTORY_SERVICE.name, role, version, selector }, {
      replicas: 1,
      pod: {
        fsGroup: SPARK_UID,
        volumes: [{ name: 'spark-conf', configMap: { name: SPARK_HISTORY_CONF } }],
        initContainers: [{
          // The history server exits when its log directory does not exist; the bucket is also created by
          // MinIO's PostSync Job, which may run after this pod starts.
          name: 'ensure-event-log-bucket',
          image: mc,
          command: ['sh', '-c', [
            'set -eu',
            `until mc alias set platform ${s3.url('http')} "$AWS_ACCESS_KEY_ID" "$AWS_SECRET_ACCESS_KEY" >/dev/null; do echo waiting for MinIO; sleep 5; done`,
            `mc mb --ignore-existing platform/${cfg.eventLogBucket}`,
          ].join('\n')],
          env: { ...credentials, MC_CONFIG_DIR: '/tmp/.mc' },
          resources: env.resourcePresets.small,
          security: { uid: SPARK_UID, gid: SPARK_UID },
          writablePaths: ['/tmp'],
        }],
        containers: [{
          name: 'spark-history-server',
          image,
          // Through the image's entrypoint, which passes a command that is not driver/executor straight through
          // (exec "$@": no tini, no fake passwd entry, apache/spark-docker 3.5.0 entrypoint.sh); uid 185 is the image's
          // spark user, so Hadoop's login finds its passwd entry.
          args: ['/opt/spark/bin/spark-class', 'org.apache.spark.deploy.history.HistoryServer'],
          ports: { 'history-ui': port },
          env: {
            SPARK_DAEMON_MEMORY: `${heapMiB}m`,
            SPARK_USER: 'spark',
            ...credentials,
          },
          resources,
          security: { uid: SPARK_UID, gid: SPARK_UID },
          writablePaths: ['/tmp'],
          mounts: [{ name: 'spark-conf', mountPath: '/opt/spark/conf', readOnly: true }],
          startupProbe: httpProbe('/', 'history-ui', { periodSeconds: 5, failureThreshold: 36 }),
          livenessProbe: httpProbe('/', 'history-ui', { periodSeconds: 30, timeoutSeconds: 5 }),
          readinessProbe: httpProbe('/', 'history-ui', { periodSeconds: 10, timeoutSeconds: 5 }),
        }],
      },
    });
  }
}
