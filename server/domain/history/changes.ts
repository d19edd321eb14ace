import { type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import { auditActor } from '../../../shared/audit.ts';
import { type ChangeEvent, type RecordAction, recordAction } from '../../../shared/history.ts';
import type { DbOrTx } from '../../db/client.ts';
import { runStatement } from '../../db/prepared.ts';
import { col, parseRow } from '../../db/rows.ts';
import { ApiError } from '../../errors.ts';
import { actorColumnsSql } from '../audit.ts';
import { entryJsonSql, entryRow, toEntry, typeNameSql } from './entries.ts';

/**
 * The change feed's hook for record writes (B2): call it in the writing transaction, after the
 * insert or update, with the records it wrote. It copies their state as it is now in the
 * transaction (properties for CREATED, UPDATED and RESTORED; the survivor for MERGED). Its
 * transaction then gets its commit position like any history write (see change-commits.ts).
 * The rows carry the request's actor (user or app token, see audit.ts `currentActor`).
 */
export async function recordChanged(
  tx: DbOrTx,
  workspaceId: string,
  action: RecordAction,
  ids: readonly number[],
  source: 'JOB' | 'OBJECT_MERGE' | 'OBJECT_RESTORE' | 'IMPORT' | 'MIGRATION' | null = null,
): Promise<void> {
  if (ids.length === 0) return;
  const withProperties = action === 'CREATED' || action === 'UPDATED' || action === 'RESTORED';
  await tx.execute(sql`
    insert into record_changes (workspace_id, action, object_type, object_id, properties, merged_into, source, actor_kind, actor_id, actor_name)
    select workspace_id, ${action}, type_id, id, ${withProperties ? sql`properties` : sql`null::jsonb`}, merged_into, ${source}::text, ${actorColumnsSql()} from records
    where workspace_id = ${workspaceId} and id in (${sql.join(ids.map((id) => sql`${id}::bigint`), sql`, `)})
    order by id`);
}

/** A position in the feed: after event `id` of commit `seq`, or after all of commit `seq` (id null). */
export interface ChangeCursor {
  seq: number;
  id: number | null;
}

export function parseCursor(raw: string | undefined): ChangeCursor {
  if (raw === undefined) return { seq: 0, id: null };
  const match = /^(\d+)(?:\.(-?\d+))?$/.exec(raw);
  const seq = match ? Number(match[1]) : Number.NaN;
  const id = match?.[2] !== undefined ? Number(match[2]) : null;
  if (!Number.isSafeInteger(seq) || (id !== null && !Number.isSafeInteger(id))) {
    throw new ApiError('VALIDATION_ERROR', `after must be a cursor from paging.next.after, got "${raw}"`, { errors: [{ message: 'bad cursor', in: 'query:after' }] });
  }
  return { seq, id };
}

export function formatCursor(c: ChangeCursor): string {
  return c.id === null ? String(c.seq) : `${c.seq}.${c.id}`;
}

/**
 * The change feed's end now: a cursor after every change committed so far (GET /api/changes/latest).
 * Run it as a statement of its own, not in a transaction: the watermark's lock is held to the end
 * of the transaction it runs in.
 */
export async function latestChange(db: DbOrTx, workspaceId: string): Promise<string> {
  return formatCursor({ seq: (await readWatermark(db, workspaceId)) ?? 0, id: null });
}

const watermarkRow = z.object({ w: col.idOrNull });

/** change_feed_watermark() of the workspace (null before its first change); prepared: every sidebar read asks it. */
async function readWatermark(db: DbOrTx, workspaceId: string): Promise<number | null> {
  return parseRow('changes: the watermark', watermarkRow, await runStatement(db, sql`select change_feed_watermark(${workspaceId}) as w`)).w;
}

/**
 * Per workspace, the highest commit position known to be safe: every commit at or below it is
 * visible or will never exist. It only grows, so a value read once stays true forever, in every
 * process: a follower catching up reads pages below it without asking the database again.
 */
const watermarks = new Map<string, number>();

async function refreshWatermark(db: DbOrTx, workspaceId: string): Promise<number> {
  const w = Math.max((await readWatermark(db, workspaceId)) ?? 0, watermarks.get(workspaceId) ?? 0);
  if (watermarks.size > 10_000) watermarks.clear();
  watermarks.set(workspaceId, w);
  return w;
}

/** One event of a feed page (JSON: a page holds up to 1,001). */
const changeEvent = z.object({
  seq: col.jsonId,
  id: col.jsonId,
  committed_at: col.jsonTimestamp.nullable(),
  kind: z.enum(['association', 'record']),
  /** The history row and its actor, read in one lookup. */
  entry: z.object({ row: entryRow, actor: auditActor.nullable() }).nullable(),
  record: z
    .object({
      action: recordAction,
      occurred_at: col.jsonTimestamp,
      object_type_name: col.text,
      object_id: col.jsonId,
      properties: col.properties.nullable(),
      merged_into: col.jsonId.nullable(),
      source: col.textOrNull,
      actor: auditActor.nullable(),
    })
    .nullable(),
});

const pageRow = z.object({ commits: z.number().int(), max_seq: col.idOrNull, events: col.list(changeEvent) });
type PageRow = z.output<typeof pageRow>;

async function readPage(db: DbOrTx, workspaceId: string, after: ChangeCursor, limit: number, watermark: number): Promise<PageRow> {
  const ws = workspaceId;
  const afterId = after.id ?? Number.MAX_SAFE_INTEGER;
  // Keys first (index lookups per commit), then the page's events by primary key: the event
  // bodies are built for the rows shown only.
  return parseRow(
    'changes: a page',
    pageRow,
    await db.execute(sql`
      with c as (
        select seq, tx_key, committed_at from change_commits
        where workspace_id = ${ws} and seq ${after.id === null ? sql`>` : sql`>=`} ${after.seq} and seq <= ${watermark}
        order by seq limit ${limit + 1}),
      k as (
        select e.* from c cross join lateral (
          select c.seq, c.committed_at, h.id, 'association' as kind from association_history h where h.workspace_id = ${ws} and h.tx_key = c.tx_key
          union all
          select c.seq, c.committed_at, r.id, 'record' as kind from record_changes r where r.workspace_id = ${ws} and r.tx_key = c.tx_key) e
        where (e.seq, e.id) > (${after.seq}::bigint, ${afterId}::bigint)
        order by e.seq, e.id limit ${limit + 1})
      select (select count(*)::int from c) as commits, (select max(seq) from c) as max_seq,
        (select json_agg(json_build_object(
          'seq', k.seq, 'id', k.id, 'committed_at', k.committed_at, 'kind', k.kind,
          'entry', case when k.kind = 'association' then (select json_build_object('row', ${entryJsonSql(ws)}, 'actor', ${associationActorSql(ws)})
            from association_history h where h.workspace_id = ${ws} and h.id = k.id) end,
          'record', case when k.kind = 'record' then (select json_build_object(
            'action', r.action, 'occurred_at', r.occurred_at, 'object_type_name', ${typeNameSql(ws, sql`r.object_type`)},
            'object_id', r.object_id, 'properties', r.properties, 'merged_into', r.merged_into, 'source', r.source, 'actor', ${recordActorSql})
            from record_changes r where r.workspace_id = ${ws} and r.id = k.id) end)
          order by k.seq, k.id)
        from k) as events`),
  );
}

/** The actor of a record change: stored with it (null before actors were recorded). */
const recordActorSql = sql`case when r.actor_kind is not null then json_build_object('kind', r.actor_kind, 'id', r.actor_id::text, 'name', r.actor_name) end`;

/**
 * The actor of an association change (`h`), from what its history row holds already, so the
 * association write path stays as it is: a user's name is stored with the row (R21); an app is
 * the token of source API; for the other sources (merge, restore, deletion, import, by domain)
 * it is the actor of a record change of the same transaction, which those writes always have.
 */
function associationActorSql(ws: string): SQL {
  return sql`case
    when h.source = 'USER' then json_build_object('kind', 'user', 'id', h.source_user_id::text, 'name', coalesce(h.source_user_name, h.source_user_id::text))
    when h.source = 'API' then (select json_build_object('kind', 'app', 'id', t.id::text, 'name', t.name) from api_tokens t
      where t.workspace_id = ${ws} and h.source_id ~ '^[0-9]{1,15}$' and t.id = h.source_id::bigint and t.kind = 'app')
    else (select ${recordActorSql} from record_changes r where r.workspace_id = ${ws} and r.tx_key = h.tx_key and r.actor_kind is not null order by r.id limit 1) end`;
}

function toEvent(e: PageRow['events'][number]): ChangeEvent {
  const actor = (e.kind === 'association' ? e.entry?.actor : e.record?.actor) ?? null;
  const base = {
    cursor: `${e.seq}.${e.id}`,
    committedAt: e.committed_at === null ? null : e.committed_at.toISOString(),
    ...(actor !== null ? { actor } : {}),
  };
  if (e.kind === 'association') return { ...base, kind: 'association', ...toEntry(e.entry!.row) };
  const r = e.record!;
  return {
    ...base,
    kind: 'record',
    id: String(e.id),
    action: r.action,
    occurredAt: r.occurred_at.toISOString(),
    objectType: r.object_type_name,
    objectId: String(r.object_id),
    ...(r.properties !== null ? { properties: r.properties } : {}),
    ...(r.merged_into !== null ? { mergedIntoObjectId: String(r.merged_into) } : {}),
    ...(r.source !== null ? { source: r.source } : {}),
  };
}

/**
 * One page of the workspace's change feed (B2): record changes and every association history
 * row, in commit order, from a cursor. `next` is always given (where to continue, now or later);
 * `hasMore` says more events were already there. Below the cached watermark a page is one query;
 * a page that reaches it asks for a new watermark and reads on.
 */
export async function readChanges(db: DbOrTx, workspaceId: string, after: ChangeCursor, limit: number): Promise<{ results: ChangeEvent[]; next: ChangeCursor; hasMore: boolean }> {
  let watermark = watermarks.get(workspaceId) ?? 0;
  let page = watermark > after.seq || (watermark === after.seq && after.id !== null) ? await readPage(db, workspaceId, after, limit, watermark) : null;
  const reachedWatermark = (p: PageRow | null) => p === null || (p.events.length <= limit && p.commits <= limit);
  if (reachedWatermark(page)) {
    const fresh = await refreshWatermark(db, workspaceId);
    if (page === null || fresh > watermark) page = await readPage(db, workspaceId, after, limit, fresh);
    watermark = fresh;
  }
  const events = page!.events;
  if (events.length > limit) {
    const shown = events.slice(0, limit);
    const last = shown.at(-1)!;
    return { results: shown.map(toEvent), next: { seq: last.seq, id: last.id }, hasMore: true };
  }
  // every event of the commits read is on this page: continue after the last of those commits
  const next = page!.max_seq !== null ? { seq: page!.max_seq, id: null } : after;
  return { results: events.map(toEvent), next, hasMore: page!.commits > limit };
}
