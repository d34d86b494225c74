import { Construct } from 'constructs';
import { PlatformComponent, PlatformComponentProps } from '../../core/component';
import { checkCronSchedule } from '../../core/cron';
import { PlatformConfigError } from '../../core/errors';
import { Image } from '../../core/image';
import { parseQuantity, toMebibytes } from '../../core/resources';
import type { LogAlertGroup } from '../logging/log-alerts';
import { MINIO_SERVICE } from '../minio/minio';
import { ICEBERG_REST_SERVICE } from './rest-catalog';
import { SPARK_LAKE_ICEBERG_VERSION, SPARK_LAKE_IMAGE } from './spark-lake-image';
import { icebergWarehouse, IcebergWarehouse } from './warehouse';

/** Props of `IcebergCompactionJob`. */
export interface IcebergCompactionJobProps extends PlatformComponentProps {
  /**
   * The Spark image with the Iceberg runtime, the Iceberg AWS bundle and hadoop-aws in /opt/spark/jars (uid 185);
   * nothing is downloaded at start. Built from images/spark-lake (images/build.sh).
   * @default SPARK_LAKE_IMAGE ('harbor.254carbon.com/library/spark-lake:3.5.0-iceberg1.6.1.1')
   */
  readonly image?: string;
  /**
   * The Iceberg version the image ships (the `app.kubernetes.io/version` of the objects).
   * @default SPARK_LAKE_ICEBERG_VERSION ('1.6.1')
   */
  readonly icebergVersion?: string;
  /**
   * The cron schedule.
   * @default - components.iceberg.compaction.schedule of the environment ('0 2 * * *', daily at 02:00)
   */
  readonly schedule?: string;
  /**
   * Tables to maintain, as `namespace.table`.
   * @default - none (see namespaces)
   */
  readonly tables?: readonly string[];
  /**
   * Namespaces whose every table is maintained (listed at run time). With neither tables nor namespaces,
   * every table of every namespace of the catalog is maintained.
   * @default - none
   */
  readonly namespaces?: readonly string[];
  /**
   * The rewrite_data_files strategy.
   * @default 'binpack'
   */
  readonly strategy?: 'binpack' | 'sort';
  /**
   * The sort order of the `sort` strategy, e.g. `ts DESC NULLS LAST` or `zorder(a,b)`.
   * @default - the table's own sort order
   */
  readonly sortOrder?: string;
  /**
   * `target-file-size-bytes` of rewrite_data_files.
   * @default 536870912 (512 MiB)
   */
  readonly targetFileSizeBytes?: number;
  /**
   * expire_snapshots removes snapshots older than this many days...
   * @default 7
   */
  readonly snapshotRetentionDays?: number;
  /**
   * ...but always keeps this many of the latest snapshots.
   * @default 5
   */
  readonly retainLastSnapshots?: number;
  /**
   * remove_orphan_files deletes unreferenced files older than this many days (at least 1: younger files may
   * belong to writes in progress).
   * @default 3
   */
  readonly orphanFileRetentionDays?: number;
  /**
   * The warehouse shared with Trino and the REST catalog.
   * @default - icebergWarehouse(environment)
   */
  readonly warehouse?: IcebergWarehouse;
}

/** The name of the CronJob, as in the reference pack. */
export const ICEBERG_COMPACTION_JOB = 'iceberg-compaction';

const SPARK_UID = 185;
const CONTAINER = 'iceberg-compaction';
const CATALOG = 'lake';
const SCRIPT_DIR = '/opt/iceberg-compaction';
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const VERSION = /^\d+\.\d+\.\d+$/;

/**
 * The maintenance run that calls, for each configured table (or every table of the configured namespaces),
 * Spark's Iceberg procedures `rewrite_data_files`, `expire_snapshots` and `remove_orphan_files` on the REST
 * catalog. The script is plain PySpark shipped in a ConfigMap; the jars are in the image (images/spark-lake), so
 * nothing is downloaded at start.
 *
 * Storage, per procedure (Iceberg 1.6.1, spark/v3.5 actions): rewrite_data_files and expire_snapshots read, write and
 * delete through the table's FileIO (S3FileIO on MinIO: `s3.endpoint`, path-style access); remove_orphan_files lists
 * the table location through the Hadoop FileSystem (`DeleteOrphanFilesSparkAction.listDirRecursively`,
 * `path.getFileSystem(conf)`), so `s3://` is mapped to the S3A FileSystem (hadoop-aws in the image) with the same
 * endpoint, path-style access and credentials. A failing procedure fails its table; any failed table makes the run
 * exit 1 (the Job fails), after printing `FAILED <table> <procedure>: <error>` and writing the failed tables to the
 * container's termination message.
 */
export class IcebergCompactionJob extends PlatformComponent {
  /** The SQL procedures each table gets, as templates. */
  public readonly procedures: readonly string[] = ['rewrite_data_files', 'expire_snapshots', 'remove_orphan_files'];
  /**
   * The alert that names each failed table and procedure, from the run's `FAILED <table> <procedure>: <error>`
   * log lines, for Loki's ruler (give it to `Logging`'s `logAlerts`; `DataPlatform` does). The Prometheus alert
   * `IcebergCompactionFailed` names the failed Job; this one names the tables.
   */
  public readonly logAlerts: LogAlertGroup;

  constructor(scope: Construct, id: string, props: IcebergCompactionJobProps) {
    super(scope, id, 'iceberg-compaction', props);
    const env = props.environment;
    const cfg = env.components.iceberg.compaction;
    const image = Image.parse(props.image ?? SPARK_LAKE_IMAGE, this.where('image'));
    const icebergVersion = props.icebergVersion ?? SPARK_LAKE_ICEBERG_VERSION;
    if (!VERSION.test(icebergVersion)) {
      throw new PlatformConfigError(this.where('icebergVersion'), `'${icebergVersion}' is not a pinned release`, "give an exact version, e.g. '1.6.1'");
    }
    const schedule = props.schedule ?? cfg.schedule;
    checkCronSchedule(schedule, this.where('schedule'));

    const tables = [...(props.tables ?? [])];
    for (const t of tables) {
      const parts = t.split('.');
      if (parts.length < 2 || !parts.every((p) => IDENT.test(p))) {
        throw new PlatformConfigError(this.where('tables'), `'${t}' is not a table name`, "write 'namespace.table' of letters, digits and _");
      }
    }
    const namespaces = [...(props.namespaces ?? [])];
    for (const n of namespaces) {
      if (!n.split('.').every((p) => IDENT.test(p))) {
        throw new PlatformConfigError(this.where('namespaces'), `'${n}' is not a namespace name`, 'use letters, digits and _');
      }
    }
    const strategy = props.strategy ?? 'binpack';
    if (props.sortOrder !== undefined && strategy !== 'sort') {
      throw new PlatformConfigError(this.where('sortOrder'), `a sort order is set with strategy '${strategy}'`, "set strategy: 'sort' or drop sortOrder");
    }
    if (props.sortOrder !== undefined && !/^[A-Za-z0-9_ ,()]+$/.test(props.sortOrder)) {
      throw new PlatformConfigError(this.where('sortOrder'), `'${props.sortOrder}' is not a sort order`, "write e.g. 'ts DESC NULLS LAST, id' or 'zorder(a,b)'");
    }
    const positiveInt = (value: number, key: string, min: number) => {
      if (!Number.isInteger(value) || value < min) {
        throw new PlatformConfigError(this.where(key), `${key} is ${value}`, `use a whole number of at least ${min}`);
      }
      return value;
    };
    const settings = {
      catalog: CATALOG,
      tables,
      namespaces,
      strategy,
      sortOrder: props.sortOrder ?? null,
      targetFileSizeBytes: positiveInt(props.targetFileSizeBytes ?? 512 * 1024 * 1024, 'targetFileSizeBytes', 1024 * 1024),
      snapshotRetentionDays: positiveInt(props.snapshotRetentionDays ?? 7, 'snapshotRetentionDays', 1),
      retainLastSnapshots: positiveInt(props.retainLastSnapshots ?? 5, 'retainLastSnapshots', 1),
      orphanFileRetentionDays: positiveInt(props.orphanFileRetentionDays ?? 3, 'orphanFileRetentionDays', 1),
    };

    const warehouse = props.warehouse ?? icebergWarehouse(env);
    const resources = this.resourcesFor(cfg.resources, 'resources');
    const driverMiB = Math.floor(toMebibytes(resources.limits.memory) * 0.75);
    const cores = Math.max(1, Math.floor(parseQuantity(resources.limits.cpu)));
    const prefix = `spark.sql.catalog.${CATALOG}`;
    const s3 = this.endpoint(MINIO_SERVICE, 'minio-api').url('http');
    const conf: Record<string, string> = {
      'spark.local.dir': '/tmp/spark-local',
      'spark.sql.session.timeZone': 'UTC',
      'spark.sql.extensions': 'org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions',
      [prefix]: 'org.apache.iceberg.spark.SparkCatalog',
      [`${prefix}.type`]: 'rest',
      [`${prefix}.uri`]: this.endpoint(ICEBERG_REST_SERVICE, 'catalog-api').url('http'),
      [`${prefix}.warehouse`]: warehouse.location,
      [`${prefix}.io-impl`]: 'org.apache.iceberg.aws.s3.S3FileIO',
      [`${prefix}.s3.endpoint`]: s3,
      [`${prefix}.s3.path-style-access`]: 'true',
      [`${prefix}.client.region`]: env.components.minio.region,
      // remove_orphan_files lists the table location through the Hadoop FileSystem: s3:// (the warehouse's scheme)
      // and s3a:// go to S3A on MinIO, with the credentials S3FileIO uses (the AWS_* environment variables).
      'spark.hadoop.fs.s3.impl': 'org.apache.hadoop.fs.s3a.S3AFileSystem',
      'spark.hadoop.fs.s3a.impl': 'org.apache.hadoop.fs.s3a.S3AFileSystem',
      'spark.hadoop.fs.s3a.endpoint': s3,
      'spark.hadoop.fs.s3a.endpoint.region': env.components.minio.region,
      'spark.hadoop.fs.s3a.path.style.access': 'true',
      'spark.hadoop.fs.s3a.connection.ssl.enabled': String(!s3.startsWith('http://')),
      'spark.hadoop.fs.s3a.aws.credentials.provider': 'com.amazonaws.auth.EnvironmentVariableCredentialsProvider',
      'spark.hadoop.fs.s3a.buffer.dir': '/tmp/s3a',
    };
    this.logAlerts = compactionLogAlerts(this.ns, CONTAINER);
    const configMap = ICEBERG_COMPACTION_JOB;
    this.addConfigMap(configMap, { 'compact.py': COMPACT_PY, 'settings.json': `${JSON.stringify(settings, null, 2)}\n` }, 'maintenance', icebergVersion);
    const minioSecret = env.components.minio.rootCredentialsSecret;
    this.addCronJob({ name: ICEBERG_COMPACTION_JOB, role: 'maintenance', version: icebergVersion }, {
      schedule,
      timeZone: cfg.timeZone,
      activeDeadlineSeconds: 4 * 3600,
      backoffLimit: 1,
      pod: {
        volumes: [{ name: 'compaction-script', configMap: { name: configMap } }],
        containers: [{
          name: CONTAINER,
          image,
          command: [
            '/opt/spark/bin/spark-submit',
            '--master', `local[${cores}]`,
            '--name', ICEBERG_COMPACTION_JOB,
            '--driver-memory', `${driverMiB}m`,
            ...Object.entries(conf).flatMap(([k, v]) => ['--conf', `${k}=${v}`]),
            `${SCRIPT_DIR}/compact.py`, `${SCRIPT_DIR}/settings.json`,
          ],
          env: {
            // S3FileIO's default credential chain reads these (the AWS SDK environment provider).
            AWS_ACCESS_KEY_ID: this.externalSecretKeyRef(minioSecret, 'access-key'),
            AWS_SECRET_ACCESS_KEY: this.externalSecretKeyRef(minioSecret, 'secret-key'),
            AWS_REGION: env.components.minio.region,
            PYTHONDONTWRITEBYTECODE: '1',
          },
          resources,
          security: { uid: SPARK_UID, gid: SPARK_UID },
          workingDir: '/opt/spark/work-dir',
          writablePaths: ['/tmp', '/opt/spark/work-dir'],
          mounts: [{ name: 'compaction-script', mountPath: SCRIPT_DIR, readOnly: true }],
        }],
      },
    });
  }
}

/** The maintenance script: plain PySpark (the image's own), no third-party modules. */
/** The line the script prints for each failed procedure (see COMPACT_PY), as Loki's regexp stage reads it. */
export const FAILED_LINE = '^FAILED (?P<table>[^ ]+) (?P<procedure>[a-z_]+): ';

/**
 * The LogQL alert over the compaction container's log. Fluent Bit ships each record as JSON (`Line_Format json`,
 * the CRI parser's text in `log`), so the text is extracted first, then the table and procedure; a run that failed in
 * the last hour gives one series per failed (table, procedure).
 */
export function compactionLogAlerts(namespace: string, container: string): LogAlertGroup {
  const stream = `{namespace="${namespace}", container="${container}"}`;
  const pipeline = `|= "FAILED " | json log="log" | line_format "{{.log}}" | regexp "${FAILED_LINE}" | table != ""`;
  return {
    name: 'iceberg-compaction-tables',
    rules: [{
      alert: 'IcebergMaintenanceTableFailed',
      expr: `sum by (namespace, table, procedure) (count_over_time(${stream} ${pipeline} [1h])) > 0`,
      severity: 'warning',
      summary: 'Iceberg maintenance failed on table {{ $labels.table }}',
      description: 'The procedure {{ $labels.procedure }} failed on table {{ $labels.table }} in a compaction run in {{ $labels.namespace }} '
        + 'within the last hour (the run fails and IcebergCompactionFailed names its Job). The run\'s log line `FAILED {{ $labels.table }} '
        + '{{ $labels.procedure }}: ...` has the error.',
    }],
  };
}

const COMPACT_PY = `"""Iceberg table maintenance: rewrite_data_files, expire_snapshots, remove_orphan_files.

Generated by the 254Carbon platform (IcebergCompactionJob). Exits 1 when any table fails.
"""
import json
import os
import sys
from datetime import datetime, timedelta, timezone

from pyspark.sql import SparkSession

TERMINATION_LOG = os.environ.get("TERMINATION_LOG", "/dev/termination-log")  # the container's terminationMessagePath


def quote(name):
    return ".".join("\`" + part.replace("\`", "\`\`") + "\`" for part in name)


def sql_string(value):
    return "'" + value.replace("\\\\", "\\\\\\\\").replace("'", "\\\\'") + "'"


def main(path):
    with open(path) as f:
        cfg = json.load(f)
    spark = SparkSession.builder.appName("iceberg-compaction").getOrCreate()
    catalog = cfg["catalog"]
    tables = [tuple(t.split(".")) for t in cfg["tables"]]
    namespaces = [tuple(n.split(".")) for n in cfg["namespaces"]]
    if not tables and not namespaces:
        namespaces = [tuple(r[0].split(".")) for r in spark.sql("SHOW NAMESPACES IN " + catalog).collect()]
    for ns in namespaces:
        for row in spark.sql("SHOW TABLES IN " + catalog + "." + quote(ns)).collect():
            if not row.isTemporary:
                tables.append(ns + (row.tableName,))
    now = datetime.now(timezone.utc)
    expire_before = (now - timedelta(days=cfg["snapshotRetentionDays"])).strftime("%Y-%m-%d %H:%M:%S")
    orphan_before = (now - timedelta(days=cfg["orphanFileRetentionDays"])).strftime("%Y-%m-%d %H:%M:%S")
    rewrite_options = "map('target-file-size-bytes', '%d')" % cfg["targetFileSizeBytes"]
    sort = ", sort_order => " + sql_string(cfg["sortOrder"]) if cfg["sortOrder"] else ""
    failed = []
    for table in sorted(set(tables)):
        name = sql_string(quote(table))
        statements = [
            ("rewrite_data_files", "CALL %s.system.rewrite_data_files(table => %s, strategy => '%s'%s, options => %s)"
             % (catalog, name, cfg["strategy"], sort, rewrite_options)),
            ("expire_snapshots", "CALL %s.system.expire_snapshots(table => %s, older_than => TIMESTAMP '%s', retain_last => %d)"
             % (catalog, name, expire_before, cfg["retainLastSnapshots"])),
            ("remove_orphan_files", "CALL %s.system.remove_orphan_files(table => %s, older_than => TIMESTAMP '%s')"
             % (catalog, name, orphan_before)),
        ]
        for procedure, statement in statements:
            print(statement, flush=True)
            try:
                for row in spark.sql(statement).collect():
                    print("  " + str(row.asDict()), flush=True)
            except Exception as error:  # one table's failure must not hide the others
                print("FAILED %s %s: %s" % (".".join(table), procedure, error), file=sys.stderr, flush=True)
                failed.append("%s (%s)" % (".".join(table), procedure))
                break
    spark.stop()
    print("maintained %d table(s), %d failed" % (len(set(tables)), len(failed)), flush=True)
    if failed:
        summary = "FAILED TABLES: " + ", ".join(failed)
        print(summary, file=sys.stderr, flush=True)
        try:
            with open(TERMINATION_LOG, "w") as f:
                f.write(summary[:4000] + "\\n")
        except OSError:
            pass
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
`;
