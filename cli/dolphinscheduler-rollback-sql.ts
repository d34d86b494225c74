#!/usr/bin/env node
/**
 * Prints the SQL that rolls back a DolphinScheduler hand-made-schema migration (see README, "Migrating the
 * hand-made database"), for psql:
 *
 *   npx tsx cli/dolphinscheduler-rollback-sql.ts | psql -h <db host> -U dolphinscheduler dolphinscheduler
 */
import { ROLLBACK_SQL } from '../src/components/dolphinscheduler/schema';

process.stdout.write(ROLLBACK_SQL);
