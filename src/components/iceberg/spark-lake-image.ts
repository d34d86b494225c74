/**
 * The Spark image of the lake (`images/spark-lake/`): the upstream `apache/spark` image plus the jars the Iceberg
 * maintenance job and the Spark history server need, added at build time so that nothing is downloaded when a pod
 * starts (issue 15 point 7). The Dockerfile's jar list must equal `SPARK_LAKE_JARS` (test/images.test.ts), and each
 * jar is checked at build time against its sha256 in `images/spark-lake/jars.sha256` (written by
 * `images/build.sh --lock`, which verifies each download against Maven Central's published .sha1 first).
 */

/** A jar by its Maven coordinates. */
export interface MavenJar {
  readonly group: string;
  readonly artifact: string;
  readonly version: string;
}

/** The upstream Spark image the lake image is built on (Spark 3.5.0, Scala 2.12, Java 11, Python 3; Hadoop 3.3.4 inside). */
export const SPARK_BASE_IMAGE = 'docker.io/apache/spark:3.5.0';

/**
 * The jars added to `/opt/spark/jars` (on the classpath of spark-submit and of the daemons spark-class starts):
 * - the Iceberg Spark runtime for Spark 3.5 / Scala 2.12 and the Iceberg AWS bundle (S3FileIO, AWS SDK v2), for the
 *   catalog and the procedures that go through FileIO (rewrite_data_files, expire_snapshots);
 * - hadoop-aws at the image's Hadoop version (3.3.4) with the AWS SDK v1 bundle it was built against (1.12.262): the
 *   S3A FileSystem, for remove_orphan_files (it lists the table location through the Hadoop FileSystem) and for the
 *   history server's `s3a://` event log directory.
 */
export const SPARK_LAKE_JARS: readonly MavenJar[] = [
  { group: 'org.apache.iceberg', artifact: 'iceberg-spark-runtime-3.5_2.12', version: '1.6.1' },
  { group: 'org.apache.iceberg', artifact: 'iceberg-aws-bundle', version: '1.6.1' },
  { group: 'org.apache.hadoop', artifact: 'hadoop-aws', version: '3.3.4' },
  { group: 'com.amazonaws', artifact: 'aws-java-sdk-bundle', version: '1.12.262' },
];

/** The Iceberg version of the image. */
export const SPARK_LAKE_ICEBERG_VERSION = '1.6.1';

/**
 * The image reference, in the platform's registry like the Superset image. Bump the `.N` suffix whenever
 * images/spark-lake changes (never reuse a tag); `images/spark-lake/IMAGE` holds the same reference for build.sh.
 */
export const SPARK_LAKE_IMAGE = 'harbor.254carbon.com/library/spark-lake:3.5.0-iceberg1.6.1.1';

/** The file name of a jar. */
export function jarFile(j: MavenJar): string {
  return `${j.artifact}-${j.version}.jar`;
}

/** The jar's URL in a Maven repository (Maven Central by default). */
export function mavenUrl(j: MavenJar, repository = 'https://repo1.maven.org/maven2'): string {
  return `${repository}/${j.group.replace(/\./g, '/')}/${j.artifact}/${j.version}/${jarFile(j)}`;
}
