/**
 * The schema step of DolphinScheduler: a guard that runs before the upstream `upgrade-schema.sh` and a finish
 * step that runs after it, both POSIX sh + psql (the tools image is `eclipse-temurin:8-jre` plus the tools jars
 * and has no psql: dolphinscheduler-tools/src/main/docker/Dockerfile at 3.2.2), so they run in a PostgreSQL
 * client image in the same Job pod.
 *
 * Why a guard: `UpgradeDolphinScheduler` (dolphinscheduler-tools 3.2.2, UpgradeDolphinScheduler.java:52-58)
 * calls `initDolphinScheduler()` whenever `schemaIsInitialized()` finds none of `t_escheduler_version`,
 * `t_ds_version`, `t_escheduler_queue` in `current_schema()` (DolphinSchedulerManager.java:67-76,
 * PostgresqlDialect.tableExists), and the install script `sql/dolphinscheduler_postgresql.sql` starts every table
 * with `DROP TABLE IF EXISTS` (users, projects and workflow definitions included). The database of the old
 * charts was made by a hand-written Job (`dolphinscheduler-init-db` and `dolphinscheduler-full-schema-init`)
 * that created 13 `t_ds_*` tables and no version table, so the upstream tool would drop them.
 *
 * States the guard tells apart (tables of `current_schema()` named `t_ds_*`, `qrtz_*`, `t_escheduler_*`):
 * - installed: a version table exists, with a version row: the upstream tool upgrades it (or leaves it).
 * - empty: none of them: the upstream tool installs.
 * - hand-made: only tables of `HAND_MADE_TABLES`: refused, unless `DS_MIGRATE_HAND_MADE_SCHEMA=true`, which
 *   moves them (rows, sequences, indexes) into the schema `LEGACY_SCHEMA` in one transaction; the upstream tool
 *   then installs into the emptied schema and the finish step copies every row back (see `FINISH_SCRIPT`).
 * - anything else: refused; nothing is changed.
 */

/** Where the hand-made tables are kept while and after they are migrated (never the login user's name: `$user` is first on the search path). */
export const LEGACY_SCHEMA = 'ds_legacy_handmade';
/** The legacy schema's name once its rows were copied into the installed schema (kept as a backup until the operator drops it). */
export const LEGACY_SCHEMA_COPIED = 'ds_legacy_handmade_copied';
/** The environment variable that allows the migration of a hand-made database. */
export const MIGRATE_ENV = 'DS_MIGRATE_HAND_MADE_SCHEMA';
/** The environment variable with the schema version the tools install (`sql/soft_version`); the guard refuses a newer database. */
export const SOFT_VERSION_ENV = 'DS_SCHEMA_SOFT_VERSION';

/**
 * `sql/soft_version` of the dolphinscheduler-tools releases read here: what `upgrade-schema.sh` writes into
 * `t_ds_version` (apache/dolphinscheduler, `dolphinscheduler-dao/src/main/resources/sql/soft_version` at each tag).
 * Tag 3.2.2 says 3.3.0.
 */
export const TOOLS_SCHEMA_VERSIONS: Readonly<Record<string, string>> = { '3.2.1': '3.2.1', '3.2.2': '3.3.0' };

/**
 * The tables the old charts' hand-written Jobs created (reference pack hmco-6c20054:
 * helm/charts/data-platform/charts/dolphinscheduler/templates/dolphinscheduler-init-db-job.yaml, ConfigMap
 * `dolphinscheduler-init-sql`, and full-schema-init.yaml, Job `dolphinscheduler-full-schema-init`).
 */
export const HAND_MADE_TABLES: readonly string[] = [
  't_ds_alertgroup', 't_ds_environment', 't_ds_environment_worker_group_relation', 't_ds_plugin_define',
  't_ds_process_definition', 't_ds_process_instance', 't_ds_project', 't_ds_queue', 't_ds_task_definition',
  't_ds_task_instance', 't_ds_tenant', 't_ds_user', 't_ds_worker_group',
];

const sqlList = (names: readonly string[]) => names.map((n) => `'${n}'`).join(', ');

/** The SQL that names the state of the database (one word). */
const CLASSIFY_SQL = `WITH ds AS (
  SELECT c.relname::text AS t FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
    AND (c.relname LIKE 't\\_ds\\_%' OR c.relname LIKE 'qrtz\\_%' OR c.relname LIKE 't\\_escheduler\\_%'))
SELECT CASE
  WHEN EXISTS (SELECT 1 FROM ds WHERE t IN ('t_ds_version', 't_escheduler_version', 't_escheduler_queue')) THEN 'installed'
  WHEN NOT EXISTS (SELECT 1 FROM ds) THEN 'empty'
  WHEN NOT EXISTS (SELECT 1 FROM ds WHERE t NOT IN (${sqlList(HAND_MADE_TABLES)})) THEN 'hand-made'
  ELSE 'unknown' END`;

const DS_TABLES_SQL = `SELECT string_agg(c.relname, ' ' ORDER BY c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
    AND (c.relname LIKE 't\\_ds\\_%' OR c.relname LIKE 'qrtz\\_%' OR c.relname LIKE 't\\_escheduler\\_%')`;

const UNKNOWN_TABLES_SQL = `SELECT string_agg(c.relname, ' ' ORDER BY c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
    AND (c.relname LIKE 't\\_ds\\_%' OR c.relname LIKE 'qrtz\\_%' OR c.relname LIKE 't\\_escheduler\\_%')
    AND c.relname NOT IN (${sqlList(HAND_MADE_TABLES)})`;

/**
 * The guard (init container before `upgrade-schema.sh`). Exit 0: the upstream tool may run. Exit 1: refused,
 * with the reason and the fix on stderr; nothing was changed. Reads the libpq variables (PGHOST, PGPORT,
 * PGDATABASE, PGUSER, PGPASSWORD) and `DS_MIGRATE_HAND_MADE_SCHEMA`.
 */
export const GUARD_SCRIPT = `set -eu
q() { psql -X -q -t -A -v ON_ERROR_STOP=1 -c "$1"; }
refuse() { echo "schema guard: REFUSED: $1" >&2; echo "schema guard: nothing was changed in database $PGDATABASE." >&2; exit 1; }
schema=$(q "SELECT current_schema()")
[ -n "$schema" ] || refuse "the search path of user $PGUSER has no existing schema"
pending=$(q "SELECT count(*) FROM pg_namespace WHERE nspname = '${LEGACY_SCHEMA}'")
state=$(q "${CLASSIFY_SQL.replace(/"/g, '\\"')}")
echo "schema guard: database $PGDATABASE, schema $schema: $state"
case "$state" in
installed)
  if [ "$(q "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relname = 't_ds_version'")" = 1 ]; then
    version=$(q "SELECT version FROM t_ds_version ORDER BY id LIMIT 1")
    [ -n "$version" ] || refuse "t_ds_version exists but holds no version row; upgrade-schema.sh cannot tell what to upgrade from (it fails with 'schemaVersion or version is empty'). Insert the installed version (SELECT version FROM t_ds_version) by hand once you know it."
    if [ -n "\${${SOFT_VERSION_ENV}:-}" ] && [ "$(q "SELECT string_to_array(regexp_replace('$version', '[^0-9.]', '', 'g'), '.')::int[] > string_to_array('$${SOFT_VERSION_ENV}', '.')::int[]")" = t ]; then
      refuse "the database schema is at version $version, newer than $${SOFT_VERSION_ENV}, the schema version of these tools: a downgrade is not supported (upgrade-schema.sh would only relabel the schema as $${SOFT_VERSION_ENV} and older servers would run on a newer schema). Run the DolphinScheduler version that made it, or restore a backup of the older schema."
    fi
    echo "schema guard: recognised installed schema, version $version: upgrade-schema.sh upgrades it or leaves it as it is"
  else
    echo "schema guard: recognised a pre-1.2 schema (t_escheduler_*): upgrade-schema.sh upgrades it"
  fi
  exit 0 ;;
empty)
  if [ "$pending" = 1 ]; then echo "schema guard: the hand-made tables are in schema ${LEGACY_SCHEMA}; upgrade-schema.sh installs, the finish step copies their rows"; else echo "schema guard: no DolphinScheduler table: upgrade-schema.sh installs the schema"; fi
  exit 0 ;;
esac
if [ "$pending" = 1 ]; then
  # Only this guard creates ${LEGACY_SCHEMA}, after moving every hand-made table into it; the servers cannot run
  # before this Job succeeds, so the tables here can only be an interrupted install (which drops and re-creates them).
  echo "schema guard: a migration is in progress (the hand-made tables are in schema ${LEGACY_SCHEMA}) and the installed schema is incomplete: upgrade-schema.sh installs again"
  exit 0
fi
tables=$(q "${DS_TABLES_SQL}")
if [ "$state" = unknown ]; then
  refuse "schema $schema holds DolphinScheduler tables but no version table (t_ds_version), and not only the tables of the old hand-written init Job: unexpected: $(q "${UNKNOWN_TABLES_SQL}"). upgrade-schema.sh would treat it as empty and DROP every table. Restore the database from a backup or remove the unexpected tables yourself after checking them; the migration (${MIGRATE_ENV}) handles only the hand-made set (${HAND_MADE_TABLES.join(' ')})."
fi
counts=$(q "SELECT 'users=' || (SELECT count(*) FROM t_ds_user) || ' projects=' || (SELECT count(*) FROM t_ds_project) || ' workflow definitions=' || (SELECT count(*) FROM t_ds_process_definition)" 2>/dev/null || echo "row counts unavailable")
if [ "\${${MIGRATE_ENV}:-false}" != true ]; then
  refuse "schema $schema holds the tables of the old hand-written init Job ($tables; $counts) and no version table (t_ds_version). upgrade-schema.sh would run the full install script, which drops and re-creates every table. To migrate these rows into the pinned schema set components.dolphinscheduler.schema.migrateHandMadeSchema: true in the environment (${MIGRATE_ENV}=true) after scaling the old DolphinScheduler servers to 0 and taking a database backup (pg_dump)."
fi
others=$(q "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'")
if [ "$others" != 0 ]; then
  refuse "the migration needs the database to itself, and $others other session(s) are connected to $PGDATABASE (old DolphinScheduler servers?). Scale them to 0 (kubectl scale deployment -l app.kubernetes.io/part-of=dolphinscheduler --replicas=0, or the old Deployments by name) and sync again."
fi
echo "schema guard: migrating: moving the hand-made tables ($counts) into schema ${LEGACY_SCHEMA}"
moves=""
for t in $tables; do moves="$moves ALTER TABLE $schema.$t SET SCHEMA ${LEGACY_SCHEMA};"; done
psql -X -q -v ON_ERROR_STOP=1 -c "BEGIN; CREATE SCHEMA ${LEGACY_SCHEMA};$moves COMMENT ON SCHEMA ${LEGACY_SCHEMA} IS 'hand-made DolphinScheduler tables of schema $schema, moved by the schema guard at $(date -u +%Y-%m-%dT%H:%M:%SZ)'; COMMIT;" >/dev/null
echo "schema guard: moved: $tables; upgrade-schema.sh installs the pinned schema, the finish step copies the rows back"
`;

/**
 * The repair of the rows that make the 3.2.2 master fail at start: `ServerNodeManager.afterPropertiesSet()`
 * calls `updateWorkerGroupMappings()`, which runs `workerGroup.getAddrList().split(",")` on every row of
 * `t_ds_worker_group` (ServerNodeManager.java:147-149, 261-268 at 3.2.2): a NULL `addr_list` throws a
 * NullPointerException while Spring creates the bean `serverNodeManager`. The old init Job inserted
 * `('default', addr_list NULL)`. A row named `default` also overrides the implicit default group (every
 * registered worker, lines 276-277), so the NULL/blank `default` row is deleted; any other NULL `addr_list`
 * becomes '' (a group with no workers, as the UI shows it).
 */
export const REPAIR_WORKER_GROUPS_SQL = `DO $repair$
DECLARE n int;
BEGIN
  IF to_regclass('t_ds_worker_group') IS NULL THEN RETURN; END IF;
  DELETE FROM t_ds_worker_group WHERE name = 'default' AND (addr_list IS NULL OR btrim(addr_list) = '');
  GET DIAGNOSTICS n = ROW_COUNT;
  IF n > 0 THEN RAISE NOTICE 'repaired t_ds_worker_group: deleted the row default with no addresses (the implicit default group is every registered worker)'; END IF;
  UPDATE t_ds_worker_group SET addr_list = '' WHERE addr_list IS NULL;
  GET DIAGNOSTICS n = ROW_COUNT;
  IF n > 0 THEN RAISE NOTICE 'repaired t_ds_worker_group: % row(s) with addr_list NULL set to empty', n; END IF;
END $repair$;`;

/**
 * The copy of the hand-made rows into the installed schema, one transaction: for each table of the legacy
 * schema, the installer's seed rows that collide with a legacy row on any unique index are deleted (the legacy
 * rows win: the operator's admin and tenants stay), every legacy row is inserted with the columns both tables
 * have (a NULL into a NOT NULL column with a default takes the default), the row counts are compared, and
 * the id sequences are moved past the copied ids. Workflow and task definitions get their `_log` version rows
 * (3.2.2 resolves a definition by code and version through them). Legacy-only columns are listed in the log
 * and kept in the backup schema.
 */
const COPY_SQL = `DO $copy$
DECLARE
  t text; newrel regclass; oldrel regclass; cols text; vals text; cond text; legacy_only text;
  idx record; col record; n_old bigint; n_new bigint; n_ins bigint; seq text;
BEGIN
  FOR t IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE n.nspname = '${LEGACY_SCHEMA}' AND c.relkind = 'r' ORDER BY c.relname LOOP
    oldrel := format('%I.%I', '${LEGACY_SCHEMA}', t)::regclass;
    newrel := to_regclass(format('%I.%I', current_schema(), t));
    IF newrel IS NULL THEN
      RAISE EXCEPTION 'hand-made table % has no counterpart in the installed schema; nothing was copied', t;
    END IF;
    SELECT string_agg(quote_ident(b.attname), ', ' ORDER BY b.attnum),
           string_agg(CASE WHEN b.attnotnull AND d.adbin IS NOT NULL
                           THEN format('COALESCE(o.%I, %s)', b.attname, pg_get_expr(d.adbin, d.adrelid))
                           ELSE format('o.%I', b.attname) END, ', ' ORDER BY b.attnum)
      INTO cols, vals
      FROM pg_attribute b LEFT JOIN pg_attrdef d ON d.adrelid = b.attrelid AND d.adnum = b.attnum
     WHERE b.attrelid = newrel AND b.attnum > 0 AND NOT b.attisdropped
       AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = oldrel AND a.attname = b.attname AND a.attnum > 0 AND NOT a.attisdropped);
    SELECT string_agg(a.attname, ', ' ORDER BY a.attnum) INTO legacy_only FROM pg_attribute a
     WHERE a.attrelid = oldrel AND a.attnum > 0 AND NOT a.attisdropped
       AND NOT EXISTS (SELECT 1 FROM pg_attribute b WHERE b.attrelid = newrel AND b.attname = a.attname AND b.attnum > 0 AND NOT b.attisdropped);
    FOR idx IN SELECT i.indexrelid, array_agg(a.attname::text ORDER BY k.ord) AS keys
                 FROM pg_index i CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
                 JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                WHERE i.indrelid = newrel AND i.indisunique GROUP BY i.indexrelid LOOP
      IF (SELECT count(*) FROM pg_attribute a WHERE a.attrelid = oldrel AND a.attname = ANY (idx.keys) AND NOT a.attisdropped) = cardinality(idx.keys) THEN
        SELECT string_agg(format('n.%1$I = o.%1$I', k), ' AND ') INTO cond FROM unnest(idx.keys) AS k;
        EXECUTE format('DELETE FROM %s n USING %s o WHERE %s', newrel, oldrel, cond);
      END IF;
    END LOOP;
    EXECUTE format('INSERT INTO %s (%s) SELECT %s FROM %s o', newrel, cols, vals, oldrel);
    GET DIAGNOSTICS n_ins = ROW_COUNT;
    EXECUTE format('SELECT count(*) FROM %s', oldrel) INTO n_old;
    IF n_ins <> n_old THEN
      RAISE EXCEPTION 'table %: % rows in the hand-made table, % copied; nothing was copied', t, n_old, n_ins;
    END IF;
    FOR col IN SELECT b.attname, substring(pg_get_expr(d.adbin, d.adrelid) FROM 'nextval\\(''([^'']+)''') AS seqname
                 FROM pg_attribute b JOIN pg_attrdef d ON d.adrelid = b.attrelid AND d.adnum = b.attnum
                WHERE b.attrelid = newrel AND pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%' LOOP
      EXECUTE format('SELECT setval(%L, GREATEST((SELECT COALESCE(max(%I), 0) FROM %s), 1))', col.seqname, col.attname, newrel);
    END LOOP;
    EXECUTE format('SELECT count(*) FROM %s', newrel) INTO n_new;
    RAISE NOTICE 'copied %: % row(s) kept (table now holds %)%', t, n_old, n_new,
      CASE WHEN legacy_only IS NULL THEN '' ELSE format('; columns not in the pinned schema, kept in ${LEGACY_SCHEMA_COPIED}.%s: %s', t, legacy_only) END;
  END LOOP;
  FOREACH t IN ARRAY ARRAY['t_ds_process_definition', 't_ds_task_definition'] LOOP
    newrel := to_regclass(format('%I.%I', current_schema(), t));
    IF newrel IS NULL OR to_regclass(format('%I.%I_log', current_schema(), t)) IS NULL THEN CONTINUE; END IF;
    SELECT string_agg(quote_ident(b.attname), ', ' ORDER BY b.attnum) INTO cols
      FROM pg_attribute b WHERE b.attrelid = newrel AND b.attnum > 0 AND NOT b.attisdropped AND b.attname <> 'id'
       AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = format('%I.%I_log', current_schema(), t)::regclass AND a.attname = b.attname AND NOT a.attisdropped);
    EXECUTE format('INSERT INTO %1$I_log (%2$s, operator, operate_time) SELECT %2$s, user_id, COALESCE(update_time, now()) FROM %1$I d
                    WHERE NOT EXISTS (SELECT 1 FROM %1$I_log l WHERE l.code = d.code AND l.version = d.version)', t, cols);
    GET DIAGNOSTICS n_ins = ROW_COUNT;
    IF n_ins > 0 THEN RAISE NOTICE 'added % version row(s) to %_log', n_ins, t; END IF;
  END LOOP;
END $copy$;`;

/**
 * The finish step (the Job's container, after `upgrade-schema.sh`): copies the rows of a migration in
 * progress (then renames the legacy schema to `LEGACY_SCHEMA_COPIED`, kept as a backup), repairs the worker
 * groups (`REPAIR_WORKER_GROUPS_SQL`) and checks that a version table exists.
 */
export const FINISH_SCRIPT = `set -eu
q() { psql -X -q -t -A -v ON_ERROR_STOP=1 -c "$1"; }
if [ "$(q "SELECT count(*) FROM pg_namespace WHERE nspname = '${LEGACY_SCHEMA}'")" = 1 ]; then
  target=${LEGACY_SCHEMA_COPIED}
  if [ "$(q "SELECT count(*) FROM pg_namespace WHERE nspname = '${LEGACY_SCHEMA_COPIED}'")" = 1 ]; then target="${LEGACY_SCHEMA_COPIED}_$(date +%Y%m%d%H%M%S)"; fi
  echo "schema finish: copying the hand-made rows from schema ${LEGACY_SCHEMA} into the installed schema"
  psql -X -q -v ON_ERROR_STOP=1 <<EOSQL
BEGIN;
${COPY_SQL.replace(/\$/g, '\\$').replace(/`/g, '\\`')}
${REPAIR_WORKER_GROUPS_SQL.replace(/\$/g, '\\$')}
ALTER SCHEMA ${LEGACY_SCHEMA} RENAME TO $target;
COMMIT;
EOSQL
  echo "schema finish: migration complete; the hand-made tables stay in schema $target as a backup (DROP SCHEMA $target CASCADE once verified)"
else
  psql -X -q -v ON_ERROR_STOP=1 <<EOSQL
${REPAIR_WORKER_GROUPS_SQL.replace(/\$/g, '\\$')}
EOSQL
fi
[ "$(q "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relname IN ('t_ds_version', 't_escheduler_version')")" -ge 1 ] || { echo "schema finish: no version table after upgrade-schema.sh" >&2; exit 1; }
echo "schema finish: installed version $(q "SELECT version FROM t_ds_version ORDER BY id LIMIT 1" 2>/dev/null || echo unknown)"
`;

/** Where a rollback keeps the installed schema's tables it takes out (never dropped by the rollback). */
export const ROLLED_BACK_SCHEMA = 'ds_installed_rolled_back';

/**
 * Undoes a migration while its backup schema exists (`LEGACY_SCHEMA_COPIED`, or `LEGACY_SCHEMA` when it did not
 * finish), in one transaction, dropping nothing: the installed schema's DolphinScheduler tables and sequences
 * move into `ROLLED_BACK_SCHEMA`, the hand-made tables move back where they were. Refused while other sessions
 * are connected. Printed by `npx tsx cli/dolphinscheduler-rollback-sql.ts` for psql (README: "Migrating the
 * hand-made database").
 */
export const ROLLBACK_SQL = `\\set ON_ERROR_STOP on
BEGIN;
DO $rollback$
DECLARE legacy text; r record; others int;
BEGIN
  SELECT nspname INTO legacy FROM pg_namespace WHERE nspname IN ('${LEGACY_SCHEMA}', '${LEGACY_SCHEMA_COPIED}')
   ORDER BY nspname = '${LEGACY_SCHEMA}' DESC LIMIT 1;
  IF legacy IS NULL THEN
    RAISE EXCEPTION 'no schema ${LEGACY_SCHEMA_COPIED} or ${LEGACY_SCHEMA}: there is no migration to roll back (or its backup was dropped)';
  END IF;
  IF EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = '${ROLLED_BACK_SCHEMA}') THEN
    RAISE EXCEPTION 'schema ${ROLLED_BACK_SCHEMA} exists from an earlier rollback; rename or drop it first';
  END IF;
  SELECT count(*) INTO others FROM pg_stat_activity
   WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend';
  IF others > 0 THEN
    RAISE EXCEPTION '% other session(s) are connected to %: scale the DolphinScheduler servers to 0 first', others, current_database();
  END IF;
  EXECUTE format('CREATE SCHEMA %I', '${ROLLED_BACK_SCHEMA}');
  FOR r IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
              AND (c.relname LIKE 't\\_ds\\_%' OR c.relname LIKE 'qrtz\\_%' OR c.relname LIKE 't\\_escheduler\\_%') LOOP
    EXECUTE format('ALTER TABLE %I.%I SET SCHEMA %I', current_schema(), r.relname, '${ROLLED_BACK_SCHEMA}');
  END LOOP;
  FOR r IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = current_schema() AND c.relkind = 'S'
              AND (c.relname LIKE 't\\_ds\\_%' OR c.relname LIKE 'qrtz\\_%') LOOP
    EXECUTE format('ALTER SEQUENCE %I.%I SET SCHEMA %I', current_schema(), r.relname, '${ROLLED_BACK_SCHEMA}');
  END LOOP;
  FOR r IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = legacy AND c.relkind = 'r' LOOP
    EXECUTE format('ALTER TABLE %I.%I SET SCHEMA %I', legacy, r.relname, current_schema());
  END LOOP;
  EXECUTE format('DROP SCHEMA %I', legacy);
  RAISE NOTICE 'rolled back: the hand-made tables are back in schema %; the installed tables are in schema ${ROLLED_BACK_SCHEMA}', current_schema();
END $rollback$;
COMMIT;
`;
