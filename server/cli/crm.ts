#!/usr/bin/env node
/** The `crm` command. It reads the same environment as the server (DATA_DIR, DATABASE_URL, ...). */
import { sql } from 'drizzle-orm';
import { loadConfigOrExit } from '../config.ts';
import { type Database, InstanceLockedError, openDatabase, rowsOf } from '../db/client.ts';

const USAGE = `Usage: crm <command>

Commands:
  migrate     Apply the database migrations that are not applied yet, then exit.
              (The server applies them at start too.)

Options:
  -h, --help  Show this help.

The database is PGlite in DATA_DIR (default ./data), or PostgreSQL when DATABASE_URL is set.
`;

async function appliedMigrations(database: Database): Promise<number> {
  const [table] = rowsOf<{ name: string | null }>(await database.db.execute(sql`select to_regclass('drizzle.__drizzle_migrations')::text as name`));
  if (!table?.name) return 0;
  const [row] = rowsOf<{ n: number | string }>(await database.db.execute(sql`select count(*) as n from drizzle.__drizzle_migrations`));
  return Number(row?.n ?? 0);
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

async function main(argv: string[]): Promise<number> {
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
  process.stderr.write(`crm: unknown command or argument: ${argv.join(' ')}\n\n${USAGE}`);
  return 2;
}

if (import.meta.main) {
  try {
    process.exitCode = await main(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(err instanceof InstanceLockedError ? `${err.message}\n` : `crm: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  }
}
