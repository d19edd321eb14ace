import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { ValueWithTimestamp } from '../../../shared/records.ts';
import type { DbOrTx } from '../../db/client.ts';
import { idArray } from '../../db/prepared.ts';
import { col, parseRows } from '../../db/rows.ts';
import { ApiError } from '../../errors.ts';
import type { RecordRow } from '../records.ts';

/**
 * HubSpot reads at most 50 records per request when property histories are asked for (batch read
 * answers 400 past it; a list page is at most 50 long).
 */
export const HISTORY_READ_LIMIT = 50;

/** Batch read with `propertiesWithHistory`: at most HISTORY_READ_LIMIT inputs (HubSpot's wording). */
export function checkHistoryBatchSize(count: number): void {
  if (count > HISTORY_READ_LIMIT) {
    throw new ApiError('VALIDATION_ERROR', `The maximum number of inputs supported in a batch request for property histories is ${HISTORY_READ_LIMIT}. Please reduce the number of items and try again (got ${count}).`, {
      errors: [{ message: `at most ${HISTORY_READ_LIMIT} inputs with propertiesWithHistory`, in: 'body:inputs' }],
    });
  }
}

/** A list page with `propertiesWithHistory`: at most HISTORY_READ_LIMIT records. */
export function checkHistoryPageSize(limit: number): void {
  if (limit > HISTORY_READ_LIMIT) {
    throw new ApiError('VALIDATION_ERROR', `limit must be at most ${HISTORY_READ_LIMIT} when propertiesWithHistory is given, got ${limit}`, {
      errors: [{ message: `at most ${HISTORY_READ_LIMIT} records per page with propertiesWithHistory`, in: 'query:limit' }],
    });
  }
}

/** Properties kept on the record row itself rather than in its property map. */
const SYSTEM = new Set(['hs_object_id', 'createdate', 'lastmodifieddate', 'hs_lastmodifieddate']);

const changeRow = z.object({
  id: col.id,
  object_id: col.id,
  /** The record this one was merged into (null for the records asked for). */
  parent: col.idOrNull,
  occurred_at: col.timestamp,
  action: col.text,
  source: col.textOrNull,
  actor_kind: col.textOrNull,
  actor_id: col.idOrNull,
  actor_name: col.textOrNull,
  /** Only the asked properties, as text; an unset one is absent. */
  props: col.properties,
});
type ChangeRow = z.output<typeof changeRow>;

/** Where a change came from, in HubSpot's `sourceType` words, with who made it. */
function sourceOf(row: ChangeRow, baseline: boolean): Omit<ValueWithTimestamp, 'value' | 'timestamp'> {
  if (baseline) return { sourceType: 'UNKNOWN' };
  const user = row.actor_kind === 'user' && row.actor_id !== null ? { sourceId: `userId:${row.actor_id}`, updatedByUserId: row.actor_id } : null;
  const app = row.actor_kind === 'app' && row.actor_id !== null ? { sourceId: String(row.actor_id), ...(row.actor_name ? { sourceLabel: row.actor_name } : {}) } : null;
  switch (row.source) {
    case 'JOB':
      return { sourceType: 'AUTOMATION_PLATFORM' };
    case 'IMPORT':
      return { sourceType: 'IMPORT', ...(user ?? app ?? {}) };
    case 'OBJECT_MERGE':
      return { sourceType: 'MERGE_OBJECTS', ...(user ?? app ?? {}) };
    case 'OBJECT_RESTORE':
      return { sourceType: 'RESTORE_OBJECTS', ...(user ?? app ?? {}) };
    case 'MIGRATION':
      return { sourceType: 'MIGRATION' };
    default:
      if (user) return { sourceType: 'CRM_UI', ...user };
      if (app) return { sourceType: 'API', ...app };
      return { sourceType: 'UNKNOWN' };
  }
}

interface Entry {
  /** Position in the change feed (history ids grow with time across the workspace). */
  seq: number;
  name: string;
  item: ValueWithTimestamp;
}

/**
 * HubSpot's `propertiesWithHistory` for records read together: per record, per asked property that
 * has or had a value, every value it took, newest first (a cleared value is ""). Built from the
 * change feed (record_changes, which keeps each record's properties after each change) in one
 * statement for all the records:
 *  - an entry wherever a property's value differs from the record's value before that change; a
 *    record's first change is its creation, where only the values it was created with count;
 *  - a record merged into another (at any depth) brings its own history along, as HubSpot's merged
 *    record keeps the history of both; at the merge, the survivor's value is entered again
 *    (MERGE_OBJECTS) where it is not the newest value of the two;
 *  - history that predates the feed: the first known state of a record the feed did not see created
 *    counts as a value of unknown origin (sourceType UNKNOWN), and so does a current value that the
 *    feed does not end with;
 *  - erased contacts (GDPR) have no record and their feed rows no properties: nothing of them comes
 *    back, here or through the records merged into them (erased with them).
 * `hs_object_id` and `createdate` have one entry (set at creation), `lastmodifieddate` and
 * `hs_lastmodifieddate` their current value. Properties that never had a value are left out.
 */
export async function propertiesWithHistory(db: DbOrTx, workspaceId: string, rows: readonly RecordRow[], names: readonly string[]): Promise<Map<number, Record<string, ValueWithTimestamp[]>>> {
  const out = new Map<number, Record<string, ValueWithTimestamp[]>>();
  const asked = [...new Set(names)];
  if (rows.length === 0 || asked.length === 0) return out;
  const stored = asked.filter((n) => !SYSTEM.has(n));
  const namesSql = sql`array[${sql.join((stored.length > 0 ? stored : ['']).map((n) => sql`${n}::text`), sql`, `)}]::text[]`;
  // every record merged into one asked for (through chains of merges), then each one's changes that
  // carry properties, keeping a change only where an asked property differs from the change before
  // (or the first, or a merge: the rest cannot add an entry)
  const changes = parseRows(
    'property history: changes of the records',
    changeRow,
    await db.execute(sql`
      with recursive fam(id, parent) as (
        select x.id, null::bigint from unnest(${idArray(rows.map((r) => r.id))}::bigint[]) as x(id)
        union all
        select r.id, r.merged_into from records r join fam f on r.merged_into = f.id where r.workspace_id = ${workspaceId}
      ),
      picked as (
        select c.id, c.object_id, f.parent, c.occurred_at, c.action, c.source, c.actor_kind, c.actor_id, c.actor_name,
          (select coalesce(jsonb_object_agg(k, c.properties->>k), '{}'::jsonb) from unnest(${namesSql}) as k where c.properties ? k) as props
        from record_changes c join fam f on f.id = c.object_id
        where c.workspace_id = ${workspaceId} and c.properties is not null
      ),
      marked as (select p.*, lag(p.props) over (partition by p.object_id order by p.id) as before, row_number() over (partition by p.object_id order by p.id) as n from picked p)
      select id, object_id, parent, occurred_at, action, source, actor_kind, actor_id, actor_name, props from marked
      where n = 1 or props is distinct from before or source = 'OBJECT_MERGE'
      order by id`),
  );

  const own = new Map<number, ChangeRow[]>();
  const children = new Map<number, Set<number>>();
  for (const c of changes) {
    own.set(c.object_id, [...(own.get(c.object_id) ?? []), c]);
    if (c.parent !== null) children.set(c.parent, (children.get(c.parent) ?? new Set()).add(c.object_id));
  }

  /** The entries of a record and those merged into it, oldest first. */
  const build = (id: number, depth: number): Entry[] => {
    const inherited = depth > 20 ? [] : [...(children.get(id) ?? [])].flatMap((child) => build(child, depth + 1)).sort((a, b) => a.seq - b.seq);
    const result: Entry[] = [];
    const newest = new Map<string, string>();
    const last = new Map<string, string>();
    let next = 0;
    const take = (e: Entry) => {
      result.push(e);
      newest.set(e.name, e.item.value);
    };
    for (const [i, row] of (own.get(id) ?? []).entries()) {
      while (next < inherited.length && inherited[next]!.seq < row.id) take(inherited[next++]!);
      const baseline = i === 0 && row.action !== 'CREATED';
      const source = sourceOf(row, baseline);
      for (const name of stored) {
        const value = row.props[name] ?? '';
        const before = i === 0 ? '' : row.source === 'OBJECT_MERGE' ? (newest.get(name) ?? '') : (last.get(name) ?? '');
        last.set(name, value);
        if (value === before) continue;
        take({ seq: row.id, name, item: { value, timestamp: row.occurred_at.toISOString(), ...source } });
      }
    }
    while (next < inherited.length) take(inherited[next++]!);
    return result;
  };

  for (const row of rows) {
    const entries = build(row.id, 0);
    const byName: Record<string, ValueWithTimestamp[]> = {};
    for (const e of entries) (byName[e.name] ??= []).unshift(e.item);
    const created = (own.get(row.id) ?? [])[0];
    const createdBy = created && created.action === 'CREATED' ? sourceOf(created, false) : { sourceType: 'UNKNOWN' };
    const history: Record<string, ValueWithTimestamp[]> = {};
    for (const name of asked) {
      if (SYSTEM.has(name)) {
        const value = name === 'hs_object_id' ? String(row.id) : name === 'createdate' ? row.createdAt.toISOString() : row.updatedAt.toISOString();
        const at = name === 'hs_object_id' || name === 'createdate' ? row.createdAt : row.updatedAt;
        history[name] = [{ value, timestamp: at.toISOString(), ...(at === row.createdAt ? createdBy : { sourceType: 'UNKNOWN' }) }];
        continue;
      }
      const list = byName[name] ?? [];
      // a value the feed does not end with was written where the feed did not see it
      const current = row.properties[name] ?? '';
      if (current !== (list[0]?.value ?? '')) list.unshift({ value: current, timestamp: row.updatedAt.toISOString(), sourceType: 'UNKNOWN' });
      if (list.length > 0) history[name] = list;
    }
    out.set(row.id, history);
  }
  return out;
}
