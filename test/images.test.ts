import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { jarFile, mavenUrl, SPARK_BASE_IMAGE, SPARK_LAKE_IMAGE, SPARK_LAKE_JARS } from '../src/components/iceberg/spark-lake-image';
import { DEFAULT_SUPERSET_IMAGE } from '../src/components/superset/superset';
import { containersOf, podSpecOf } from '../src/platform/checks/pods';
import { ENVS, objectsOf } from './util';

const ROOT = path.resolve(__dirname, '..');
const IMAGES = path.join(ROOT, 'images');
const BUILD = path.join(IMAGES, 'build.sh');
const dockerfile = fs.readFileSync(path.join(IMAGES, 'spark-lake', 'Dockerfile'), 'utf8');

function build(args: string[], imagesDir = IMAGES) {
  return spawnSync('bash', [BUILD, ...args], { encoding: 'utf8', env: { ...process.env, IMAGES_DIR: imagesDir } });
}

describe('images/: the platform\'s own images (issue 15 point 7)', () => {
  test('regression: the spark-lake Dockerfile adds exactly the pinned jars from Maven Central onto the upstream Spark image', () => {
    const added = [...dockerfile.matchAll(/^ADD (https:\/\/\S+\.jar) \/tmp\/lake-jars\/$/gm)].map((m) => m[1]);
    expect(added).toEqual(SPARK_LAKE_JARS.map((j) => mavenUrl(j)));
    expect(dockerfile).toMatch(new RegExp(`^ARG SPARK_IMAGE=${SPARK_BASE_IMAGE.replace(/[.:/]/g, '\\$&')}$`, 'm'));
    // Every jar is checked against its pinned sha256 before it is installed, and the image ends as the spark user.
    expect(dockerfile).toMatch(/sha256sum --strict -c jars\.sha256/);
    expect(dockerfile.trim().split('\n').pop()).toBe('USER spark');
    // hadoop-aws matches the Hadoop of Spark 3.5.0 (3.3.4) and its AWS SDK v1 bundle.
    expect(SPARK_LAKE_JARS.map((j) => `${j.artifact}:${j.version}`)).toEqual(expect.arrayContaining(['hadoop-aws:3.3.4', 'aws-java-sdk-bundle:1.12.262', 'iceberg-spark-runtime-3.5_2.12:1.6.1', 'iceberg-aws-bundle:1.6.1']));
  });

  test('regression: each IMAGE file names the reference the components default to', () => {
    expect(fs.readFileSync(path.join(IMAGES, 'spark-lake', 'IMAGE'), 'utf8').trim()).toBe(SPARK_LAKE_IMAGE);
    expect(fs.readFileSync(path.join(IMAGES, 'superset', 'IMAGE'), 'utf8').trim()).toBe(DEFAULT_SUPERSET_IMAGE);
  });

  const lockFile = path.join(IMAGES, 'spark-lake', 'jars.sha256');
  (fs.existsSync(lockFile) ? test : test.skip)('the committed jars.sha256 pins one sha256 per jar of the Dockerfile', () => {
    const lines = fs.readFileSync(lockFile, 'utf8').trim().split('\n');
    expect(lines.map((l) => l.replace(/^[0-9a-f]{64} {2}/, ''))).toEqual(SPARK_LAKE_JARS.map(jarFile));
  });
  if (!fs.existsSync(lockFile)) {
    process.stdout.write('note: images/spark-lake/jars.sha256 is not committed yet (images/build.sh --lock spark-lake needs Maven Central); build.sh refuses to build spark-lake until it is\n');
  }

  test('regression: build.sh --dry-run prints the exact build and push commands', () => {
    const r = build(['--dry-run', 'superset']);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe([
      `docker build --pull -t ${DEFAULT_SUPERSET_IMAGE} ${IMAGES}/superset`,
      `docker push ${DEFAULT_SUPERSET_IMAGE}`,
      '',
    ].join('\n'));
  });

  test('regression: build.sh builds nothing while a jar has no pinned sha256, and builds every image once all are pinned', () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'images-'));
    try {
      for (const name of ['spark-lake', 'superset']) {
        fs.mkdirSync(path.join(tmp, name));
        for (const f of ['Dockerfile', 'IMAGE']) fs.copyFileSync(path.join(IMAGES, name, f), path.join(tmp, name, f));
      }
      // Without the pins: exit 3, naming every jar and the fix, and no command printed.
      const refused = build(['--dry-run'], tmp);
      expect(refused.status).toBe(3);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toContain(`no pinned sha256 in images/spark-lake/jars.sha256 for: ${SPARK_LAKE_JARS.map(jarFile).join(' ')}`);
      expect(refused.stderr).toContain('Fix: run images/build.sh --lock spark-lake');
      // One pin missing is still refused.
      const pins = SPARK_LAKE_JARS.map((j, i) => `${String(i).repeat(64)}  ${jarFile(j)}`);
      fs.writeFileSync(path.join(tmp, 'spark-lake', 'jars.sha256'), `${pins.slice(1).join('\n')}\n`);
      expect(build(['--dry-run'], tmp).status).toBe(3);
      // All pinned (test values: the check is their presence and format; the Docker build verifies them).
      fs.writeFileSync(path.join(tmp, 'spark-lake', 'jars.sha256'), `${pins.join('\n')}\n`);
      const ok = build(['--dry-run', '--registry', 'mirror.example.com/lake/'], tmp);
      expect(ok.status).toBe(0);
      expect(ok.stdout).toBe([
        `docker build --pull -t mirror.example.com/lake/${SPARK_LAKE_IMAGE.split('/').pop()} ${tmp}/spark-lake`,
        `docker push mirror.example.com/lake/${SPARK_LAKE_IMAGE.split('/').pop()}`,
        `docker build --pull -t mirror.example.com/lake/${DEFAULT_SUPERSET_IMAGE.split('/').pop()} ${tmp}/superset`,
        `docker push mirror.example.com/lake/${DEFAULT_SUPERSET_IMAGE.split('/').pop()}`,
        '',
      ].join('\n'));
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  test('build.sh --lock --dry-run downloads each jar and its Maven .sha1 (it verifies one against the other)', () => {
    const r = build(['--lock', '--dry-run', 'spark-lake']);
    expect(r.status).toBe(0);
    const urls = r.stdout.trim().split('\n').map((l) => l.split(' ').pop());
    expect(urls).toEqual(SPARK_LAKE_JARS.flatMap((j) => [mavenUrl(j), `${mavenUrl(j)}.sha1`]));
  });
});

/** Hosts no workload may download from when it starts. */
const INTERNET = /https?:\/\/(?:[a-z0-9-]+\.)*(?:maven\.org|maven\.apache\.org|mvnrepository\.com|pypi\.org|pythonhosted\.org|github\.com|githubusercontent\.com|npmjs\.org|npmjs\.com|archive\.apache\.org|dlcdn\.apache\.org|downloads\.apache\.org|dl\.min\.io|get\.helm\.sh|storage\.googleapis\.com|amazonaws\.com)\b/;
const INSTALLS = /\bspark\.jars\.packages\b|--packages\b|\bpip3? install\b|\buv pip install\b|\bapt-get install\b|\bapk add\b|\bcurl\b|\bwget\b|GF_INSTALL_PLUGINS|PIP_ADDITIONAL_REQUIREMENTS/;

describe('nothing is downloaded at run time (issue 15 point 7)', () => {
  test.each(ENVS)('regression: no container of %s downloads from the internet or installs anything at start (command, args, env, mounted scripts)', (env) => {
    const objs = objectsOf(env);
    const configMaps = new Map(objs.filter((o) => o.manifest.kind === 'ConfigMap').map((o) => [`${o.manifest.metadata.namespace}/${o.manifest.metadata.name}`, o.manifest.data ?? {}]));
    const problems: string[] = [];
    let containers = 0;
    for (const o of objs) {
      const pod = podSpecOf(o.manifest);
      if (!pod) continue;
      const ns = o.manifest.metadata.namespace;
      const mountedScripts = (pod.volumes ?? []).filter((v: any) => v.configMap).map((v: any) => configMaps.get(`${ns}/${v.configMap.name}`) ?? {});
      for (const { c, path: where } of containersOf(pod)) {
        containers++;
        const texts = [...(c.command ?? []), ...(c.args ?? []), ...(c.env ?? []).map((e: any) => `${e.name}=${e.value ?? ''}`)];
        for (const data of mountedScripts) for (const [key, text] of Object.entries(data)) if (/\.(sh|py)$/.test(key)) texts.push(String(text));
        for (const t of texts) {
          const hit = INTERNET.exec(t) ?? INSTALLS.exec(t);
          if (hit) problems.push(`${o.path} ${where}: '${hit[0]}'`);
        }
      }
    }
    expect(containers).toBeGreaterThan(10);
    expect(problems).toEqual([]);
  });

  test('the scan catches what the compaction job and the history server did before', () => {
    expect(INSTALLS.test('--conf spark.jars.packages=org.apache.iceberg:iceberg-spark-runtime-3.5_2.12:1.6.1')).toBe(true);
    expect(INTERNET.test('curl -fsSL -o /opt/spark/extra-jars/hadoop-aws-3.3.4.jar https://repo1.maven.org/maven2/org/apache/hadoop/hadoop-aws/3.3.4/hadoop-aws-3.3.4.jar')).toBe(true);
    expect(INTERNET.test('http://minio-service.data-platform.svc.cluster.local:9000')).toBe(false);
  });
});
