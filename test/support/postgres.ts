import { execFileSync, spawnSync, SpawnSyncReturns } from 'child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'fs';
import { createServer } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';

/**
 * A throwaway PostgreSQL cluster for tests: initdb into a temp directory, listening on 127.0.0.1 on a free port
 * only, trust authentication (nothing else can reach it), stopped and removed by `stop()`. Uses Debian's
 * `postgresql` package (`/usr/lib/postgresql/<major>/bin`), `PG_BIN` when set, else `initdb` on the PATH.
 * Run as root, the server runs as the `postgres` user the package creates (initdb refuses root). `PG_TESTS=off`
 * skips the tests that need it, as when PostgreSQL is absent.
 */
export class ThrowawayPostgres {
  /** Where the PostgreSQL programs are, or why there are none (the tests then skip with that reason). */
  public static locate(): { bin?: string; reason?: string } {
    if (process.env.PG_TESTS === 'off') return { reason: 'PG_TESTS=off' };
    const candidates: string[] = [];
    if (process.env.PG_BIN) candidates.push(process.env.PG_BIN);
    if (existsSync('/usr/lib/postgresql')) {
      for (const v of readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a))) candidates.push(`/usr/lib/postgresql/${v}/bin`);
    }
    for (const c of candidates) if (existsSync(join(c, 'initdb')) && existsSync(join(c, 'pg_ctl')) && existsSync(join(c, 'psql'))) return { bin: c };
    const which = spawnSync('sh', ['-c', 'command -v initdb'], { encoding: 'utf8' });
    if (which.status === 0 && which.stdout.trim()) {
      const dir = which.stdout.trim().replace(/\/initdb$/, '');
      if (existsSync(join(dir, 'pg_ctl')) && existsSync(join(dir, 'psql'))) return { bin: dir };
    }
    if (process.getuid?.() === 0 && spawnSync('id', ['postgres']).status !== 0) {
      return { reason: 'PostgreSQL is not installed (no postgres user); apt-get install postgresql' };
    }
    return { reason: 'PostgreSQL is not installed (no initdb/pg_ctl/psql; apt-get install postgresql, or set PG_BIN)' };
  }

  public readonly dir: string;
  public port = 0;
  private readonly asRoot: boolean;

  private constructor(public readonly bin: string) {
    this.dir = mkdtempSync(join(tmpdir(), 'ds-schema-pg-'));
    this.asRoot = process.getuid?.() === 0;
  }

  /** Starts a new cluster. */
  public static async start(bin: string): Promise<ThrowawayPostgres> {
    const pg = new ThrowawayPostgres(bin);
    pg.port = await freePort();
    if (pg.asRoot) {
      const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
      const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
      chownSync(pg.dir, uid, gid);
    }
    const data = join(pg.dir, 'data');
    pg.server('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-sync']);
    pg.server('pg_ctl', ['-D', data, '-l', join(pg.dir, 'server.log'), '-w', '-t', '60', '-o',
      `-c listen_addresses=127.0.0.1 -p ${pg.port} -k ${pg.dir} -c fsync=off`, 'start']);
    return pg;
  }

  private server(program: string, args: string[]): void {
    const cmd = join(this.bin, program);
    const r = this.asRoot
      ? spawnSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { encoding: 'utf8' })
      : spawnSync(cmd, args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${program} failed: ${r.stderr || r.stdout}`);
  }

  /** libpq environment for a database and user. */
  public env(database: string, user = 'postgres'): NodeJS.ProcessEnv {
    return {
      PATH: `${this.bin}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      PGHOST: '127.0.0.1', PGPORT: String(this.port), PGDATABASE: database, PGUSER: user, PGPASSWORD: 'unused-with-trust',
      HOME: this.dir, LANG: 'C.UTF-8',
    };
  }

  /** Runs SQL through psql (stops at the first error); returns stdout, rows unaligned with `|` between columns. */
  public sql(database: string, sql: string, user = 'postgres'): string {
    const r = spawnSync(join(this.bin, 'psql'), ['-X', '-q', '-t', '-A', '-v', 'ON_ERROR_STOP=1', '-f', '-'], { input: sql, env: this.env(database, user), encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`psql failed: ${r.stderr}`);
    return r.stdout.trim();
  }

  /** Runs a file through psql. */
  public file(database: string, path: string, user = 'postgres'): void {
    const r = spawnSync(join(this.bin, 'psql'), ['-X', '-q', '-v', 'ON_ERROR_STOP=1', '-f', path], { env: this.env(database, user), encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`psql -f ${path} failed: ${r.stderr}`);
  }

  /** Runs a shell script with the libpq environment of a database and user, plus extra variables. */
  public script(script: string, database: string, user: string, extra: Record<string, string> = {}): SpawnSyncReturns<string> {
    return spawnSync('sh', ['-c', script], { env: { ...this.env(database, user), ...extra }, encoding: 'utf8' });
  }

  /** Stops the server and removes its directory. */
  public stop(): void {
    try {
      this.server('pg_ctl', ['-D', join(this.dir, 'data'), '-m', 'immediate', '-w', 'stop']);
    } finally {
      rmSync(this.dir, { recursive: true, force: true });
    }
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const address = s.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}
