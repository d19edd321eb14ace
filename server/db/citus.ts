import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';

/**
 * The Citus migration path (issue 17, docs/sharding.md): one SQL file, apart from the ordinary
 * migrations, that makes the workspace tables distributed by workspace_id and the lookup tables
 * reference tables. It runs only where the Citus extension is installed.
 */
export const distributeFile = fileURLToPath(new URL('./citus/distribute.sql', import.meta.url));

/** The file's statements, in order. */
export function distributeStatements(): string[] {
  return readFileSync(distributeFile, 'utf8')
    .split('--> statement-breakpoint')
    .map((s) => s.trim())
    .filter((s) => s.replace(/^--.*$/gm, '').trim() !== '');
}

/**
 * What the file makes of the schema: the reference tables it names (every other table is
 * distributed by workspace_id, co-located with `anchor`) and the functions it distributes.
 */
export function distributionPlan(): { anchor: string; reference: string[]; functions: string[]; excluded: string[] } {
  const text = distributeStatements().join('\n');
  const names = (re: RegExp) => [...text.matchAll(re)].map((m) => m[1]!);
  return {
    anchor: names(/create_distributed_table\('([a-z_]+)', 'workspace_id'\)/g)[0]!,
    reference: names(/create_reference_table\('([a-z_]+)'\)/g),
    functions: names(/create_distributed_function\('([^']+)'/g),
    excluded: [...(/relname NOT IN \(([^)]*)\)/.exec(text)?.[1] ?? '').matchAll(/'([a-z_]+)'/g)].map((m) => m[1]!),
  };
}

export class CitusMissingError extends Error {
  constructor() {
    super('This database has no Citus extension: `crm distribute` is for a Citus coordinator only (CREATE EXTENSION citus there first). Plain PostgreSQL needs nothing more.');
    this.name = 'CitusMissingError';
  }
}

/**
 * Runs the file on a migrated Citus coordinator, statement by statement (create_distributed_table
 * moves the existing rows to the shards). Refuses, having changed nothing, without Citus.
 */
export async function distribute(client: pg.Client, log: (line: string) => void = () => {}): Promise<void> {
  const { rows } = await client.query(`select 1 from pg_extension where extname = 'citus'`);
  if (rows.length === 0) throw new CitusMissingError();
  for (const statement of distributeStatements()) {
    log(statement.split('\n').filter((l) => !l.startsWith('--'))[0]!.slice(0, 120));
    await client.query(statement);
  }
}
