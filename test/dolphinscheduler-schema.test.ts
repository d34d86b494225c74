/**
 * The DolphinScheduler schema step (guard, upstream upgrade-schema.sh, finish) against a real PostgreSQL: a
 * throwaway cluster on 127.0.0.1 started here and removed afterwards. Skipped, with the reason printed, when
 * PostgreSQL is not installed; `.ci/run` installs it.
 *
 * The upstream tool is Java (dolphinscheduler-tools 3.2.2) and is not run here: `upgradeSchemaStandIn` does what
 * it decides (UpgradeDolphinScheduler.java:52-58, DolphinSchedulerManager.java:67-76: any of t_escheduler_version,
 * t_ds_version, t_escheduler_queue in current_schema() -> upgrade, else run the install script), with the
 * project's install fixture (test/fixtures/dolphinscheduler/install-subset.sql) or the real upstream script when
 * DS_INSTALL_SQL names it. The hand-made database comes from the reference pack's two init Jobs when ../shared
 * is there (unless DS_HAND_MADE=fixture), else from test/fixtures/dolphinscheduler/hand-made-subset.sql.
 */
import { existsSync, readFileSync, writeFileSync } from 'fs';
import * as yaml from 'js-yaml';
import { join } from 'path';
import { FINISH_SCRIPT, GUARD_SCRIPT, HAND_MADE_TABLES, LEGACY_SCHEMA, LEGACY_SCHEMA_COPIED, MIGRATE_ENV, ROLLBACK_SQL, ROLLED_BACK_SCHEMA, SOFT_VERSION_ENV } from '../src/components/dolphinscheduler/schema';
import { ThrowawayPostgres } from './support/postgres';

const located = ThrowawayPostgres.locate();
if (!located.bin) {
  // eslint-disable-next-line no-console
  console.log(`dolphinscheduler-schema tests skipped: ${located.reason}`);
}
const describePg = located.bin ? describe : describe.skip;

const USER = 'dolphinscheduler';
const FIXTURES = join(__dirname, 'fixtures', 'dolphinscheduler');
const INSTALL_SQL = process.env.DS_INSTALL_SQL ?? join(FIXTURES, 'install-subset.sql');
const REFERENCE = join(__dirname, '..', '..', 'shared', 'reference', 'hmco-6c20054', 'helm', 'charts', 'data-platform', 'charts', 'dolphinscheduler', 'templates');

/** The SQL of the old charts' two init Jobs (reference pack), or the project's stand-in. */
function handMadeSql(): { sql: string; source: string } {
  const initDb = join(REFERENCE, 'dolphinscheduler-init-db-job.yaml');
  const full = join(REFERENCE, 'full-schema-init.yaml');
  if (process.env.DS_HAND_MADE !== 'fixture' && existsSync(initDb) && existsSync(full)) {
    const cm = (yaml.loadAll(readFileSync(initDb, 'utf8')) as any[]).find((d) => d?.kind === 'ConfigMap');
    const job = (yaml.loadAll(readFileSync(full, 'utf8')) as any[]).find((d) => d?.kind === 'Job');
    const command: string = job.spec.template.spec.containers[0].command[2];
    const body = command.slice(command.indexOf("<<'EOSQL'") + "<<'EOSQL'".length, command.lastIndexOf('EOSQL'));
    return { sql: `${cm.data['init-schema.sql']}\n${body}`, source: 'reference pack hmco-6c20054 (dolphinscheduler-init-db, dolphinscheduler-full-schema-init)' };
  }
  return { sql: readFileSync(join(FIXTURES, 'hand-made-subset.sql'), 'utf8'), source: 'test/fixtures/dolphinscheduler/hand-made-subset.sql' };
}

/** Rows a team would have made on the hand-made database (users, projects, workflows, tasks, runs). */
const WORK_ROWS = `
INSERT INTO t_ds_user (user_name, user_password, user_type, email, tenant_id, create_time, update_time, queue, state)
VALUES ('analyst', 'hash-a', 1, 'analyst@254carbon.com', 1, now(), now(), 'default', 1),
       ('engineer', 'hash-e', 1, 'engineer@254carbon.com', 1, now(), now(), 'default', 1);
INSERT INTO t_ds_project (name, code, description, user_id, flag, create_time, update_time)
VALUES ('commodities', 1001, 'price ingestion', 2, 1, now(), now()), ('curves', 1002, NULL, 3, 1, now(), now());
INSERT INTO t_ds_process_definition (code, name, version, project_code, release_state, user_id, flag, tenant_id, create_time, update_time)
VALUES (2001, 'ingest-eia', 1, 1001, 1, 2, 1, 1, now(), now()),
       (2002, 'ingest-cme', 3, 1001, 0, 2, 1, 1, now(), now()),
       (2003, 'build-curves', NULL, 1002, 1, 3, 1, -1, now(), now());
INSERT INTO t_ds_task_definition (code, name, version, project_code, user_id, task_type, task_params, task_param_list, flag, worker_group, create_time, update_time)
VALUES (3001, 'fetch', 1, 1001, 2, 'SHELL', '{"rawScript":"echo fetch"}', '[]', 1, 'default', now(), now()),
       (3002, 'load', 1, 1001, 2, 'SQL', '{"sql":"select 1"}', NULL, 1, NULL, now(), now());
INSERT INTO t_ds_process_instance (name, process_definition_code, process_definition_version, state, start_time, executor_id, worker_group, tenant_id)
VALUES ('ingest-eia-20251020', 2001, 1, 7, now(), 2, 'default', 1);
INSERT INTO t_ds_worker_group (name, addr_list, create_time, update_time, description)
VALUES ('spark', NULL, now(), now(), 'made by hand without addresses');
`;

const DS_TABLES = `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = '%s' AND c.relkind = 'r' AND c.relname LIKE 't\\_ds\\_%' ORDER BY 1`;

describePg('DolphinScheduler schema step against PostgreSQL', () => {
  let pg: ThrowawayPostgres;
  let n = 0;
  const hand = handMadeSql();

  beforeAll(async () => {
    pg = await ThrowawayPostgres.start(located.bin!);
    pg.sql('postgres', `CREATE ROLE ${USER} LOGIN`);
    // eslint-disable-next-line no-console
    console.log(`dolphinscheduler-schema: PostgreSQL from ${located.bin} on 127.0.0.1:${pg.port}; hand-made state from ${hand.source}; install script ${INSTALL_SQL}`);
  }, 120_000);
  afterAll(() => pg?.stop());

  /** A new database owned by the DolphinScheduler user. */
  function newDb(): string {
    const db = `ds_case_${++n}`;
    pg.sql('postgres', `CREATE DATABASE ${db} OWNER ${USER}`);
    return db;
  }
  const q = (db: string, sql: string) => pg.sql(db, sql, USER);
  const tables = (db: string, schema = 'public') => q(db, DS_TABLES.replace('%s', schema)).split('\n').filter(Boolean);
  /** A fingerprint of every row of every t_ds_* table of a schema. */
  function fingerprint(db: string, schema = 'public'): Record<string, string> {
    const out: Record<string, string> = {};
    for (const t of tables(db, schema)) out[t] = q(db, `SELECT count(*) || ':' || coalesce(md5(string_agg(x::text, '|' ORDER BY x::text)), '') FROM ${schema}.${t} x`);
    return out;
  }
  function handMade(db: string, withWork = true): void {
    q(db, hand.sql);
    if (withWork) q(db, WORK_ROWS);
  }
  /** What dolphinscheduler-tools 3.2.2 UpgradeDolphinScheduler decides and does (see the file comment). */
  function upgradeSchemaStandIn(db: string): 'install' | 'upgrade' {
    const initialized = q(db, `SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = current_schema() AND c.relname IN ('t_escheduler_version', 't_ds_version', 't_escheduler_queue')`) !== '0';
    if (initialized) {
      // No upgrade directory above the recorded version: only updateVersion(soft_version) (DolphinSchedulerManager.java:124).
      q(db, `UPDATE t_ds_version SET version = '3.3.0'`);
      return 'upgrade';
    }
    pg.file(db, INSTALL_SQL, USER);
    return 'install';
  }
  /** The Job: guard (init container), upgrade-schema.sh (init container), finish (container). */
  function schemaJob(db: string, migrate = false) {
    const guard = pg.script(GUARD_SCRIPT, db, USER, migrate ? { [MIGRATE_ENV]: 'true' } : {});
    if (guard.status !== 0) return { guard, ok: false as const };
    const tool = upgradeSchemaStandIn(db);
    const finish = pg.script(FINISH_SCRIPT, db, USER);
    return { guard, tool, finish, ok: finish.status === 0 };
  }

  test('regression: an empty database is installed', () => {
    const db = newDb();
    const r = schemaJob(db);
    expect(r.guard.stdout).toContain('no DolphinScheduler table: upgrade-schema.sh installs the schema');
    expect(r.tool).toBe('install');
    expect(r.ok).toBe(true);
    expect(q(db, 'SELECT version FROM t_ds_version')).toBe('3.3.0');
    expect(q(db, `SELECT user_name FROM t_ds_user`)).toBe('admin');
    expect(tables(db)).toEqual(expect.arrayContaining([...HAND_MADE_TABLES, 't_ds_version']));
  });

  test('regression: the hand-made database is refused, with the fix named and nothing dropped', () => {
    const db = newDb();
    handMade(db);
    const before = fingerprint(db);
    expect(Object.keys(before).sort()).toEqual([...HAND_MADE_TABLES].sort());
    const r = schemaJob(db);
    expect(r.ok).toBe(false);
    expect(r.guard.status).toBe(1);
    expect(r.guard.stderr).toContain('REFUSED');
    expect(r.guard.stderr).toContain('no version table (t_ds_version)');
    expect(r.guard.stderr).toContain('components.dolphinscheduler.schema.migrateHandMadeSchema: true');
    expect(r.guard.stderr).toMatch(/users=3 projects=2 workflow definitions=3/);
    expect(r.guard.stderr).toContain('nothing was changed');
    expect(fingerprint(db)).toEqual(before);
    expect(q(db, `SELECT count(*) FROM pg_namespace WHERE nspname = '${LEGACY_SCHEMA}'`)).toBe('0');
  });

  test('regression: the hand-made database is migrated when asked, every user, project and workflow-definition row kept', () => {
    const db = newDb();
    handMade(db);
    const keep = {
      t_ds_user: q(db, `SELECT id, user_name, user_password, user_type, email, queue, state FROM t_ds_user ORDER BY id`),
      t_ds_project: q(db, `SELECT id, name, code, description, user_id, flag FROM t_ds_project ORDER BY id`),
      t_ds_process_definition: q(db, `SELECT id, code, name, coalesce(version, 1), project_code, release_state, user_id FROM t_ds_process_definition ORDER BY id`),
      t_ds_task_definition: q(db, `SELECT id, code, name, version, project_code, task_type, task_params FROM t_ds_task_definition ORDER BY id`),
      t_ds_tenant: q(db, `SELECT id, tenant_code FROM t_ds_tenant ORDER BY id`),
    };
    const counts = Object.fromEntries(HAND_MADE_TABLES.map((t) => [t, Number(q(db, `SELECT count(*) FROM ${t}`))]));
    const r = schemaJob(db, true);
    if (process.env.DS_SCHEMA_VERBOSE) console.log(r.guard.stdout, r.finish?.stdout, r.finish?.stderr); // eslint-disable-line no-console
    expect(r.guard.status).toBe(0);
    expect(r.guard.stdout).toContain(`moving the hand-made tables (users=3 projects=2 workflow definitions=3) into schema ${LEGACY_SCHEMA}`);
    expect(r.tool).toBe('install');
    expect(r.finish?.stderr).not.toMatch(/ERROR/);
    expect(r.ok).toBe(true);
    expect(q(db, 'SELECT version FROM t_ds_version')).toBe('3.3.0');
    // Every row of the user, project and workflow-definition tables (and the rest) is in the installed schema.
    expect(q(db, `SELECT id, user_name, user_password, user_type, email, queue, state FROM t_ds_user ORDER BY id`)).toBe(keep.t_ds_user);
    expect(q(db, `SELECT id, name, code, description, user_id, flag FROM t_ds_project ORDER BY id`)).toBe(keep.t_ds_project);
    expect(q(db, `SELECT id, code, name, version, project_code, release_state, user_id FROM t_ds_process_definition ORDER BY id`)).toBe(keep.t_ds_process_definition);
    expect(q(db, `SELECT id, code, name, version, project_code, task_type, task_params FROM t_ds_task_definition ORDER BY id`)).toBe(keep.t_ds_task_definition);
    expect(q(db, `SELECT id, tenant_code FROM t_ds_tenant ORDER BY id`)).toBe(keep.t_ds_tenant);
    for (const t of HAND_MADE_TABLES) {
      const expected = t === 't_ds_worker_group' ? counts[t] - 1 : counts[t]; // minus the repaired 'default' row
      const installerSeeds = t === 't_ds_alertgroup' ? 1 : 0; // 'global alert group' does not collide with a legacy row
      expect([t, Number(q(db, `SELECT count(*) FROM ${t}`))]).toEqual([t, expected + installerSeeds]);
    }
    // The operator's admin (password) wins over the installer's seed admin.
    expect(q(db, `SELECT user_password FROM t_ds_user WHERE user_name = 'admin'`)).not.toBe('installer-default');
    // 3.2.2 resolves definitions by code and version through the _log tables.
    expect(q(db, `SELECT code || ':' || version FROM t_ds_process_definition_log ORDER BY code`)).toBe('2001:1\n2002:3\n2003:1');
    expect(q(db, `SELECT count(*) FROM t_ds_task_definition_log`)).toBe('2');
    // New rows get ids past the copied ones.
    expect(q(db, `INSERT INTO t_ds_user (user_name) VALUES ('new-user') RETURNING id`)).toBe(String(Number(q(db, `SELECT max(id) FROM t_ds_user WHERE user_name <> 'new-user'`)) + 1));
    expect(q(db, `INSERT INTO t_ds_project (name, code) VALUES ('new-project', 1003) RETURNING id`)).toBe('3');
    // The hand-made tables stay as a backup, untouched, under the copied name.
    expect(q(db, `SELECT count(*) FROM pg_namespace WHERE nspname = '${LEGACY_SCHEMA}'`)).toBe('0');
    expect(tables(db, LEGACY_SCHEMA_COPIED).sort()).toEqual([...HAND_MADE_TABLES].sort());
    expect(q(db, `SELECT count(*) FROM ${LEGACY_SCHEMA_COPIED}.t_ds_user`)).toBe('3');
    expect(r.finish?.stdout).toContain(`DROP SCHEMA ${LEGACY_SCHEMA_COPIED} CASCADE once verified`);

    // A second sync: recognised, left alone.
    const before = fingerprint(db);
    const again = schemaJob(db, true);
    expect(again.ok).toBe(true);
    expect(again.guard.stdout).toContain('recognised installed schema, version 3.3.0');
    expect(again.tool).toBe('upgrade');
    expect(fingerprint(db)).toEqual(before);
  });

  test("regression: the migration repairs the worker groups that stop the 3.2.2 master (ServerNodeManager NullPointerException on addr_list)", () => {
    const db = newDb();
    handMade(db);
    // The rows the old init Job left: 'default' with addr_list NULL (and one made by hand the same way).
    expect(q(db, `SELECT name FROM t_ds_worker_group WHERE addr_list IS NULL ORDER BY name`)).toBe('default\nspark');
    expect(schemaJob(db, true).ok).toBe(true);
    // ServerNodeManager.updateWorkerGroupMappings() at 3.2.2: workerGroup.getAddrList().split(",") for every row of
    // "select * from t_ds_worker_group" (WorkerGroupMapper.xml queryAllWorkerGroup): no row may have a NULL addr_list.
    const rows = q(db, `SELECT name, addr_list IS NULL FROM t_ds_worker_group ORDER BY name`).split('\n');
    expect(rows).toEqual(['spark|f']);
    // With no row named 'default', the master maps the default group to every registered worker (lines 276-277).
    expect(q(db, `SELECT count(*) FROM t_ds_worker_group WHERE name = 'default'`)).toBe('0');
  });

  test('regression: an installed database is recognised and left alone (rows unchanged)', () => {
    const db = newDb();
    expect(schemaJob(db).ok).toBe(true);
    q(db, `INSERT INTO t_ds_project (name, code, user_id) VALUES ('kept', 42, 1)`);
    q(db, `INSERT INTO t_ds_worker_group (name, addr_list) VALUES ('etl', '10.0.0.1:1234')`);
    const before = fingerprint(db);
    const r = schemaJob(db);
    expect(r.ok).toBe(true);
    expect(r.guard.stdout).toContain('recognised installed schema, version 3.3.0: upgrade-schema.sh upgrades it or leaves it as it is');
    expect(r.tool).toBe('upgrade');
    expect(fingerprint(db)).toEqual(before);
  });

  test('regression: an installed database of an older version passes the guard to be upgraded, rows unchanged by the guard', () => {
    const db = newDb();
    expect(schemaJob(db).ok).toBe(true);
    q(db, `UPDATE t_ds_version SET version = '3.2.0'`);
    q(db, `INSERT INTO t_ds_project (name, code, user_id) VALUES ('kept', 43, 1)`);
    const before = fingerprint(db);
    const guard = pg.script(GUARD_SCRIPT, db, USER, { [MIGRATE_ENV]: 'true' });
    expect(guard.status).toBe(0);
    expect(guard.stdout).toContain('recognised installed schema, version 3.2.0: upgrade-schema.sh upgrades it');
    expect(fingerprint(db)).toEqual(before);
    // What upgrade-schema.sh then does (the upgrade SQL of 3.2.1 and 3.2.2 are upstream's; the stand-in only moves the version).
    expect(upgradeSchemaStandIn(db)).toBe('upgrade');
    expect(q(db, 'SELECT version FROM t_ds_version')).toBe('3.3.0');
    expect(q(db, `SELECT name FROM t_ds_project WHERE code = 43`)).toBe('kept');
  });

  test('regression: a database newer than the tools is refused (upgrade-schema.sh would relabel it as the older version)', () => {
    const db = newDb();
    expect(schemaJob(db).ok).toBe(true);
    const before = fingerprint(db);
    const older = pg.script(GUARD_SCRIPT, db, USER, { [SOFT_VERSION_ENV]: '3.2.1' });
    expect(older.status).toBe(1);
    expect(older.stderr).toContain('the database schema is at version 3.3.0, newer than 3.2.1');
    expect(fingerprint(db)).toEqual(before);
    expect(pg.script(GUARD_SCRIPT, db, USER, { [SOFT_VERSION_ENV]: '3.3.0' }).status).toBe(0);
    expect(pg.script(GUARD_SCRIPT, db, USER, { [SOFT_VERSION_ENV]: '3.10.0' }).status).toBe(0);
  });

  test('regression: an installed database without a version row is refused (the upstream tool cannot upgrade it)', () => {
    const db = newDb();
    expect(schemaJob(db).ok).toBe(true);
    q(db, 'DELETE FROM t_ds_version');
    const r = pg.script(GUARD_SCRIPT, db, USER);
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('t_ds_version exists but holds no version row');
  });

  test('regression: DolphinScheduler tables that are neither installed nor the hand-made set are refused even with the migration asked', () => {
    const db = newDb();
    handMade(db, false);
    q(db, 'CREATE TABLE t_ds_alert (id int PRIMARY KEY)');
    const before = fingerprint(db);
    const r = pg.script(GUARD_SCRIPT, db, USER, { [MIGRATE_ENV]: 'true' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('not only the tables of the old hand-written init Job: unexpected: t_ds_alert');
    expect(fingerprint(db)).toEqual(before);
  });

  test('regression: the migration is refused while another session (an old server) is connected', async () => {
    const db = newDb();
    handMade(db);
    const before = fingerprint(db);
    const { spawn } = await import('child_process');
    const holder = spawn('psql', ['-X', '-q', '-c', 'SELECT pg_sleep(30)'], { env: pg.env(db, USER), stdio: 'ignore' });
    try {
      for (let i = 0; i < 50 && q(db, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()`) === '0'; i++) {
        await new Promise((res) => setTimeout(res, 100));
      }
      const r = pg.script(GUARD_SCRIPT, db, USER, { [MIGRATE_ENV]: 'true' });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/1 other session\(s\) are connected/);
      expect(fingerprint(db)).toEqual(before);
    } finally {
      holder.kill('SIGKILL');
    }
  });

  test('regression: an interrupted migration is finished by the next sync without losing rows', () => {
    const db = newDb();
    handMade(db);
    const users = q(db, `SELECT id, user_name, user_password FROM t_ds_user ORDER BY id`);
    // The guard moved the tables, then the installer died half-way (a few tables created, no version table).
    expect(pg.script(GUARD_SCRIPT, db, USER, { [MIGRATE_ENV]: 'true' }).status).toBe(0);
    q(db, `CREATE TABLE t_ds_user (id int PRIMARY KEY); CREATE TABLE qrtz_locks (sched_name varchar(120))`);
    const r = schemaJob(db, true);
    expect(r.guard.stdout).toContain('a migration is in progress');
    expect(r.ok).toBe(true);
    expect(q(db, `SELECT id, user_name, user_password FROM t_ds_user ORDER BY id`)).toBe(users);
  });

  test('regression: a migration is reversible until its backup is dropped: the rollback restores the hand-made tables row for row', () => {
    const db = newDb();
    handMade(db);
    const before = fingerprint(db);
    expect(schemaJob(db, true).ok).toBe(true);
    q(db, `INSERT INTO t_ds_project (name, code) VALUES ('made-after-migration', 9999)`);
    q(db, ROLLBACK_SQL);
    expect(fingerprint(db)).toEqual(before);
    expect(q(db, `SELECT count(*) FROM pg_namespace WHERE nspname IN ('${LEGACY_SCHEMA}', '${LEGACY_SCHEMA_COPIED}')`)).toBe('0');
    // Nothing is dropped: what the new servers wrote is kept aside.
    expect(q(db, `SELECT name FROM ${ROLLED_BACK_SCHEMA}.t_ds_project WHERE code = 9999`)).toBe('made-after-migration');
    // The database is the hand-made one again: refused without the value, migrated again with it.
    expect(pg.script(GUARD_SCRIPT, db, USER).status).toBe(1);
    expect(() => q(db, ROLLBACK_SQL)).toThrow(/no schema ds_legacy_handmade_copied or ds_legacy_handmade|exists from an earlier rollback/);
  });

  test('the scripts are POSIX sh (dash parses them)', () => {
    for (const [name, s] of [['guard', GUARD_SCRIPT], ['finish', FINISH_SCRIPT]] as const) {
      const file = join(pg.dir, `${name}.sh`);
      writeFileSync(file, s);
      const r = require('child_process').spawnSync('dash', ['-n', file], { encoding: 'utf8' });
      if (r.error) return; // no dash here: sh already ran them above
      expect([name, r.status, r.stderr]).toEqual([name, 0, '']);
    }
  });
});
