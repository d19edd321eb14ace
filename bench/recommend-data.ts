import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { COMPANY, CONTACT } from '../shared/objects.ts';
import { PAIR_KINDS, type PairKind, type Workspace } from '../server/demo/generate.ts';

// The generator itself is shared with the demo workspace (server/demo/generate.ts).
export { generateWorkspace, PAIR_KINDS, type GenerateOptions, type GenRecord, type PairKind, prng, type Workspace } from '../server/demo/generate.ts';

// ---- loading -------------------------------------------------------------------------------------

/** What loading needs: run SQL, and bulk-insert rows of text columns. */
export interface BulkTarget {
  exec(sql: string): Promise<Array<Record<string, unknown>>>;
  /** Rows as tab-separated COPY text lines (no escaping needed: the generator makes none). */
  copy(table: string, columns: string[], lines: string[]): Promise<void>;
}

export function pgliteTarget(client: PGlite): BulkTarget {
  return {
    exec: async (text) => (await client.query<Record<string, unknown>>(text)).rows,
    copy: async (table, columns, lines) => {
      await client.query(`copy ${table} (${columns.join(', ')}) from '/dev/blob'`, [], { blob: new Blob([lines.join('')]) });
    },
  };
}

/** PostgreSQL without COPY streams: one `insert … select from unnest` of text arrays per chunk. */
export function postgresTarget(client: pg.Client | pg.Pool): BulkTarget {
  return {
    exec: async (text) => (await client.query(text)).rows,
    copy: async (table, columns, lines) => {
      const cols: string[][] = columns.map(() => []);
      for (const line of lines) line.slice(0, -1).split('\t').forEach((v, i) => cols[i]!.push(v));
      const params = cols.map((_, i) => `$${i + 1}::text[]`).join(', ');
      const names = columns.map((c, i) => `c${i}`);
      const casts = columns.map((c, i) => `c${i}::${(table === 'associations' && c === 'type_id' ? 'int' : COLUMN_TYPES[c]) ?? 'text'}`).join(', ');
      await client.query(`insert into ${table} (${columns.join(', ')}) select ${casts} from unnest(${params}) as u(${names.join(', ')})`, cols);
    },
  };
}

const COLUMN_TYPES: Record<string, string> = {
  workspace_id: 'uuid',
  id: 'bigint',
  from_id: 'bigint',
  to_id: 'bigint',
  type_id: 'text',
  properties: 'jsonb',
  created_at: 'timestamptz',
  updated_at: 'timestamptz',
};

const TABLES = ['records', 'associations'];

/**
 * Loads a workspace into a migrated database whose `records` and `associations` hold nothing of
 * it yet: drops their secondary indexes and keys, bulk-loads, puts them back exactly as they were
 * (so the benchmark runs on the migration's own indexes), then VACUUM ANALYZE.
 */
export async function loadWorkspace(target: BulkTarget, workspaceId: string, ws: Workspace, now: Date, log: (s: string) => void = () => {}): Promise<void> {
  const started = performance.now();
  const list = TABLES.map((t) => `'${t}'`).join(', ');
  const constraints = (await target.exec(`
    select c.conrelid::regclass::text as tbl, c.conname as name, pg_get_constraintdef(c.oid) as def
    from pg_constraint c where c.conrelid::regclass::text in (${list}) and c.contype in ('p', 'u')`)) as Array<{ tbl: string; name: string; def: string }>;
  const indexes = (await target.exec(`
    select i.indexname as name, i.indexdef as def from pg_indexes i
    where i.schemaname = 'public' and i.tablename in (${list})
      and i.indexname not in (select conname from pg_constraint where conrelid::regclass::text in (${list}))`)) as Array<{ name: string; def: string }>;
  for (const c of constraints) await target.exec(`alter table ${c.tbl} drop constraint ${c.name}`);
  for (const i of indexes) await target.exec(`drop index ${i.name}`);

  const iso = (daysAgo: number) => new Date(now.getTime() - daysAgo * 86_400_000).toISOString();
  const chunk = 20_000;
  let lines: string[] = [];
  const recordColumns = ['workspace_id', 'id', 'type_id', 'properties', 'created_at', 'updated_at'];
  for (const r of ws.records) {
    lines.push(`${workspaceId}\t${r.id}\t${r.type}\t${JSON.stringify(r.props)}\t${iso(r.createdAgo)}\t${iso(r.updatedAgo)}\n`);
    if (lines.length >= chunk) {
      await target.copy('records', recordColumns, lines);
      lines = [];
    }
  }
  if (lines.length > 0) await target.copy('records', recordColumns, lines);
  lines = [];
  const assocColumns = ['workspace_id', 'from_id', 'to_type', 'to_id', 'type_id', 'from_type'];
  let rows = 0;
  const push = async (line: string) => {
    lines.push(line);
    rows++;
    if (lines.length >= chunk * 5) {
      await target.copy('associations', assocColumns, lines);
      lines = [];
    }
  };
  for (const [kind, list] of Object.entries(ws.pairs) as Array<[PairKind, Array<[number, number]>]>) {
    const [aType, bType, ab, ba] = PAIR_KINDS[kind];
    for (const [a, b] of list) {
      await push(`${workspaceId}\t${a}\t${bType}\t${b}\t${ab}\t${aType}\n`);
      await push(`${workspaceId}\t${b}\t${aType}\t${a}\t${ba}\t${bType}\n`);
    }
  }
  for (const [contact, company] of ws.primary) {
    await push(`${workspaceId}\t${contact}\t${COMPANY}\t${company}\t1\t${CONTACT}\n`);
    await push(`${workspaceId}\t${company}\t${CONTACT}\t${contact}\t2\t${COMPANY}\n`);
  }
  if (lines.length > 0) await target.copy('associations', assocColumns, lines);
  log(`loaded ${ws.records.length.toLocaleString('en-US')} records, ${rows.toLocaleString('en-US')} association rows in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const t = performance.now();
  for (const c of constraints) await target.exec(`alter table ${c.tbl} add constraint ${c.name} ${c.def}`);
  for (const i of indexes) await target.exec(i.def);
  const maxId = ws.records.reduce((m, r) => Math.max(m, r.id), 0);
  await target.exec(`select setval('record_ids', greatest(${maxId}, (select last_value from record_ids)))`);
  await target.exec('vacuum analyze records');
  await target.exec('vacuum analyze associations');
  log(`keys, indexes, analyze: ${((performance.now() - t) / 1000).toFixed(1)} s`);
}

/** Number of association pairs in a workspace. */
export function pairCount(ws: Workspace): number {
  return Object.values(ws.pairs).reduce((s, p) => s + p.length, 0) + ws.primary.size;
}
