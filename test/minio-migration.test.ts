/**
 * Real-server tests of the lake migration script and the volume-copy script: MinIO servers and the MinIO client
 * built from the Go module proxy (tools/minio/build.sh; `.ci/run` builds them), on 127.0.0.1, stopped afterwards.
 * Skipped, with the reason printed, when the binaries are absent (MINIO_BIN/MC_BIN, else the tools cache).
 *
 * What cannot be tested here: a legacy FS-mode server (RELEASE.2022-02-16) as the source, because the module
 * proxy does not serve any MinIO release up to RELEASE.2022-10-24. The source is a current server instead; the
 * script speaks only the S3 API (list buckets, mirror, du), which both serve alike.
 */
import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { migrationScript } from '../src/components/minio/migration';
import { volumeCopyScript } from '../src/components/backup/backup';

const CACHE = process.env.MINIO_TOOLS_CACHE ?? path.join(process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache'), '254carbon-tools');
function cached(name: string): string | undefined {
  if (!fs.existsSync(CACHE)) return undefined;
  const dir = fs.readdirSync(CACHE).filter((d) => d.startsWith(`${name}-v0.0.0-`)).sort().pop();
  return dir && fs.existsSync(path.join(CACHE, dir, name)) ? path.join(CACHE, dir, name) : undefined;
}
const MINIO = process.env.MINIO_BIN ?? cached('minio');
const MC = process.env.MC_BIN ?? cached('mc');
const present = !!MINIO && !!MC && fs.existsSync(MINIO) && fs.existsSync(MC);
if (!present) console.log(`skipped: no MinIO server/client binaries (MINIO_BIN=${MINIO ?? ''}, MC_BIN=${MC ?? ''}); build them with tools/minio/build.sh (.ci/run does)`);
const maybe = present ? describe : describe.skip;
const serverPresent = !!MINIO && fs.existsSync(MINIO);

const USER = 'migration-test';
const PASSWORD = 'migration-test-secret';
jest.setTimeout(180_000);

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); });
    s.on('error', reject);
  });
}

interface Server { url: string; dir: string; proc: ChildProcess; log: () => string }
async function startServer(dir: string): Promise<Server> {
  const port = await freePort();
  const consolePort = await freePort();
  let log = '';
  const proc = spawn(MINIO!, ['server', dir, '--address', `127.0.0.1:${port}`, '--console-address', `127.0.0.1:${consolePort}`], {
    env: { ...process.env, MINIO_ROOT_USER: USER, MINIO_ROOT_PASSWORD: PASSWORD, MINIO_BROWSER: 'off', MINIO_UPDATE: 'off', HOME: dir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  proc.stdout!.on('data', (d) => { log += d; });
  proc.stderr!.on('data', (d) => { log += d; });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 150; i++) {
    if (proc.exitCode !== null) break;
    try {
      const r = await fetch(`${url}/minio/health/ready`);
      if (r.ok) return { url, dir, proc, log: () => log };
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 200));
  }
  proc.kill('SIGKILL');
  throw new Error(`MinIO did not start on ${dir}: ${log}`);
}

function stop(s: Server | undefined): void {
  if (s && s.proc.exitCode === null) s.proc.kill('SIGTERM');
}

maybe('MinIO lake migration against real servers', () => {
  let root: string;
  let mcConfig: string;
  let old: Server | undefined;
  let fresh: Server | undefined;
  const mc = (...args: string[]) => {
    const r = spawnSync(MC!, ['--config-dir', mcConfig, ...args], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`mc ${args.join(' ')}: ${r.stderr}${r.stdout}`);
    return r.stdout;
  };
  const run = (script: string, env: Record<string, string> = {}) => {
    const r = spawnSync('sh', ['-c', script], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', MINIO_ROOT_USER: USER, MINIO_ROOT_PASSWORD: PASSWORD, MC_CONFIG_DIR: path.join(root, 'mc-job'), TMPDIR: root, ...env },
    });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'minio-migration-'));
    mcConfig = path.join(root, 'mc');
    [old, fresh] = await Promise.all([startServer(path.join(root, 'old')), startServer(path.join(root, 'new'))]);
    mc('alias', 'set', 'old', old.url, USER, PASSWORD);
    mc('alias', 'set', 'new', fresh.url, USER, PASSWORD);
    // The lake as it might look: a warehouse with nested prefixes and a multipart-sized file, Velero's bucket, an empty one.
    for (const b of ['iceberg-warehouse', 'velero-backups', 'spark-logs']) mc('mb', `old/${b}`);
    const src = path.join(root, 'src');
    fs.mkdirSync(path.join(src, 'db', 'table', 'data'), { recursive: true });
    fs.mkdirSync(path.join(src, 'db', 'table', 'metadata'), { recursive: true });
    for (let i = 0; i < 25; i++) fs.writeFileSync(path.join(src, 'db', 'table', 'data', `part-${i}.parquet`), `rows ${i}\n`.repeat(i + 1));
    fs.writeFileSync(path.join(src, 'db', 'table', 'metadata', 'v1.metadata.json'), '{"format-version":2}');
    fs.writeFileSync(path.join(src, 'db', 'table', 'data', 'big.parquet'), Buffer.alloc(17 * 1024 * 1024, 7));
    fs.writeFileSync(path.join(src, 'empty'), '');
    mc('cp', '--recursive', `${src}/`, 'old/iceberg-warehouse/');
    mc('cp', path.join(src, 'db', 'table', 'metadata', 'v1.metadata.json'), 'old/velero-backups/backups/daily/velero-backup.json');
  });

  afterAll(() => {
    stop(old);
    stop(fresh);
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  test('regression: mirror copies every bucket and verifies object counts and bytes on both sides', () => {
    const r = run(migrationScript({ mode: 'mirror', source: old!.url, target: fresh!.url, client: MC, waitAttempts: 3 }));
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const bytes = Array.from({ length: 25 }, (_, i) => `rows ${i}\n`.length * (i + 1)).reduce((a, b) => a + b, 0) + '{"format-version":2}'.length + 17 * 1024 * 1024;
    expect(r.out).toContain(`verify iceberg-warehouse: old 28 objects ${bytes} bytes, new 28 objects ${bytes} bytes: OK`);
    expect(r.out).toContain('verify velero-backups: old 1 objects 20 bytes, new 1 objects 20 bytes: OK');
    expect(r.out).toContain('verify spark-logs: old 0 objects 0 bytes, new 0 objects 0 bytes: OK');
    expect(r.out.trim().split('\n').pop()).toBe('verified 3 bucket(s)');
    expect(mc('cat', 'new/iceberg-warehouse/db/table/metadata/v1.metadata.json')).toBe('{"format-version":2}');
    expect(r.out + r.err).not.toContain(PASSWORD);
  });

  test('regression: verify fails loudly on a difference, and a new mirror catches up (deleted objects removed too)', () => {
    mc('rm', 'old/iceberg-warehouse/db/table/data/part-0.parquet');
    mc('pipe', '--quiet', 'old/spark-logs/app-1');
    const v = run(migrationScript({ mode: 'verify', source: old!.url, target: fresh!.url, client: MC, waitAttempts: 3 }));
    expect(v.code).toBe(1);
    expect(v.out).toMatch(/verify iceberg-warehouse: old 27 objects \d+ bytes, new 28 objects \d+ bytes: MISMATCH/);
    expect(v.out).toContain('verify spark-logs: old 1 objects');
    expect(v.err).toContain('MIGRATION VERIFY FAILED: 2 of 3 bucket(s) differ between the old and the new server');
    const m = run(migrationScript({ mode: 'mirror', source: old!.url, target: fresh!.url, client: MC, waitAttempts: 3 }));
    expect(m.code).toBe(0);
    expect(m.out).toMatch(/verify iceberg-warehouse: old 27 objects (\d+) bytes, new 27 objects \1 bytes: OK/);
  });

  test('verify reports a bucket missing on the new server', () => {
    mc('mb', 'old/new-bucket');
    const v = run(migrationScript({ mode: 'verify', source: old!.url, target: fresh!.url, client: MC, waitAttempts: 3 }));
    expect(v.code).toBe(1);
    expect(v.out).toContain('verify new-bucket: old 0 objects 0 bytes, new missing objects missing bytes: MISMATCH');
  });

  test('the script stops when a server does not answer', () => {
    const r = run(migrationScript({ mode: 'verify', source: 'http://127.0.0.1:1', target: fresh!.url, client: MC, waitAttempts: 1 }));
    expect(r.code).toBe(1);
    expect(r.err).toContain('MIGRATION FAILED: the old server at http://127.0.0.1:1 does not answer');
  });

  test('regression: the volume copy mirrors a directory to the dated folder and checks it with mc diff', () => {
    const vol = path.join(root, 'volume');
    fs.mkdirSync(path.join(vol, 'version-2'), { recursive: true });
    fs.writeFileSync(path.join(vol, 'version-2', 'snapshot.0'), 'zk snapshot');
    fs.writeFileSync(path.join(vol, 'myid'), '1');
    const r = run(volumeCopyScript({ target: fresh!.url, dest: 'target/volume-backups/prod/data-platform/data-zookeeper-0', keepDays: 7, source: vol, client: MC }),
      { ACCESS_KEY: USER, SECRET_KEY: PASSWORD });
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const day = new Date().toISOString().slice(0, 10);
    expect(r.out).toContain(`copied and verified ${vol} to target/volume-backups/prod/data-platform/data-zookeeper-0/${day}`);
    expect(mc('cat', `new/volume-backups/prod/data-platform/data-zookeeper-0/${day}/version-2/snapshot.0`)).toBe('zk snapshot');
  });
});

(serverPresent ? describe : describe.skip)('a current MinIO server on the legacy volume', () => {
  test('regression: the current server refuses a legacy FS-format drive and leaves it untouched', async () => {
    const legacy = fs.mkdtempSync(path.join(os.tmpdir(), 'minio-fs-drive-'));
    fs.mkdirSync(path.join(legacy, '.minio.sys'), { recursive: true });
    fs.mkdirSync(path.join(legacy, 'iceberg-warehouse'), { recursive: true });
    fs.writeFileSync(path.join(legacy, 'iceberg-warehouse', 'object'), 'lake data');
    // What RELEASE.2022-02-16 writes on a single drive (cmd/format-fs.go: newFormatFSV1, fs.version "2" after migration).
    const format = '{"version":"1","format":"fs","id":"5a1a3b36-3d67-4c57-8b49-1f0b0c6a6a01","fs":{"version":"2"}}';
    fs.writeFileSync(path.join(legacy, '.minio.sys', 'format.json'), format);
    // The release the sources were read at says "found backend type fs, expected xl or xl-single"; the server built
    // here (the proxy's newest pseudo-version) refuses the drive as "drive not found: Invalid arguments specified".
    // Either way it stops before writing anything: what matters is that the drive is untouched.
    await expect(startServer(legacy)).rejects.toThrow(/FATAL Unable to use the drive .*(found backend type fs, expected xl or xl-single|Invalid arguments specified)/);
    expect(fs.readFileSync(path.join(legacy, '.minio.sys', 'format.json'), 'utf8')).toBe(format);
    expect(fs.readFileSync(path.join(legacy, 'iceberg-warehouse', 'object'), 'utf8')).toBe('lake data');
    fs.rmSync(legacy, { recursive: true, force: true });
  });
});
