#!/usr/bin/env node
/** The `crm` command. It reads the same environment as the server (DATA_DIR, DATABASE_URL, ...). */
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { loadConfigOrExit } from '../config.ts';
import { useServerSecret } from '../secret.ts';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { type Plan, planSchema } from '../../shared/plans.ts';
import pg from 'pg';
import { CitusMissingError, distribute } from '../db/citus.ts';
import { type Database, InstanceLockedError, openDatabase } from '../db/client.ts';
import { col, parseRow, parseRows } from '../db/rows.ts';
import { SchemaMismatchError, TargetNotEmptyError } from '../domain/copy-database.ts';
import { backfillHistory, migrateAssociations } from '../domain/data-migration.ts';
import { bootstrapInstance } from '../domain/workspaces.ts';
import { COPY_DATABASE_USAGE, copyDatabaseCommand } from './copy-database.ts';
import { DEMO_USAGE, demoCommand } from './demo.ts';
import { EXPORT_USAGE, exportCommand } from './export.ts';
import { type CliContext, IMPORT_USAGE, importCommand } from './import.ts';

const USAGE = `Usage: crm <command>

Commands:
  migrate     Apply the database migrations that are not applied yet, then exit.
              (The server applies them at start too.)
  data-migration associations <file.csv> [--workspace <id>] [--id <migration id>]
              Bring associations over from another system: one per line,
              fromObjectType,fromObjectId,toObjectType,toObjectId,associationTypeIds
              (type ids separated by ';', empty for the default). Every line goes through
              the same rules as the API; history records source MIGRATION with the id.
              Refused lines are listed with their number and reason; the good ones land.
  distribute  Citus only: distribute the workspace tables by workspace_id and make the
              lookup tables reference tables (DATABASE_URL is the coordinator, migrated).
              Refuses a database without the Citus extension. See docs/sharding.md.
  backfill-history [--workspace <id>]
              Give associations that have no history (bulk-loaded, restored from an old
              dump) history entries for what they hold now, with source UNKNOWN.
${IMPORT_USAGE}${EXPORT_USAGE}${COPY_DATABASE_USAGE}${DEMO_USAGE}
Options:
  -h, --help  Show this help.

The database is PGlite in DATA_DIR (default ./data), or PostgreSQL when DATABASE_URL is set.
`;

async function appliedMigrations(database: Database): Promise<number> {
  const table = parseRow('migrations: the table', z.object({ name: col.textOrNull }), await database.db.execute(sql`select to_regclass('drizzle.__drizzle_migrations')::text as name`));
  if (!table.name) return 0;
  return parseRow('migrations: how many', z.object({ n: col.id }), await database.db.execute(sql`select count(*) as n from drizzle.__drizzle_migrations`)).n;
}

async function migrate(): Promise<void> {
  const config = loadConfigOrExit();
  const target = config.databaseUrl ? { databaseUrl: config.databaseUrl } : { dataDir: config.dataDir };
  const before = await openDatabase({ ...target, migrate: false });
  const already = await appliedMigrations(before).finally(() => before.close());
  const after = await openDatabase(target);
  const total = await appliedMigrations(after).finally(() => after.close());
  const where = config.databaseUrl ? 'PostgreSQL (DATABASE_URL)' : `PGlite in ${config.dataDir}`;
  process.stdout.write(`${where}: applied ${total - already} new migration(s), ${total} in all.\n`);
}

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

/** The workspace a data command works on: the one named, or the only one there is. */
async function pickWorkspace(database: Database, named: string | undefined): Promise<{ workspaceId: string; plan: Plan }> {
  const rows = parseRows('workspaces: every one', z.object({ workspace_id: col.text, plan: planSchema }), await database.db.execute(sql`select workspace_id, plan from workspaces order by created_at`));
  const found = named ? rows.find((r) => r.workspace_id === named) : rows.length === 1 ? rows[0] : undefined;
  if (!found) throw new Error(named ? `no workspace ${named}` : `${rows.length} workspaces: name one with --workspace <id> (${rows.map((r) => r.workspace_id).join(', ')})`);
  return { workspaceId: found.workspace_id, plan: found.plan };
}

/** A database nobody started a server on yet: the first workspace, as the server's first start makes it. */
async function setUp(database: Database): Promise<void> {
  const boot = await bootstrapInstance(database.db, { plan: loadConfigOrExit().plan });
  if (boot) process.stderr.write(`Set up the instance: first workspace ${boot.workspaceId}; owner token (shown only this once, keep it): ${boot.token}\n`);
}

async function openConfigured(): Promise<Database> {
  const config = loadConfigOrExit();
  const database = await openDatabase(config.databaseUrl ? { databaseUrl: config.databaseUrl } : { dataDir: config.dataDir });
  // tokens made here (the first workspace's owner) must verify on the server: same key
  await useServerSecret(database.db, config);
  return database;
}

async function dataMigration(file: string, args: string[]): Promise<number> {
  const database = await openConfigured();
  try {
    const ws = await pickWorkspace(database, option(args, '--workspace'));
    const migrationId = option(args, '--id') ?? `migration-${new Date().toISOString()}`;
    const lines = createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity });
    const result = await migrateAssociations(database.db, { ...ws, migrationId }, lines);
    process.stdout.write(`${migrationId}: ${result.applied} association(s) applied, ${result.refused.length} line(s) refused.\n`);
    for (const r of result.refused) process.stdout.write(`  line ${r.line}: ${r.code}: ${r.message}\n`);
    return result.refused.length > 0 ? 1 : 0;
  } finally {
    await database.close();
  }
}

async function backfill(args: string[]): Promise<number> {
  const database = await openConfigured();
  try {
    const ws = await pickWorkspace(database, option(args, '--workspace'));
    const n = await backfillHistory(database.db, ws.workspaceId);
    process.stdout.write(`${n} history entr${n === 1 ? 'y' : 'ies'} written with source UNKNOWN.\n`);
    return 0;
  } finally {
    await database.close();
  }
}

async function distributeCommand(): Promise<number> {
  const url = loadConfigOrExit().databaseUrl;
  if (!url) {
    process.stderr.write('crm distribute: set DATABASE_URL to the Citus coordinator\n');
    return 2;
  }
  // the ordinary migrations first: distributing needs every table there
  await (await openDatabase({ databaseUrl: url, poolSize: 1 })).close();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await distribute(client, (line) => process.stderr.write(`  ${line}\n`));
    process.stdout.write('Distributed the workspace tables by workspace_id; reference tables set.\n');
    return 0;
  } finally {
    await client.end();
  }
}

async function runCommand(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    (command === undefined ? process.stderr : process.stdout).write(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === 'migrate' && rest.length === 0) {
    await migrate();
    return 0;
  }
  if (command === 'migrate' && (rest[0] === '-h' || rest[0] === '--help')) {
    process.stdout.write(USAGE);
    return 0;
  }
  if (command === 'data-migration' && rest[0] === 'associations' && rest[1] && !rest[1].startsWith('-')) {
    return dataMigration(rest[1], rest.slice(2));
  }
  if (command === 'backfill-history') return backfill(rest);
  if (command === 'distribute' && rest.length === 0) return distributeCommand();
  const cli: CliContext = { openConfigured, pickWorkspace, option, setUp };
  if (command === 'import' && rest[0] && !rest[0].startsWith('-')) return importCommand(rest[0], rest.slice(1), cli);
  if (command === 'export') return exportCommand(rest, cli);
  if (command === 'copy-database') return copyDatabaseCommand(rest, cli);
  if (command === 'demo') return demoCommand(rest, cli);
  process.stderr.write(`crm: unknown command or argument: ${argv.join(' ')}\n\n${USAGE}`);
  return 2;
}

/**
 * The command's entry: runs from the server's bundle (server/cli/crm.mjs through server/launch.mjs,
 * as package.json's `crm` bin does), or from this source with `node server/cli/crm.ts`.
 */
export async function main(argv: string[] = process.argv.slice(2)): Promise<void> {
  try {
    process.exitCode = await runCommand(argv);
  } catch (err) {
    process.stderr.write(err instanceof InstanceLockedError || err instanceof CitusMissingError || err instanceof TargetNotEmptyError || err instanceof SchemaMismatchError ? `${err.message}\n` : `crm: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  }
}

if (import.meta.main) await main();
