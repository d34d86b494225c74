import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';
import { find, objectsOf } from './util';

/**
 * The generated redis.conf against a real redis-server (Debian's `redis-server` package; `.ci/run` installs it).
 * Skips with the reason when the binary is absent, so `npm test` needs no server.
 */
const which = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' }).stdout.trim();
const server = which('redis-server');
const cli = which('redis-cli');
const available = Boolean(server && cli);
if (!available && process.env.REDIS_SERVER_REQUIRED === '1') throw new Error('REDIS_SERVER_REQUIRED=1 but redis-server/redis-cli are not installed');
if (!available) process.stdout.write('skipped the real redis-server tests: redis-server/redis-cli not found (apt-get install redis-server; .ci/run does)\n');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const PASSWORD = 'test-only-password';

describe('Redis configuration on a real redis-server (issue 15 point 12)', () => {
  let proc: ChildProcess | undefined;
  let dir = '';
  let port = 0;
  let log = '';
  const redis = (db: number, ...args: string[]) => spawnSync(cli, ['-h', '127.0.0.1', '-p', String(port), '-n', String(db), ...args],
    { encoding: 'utf8', env: { ...process.env, REDISCLI_AUTH: PASSWORD } });
  const configGet = (name: string) => redis(0, 'CONFIG', 'GET', name).stdout.split('\n')[1];

  beforeAll(async () => {
    if (!available) return;
    const conf: string = find(objectsOf('prod'), 'ConfigMap', 'redis-configuration').data['redis.conf'];
    // The pod's data dir is /data (an emptyDir); redis-server chdirs to `dir` while it parses the file, so the test
    // points that one line at a temporary directory. Every other line is used as generated.
    expect(conf).toMatch(/^dir \/data$/m);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'redis-conf-test-'));
    fs.writeFileSync(path.join(dir, 'redis.conf'), conf.replace(/^dir \/data$/m, `dir ${dir}`));
    port = await freePort();
    // As the Deployment starts it (`redis-server <conf> --requirepass ...`), on 127.0.0.1 only.
    proc = spawn(server, [path.join(dir, 'redis.conf'), '--port', String(port), '--bind', '127.0.0.1', '--requirepass', PASSWORD], { stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout!.on('data', (d) => { log += String(d); });
    proc.stderr!.on('data', (d) => { log += String(d); });
    for (let i = 0; i < 100; i++) {
      if (redis(0, 'PING').stdout.trim() === 'PONG') return;
      if (proc.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`redis-server did not start with the generated configuration:\n${log}`);
  }, 20000);

  afterAll(async () => {
    if (proc && proc.exitCode === null) {
      const exited = new Promise((r) => proc!.once('exit', r));
      proc.kill('SIGTERM');
      await exited;
    }
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  (available ? test : test.skip)('regression: redis-server accepts the generated redis.conf and runs with its settings', () => {
    expect(configGet('maxmemory')).toBe(String(256 * 1024 * 1024)); // half of the 512Mi limit
    expect(configGet('maxmemory-policy')).toBe('noeviction');
    expect(configGet('appendonly')).toBe('yes');
    expect(configGet('save')).toBe('');
    expect(redis(0, 'FLUSHALL').stdout).toMatch(/unknown command/i);
    expect(redis(0, 'FLUSHDB').stdout).toMatch(/unknown command/i);
    // Password auth is on: a client without it is refused.
    const anonymous = spawnSync(cli, ['-h', '127.0.0.1', '-p', String(port), 'PING'], { encoding: 'utf8', env: { ...process.env, REDISCLI_AUTH: '' } });
    expect(anonymous.stdout).toMatch(/NOAUTH/);
  });

  (available ? test : test.skip)('regression: when memory is full, cache writes fail with OOM and the Celery broker queue keeps every task (noeviction)', () => {
    // Shrink maxmemory at run time so the test fills it quickly; the policy is the generated one.
    expect(redis(0, 'CONFIG', 'SET', 'maxmemory', '3mb').stdout.trim()).toBe('OK');
    expect(redis(2, 'RPUSH', 'celery', ...Array.from({ length: 50 }, (_, i) => `task-${i}`)).stdout.trim()).toBe('50');
    const value = 'x'.repeat(1000);
    const script = Array.from({ length: 4000 }, (_, i) => `SETEX superset_cache_${i} 300 ${value}`).join('\n');
    const filled = spawnSync(cli, ['-h', '127.0.0.1', '-p', String(port), '-n', '1'], { input: script, encoding: 'utf8', env: { ...process.env, REDISCLI_AUTH: PASSWORD } });
    expect(filled.stdout).toMatch(/OOM command not allowed/);
    expect(redis(2, 'LLEN', 'celery').stdout.trim()).toBe('50');
    expect(redis(0, 'INFO', 'stats').stdout).toMatch(/evicted_keys:0\r?\n/);
  });
});
