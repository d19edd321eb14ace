import { AsyncLocalStorage } from 'node:async_hooks';
import { type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import { type AuditAction, type AuditActor, type AuditEntry, type AuditQuery, actorKind, auditAction } from '../../shared/audit.ts';
import type { DbOrTx } from '../db/client.ts';
import { col, parseRows } from '../db/rows.ts';
import { auditLog } from '../db/schema/index.ts';
import type { Auth } from '../env.ts';
import { typeNameSql } from './history/entries.ts';
import { resolveObjectType } from './object-types.ts';

/** The principal behind a request, as the audit trail names it (the name as it is now). */
export interface ActorRef {
  kind: 'user' | 'app';
  id: number;
  name: string;
}

export function actorRefOf(auth: Auth): ActorRef {
  const p = auth.principal;
  return p.kind === 'user' ? { kind: 'user', id: p.userId, name: p.userName } : { kind: 'app', id: p.tokenId, name: p.name };
}

/**
 * The actor of the running request. Record changes are written from many domain functions, most
 * of which know the workspace but not the caller; the actor rides along with the request instead
 * of being threaded through each of them, so every record write (and any added later) carries it
 * without a parameter or an extra statement. Set by the `actorScope` middleware after auth, and
 * by background jobs for the user who started them.
 */
const actorStore = new AsyncLocalStorage<ActorRef | null>();

export function withActor<T>(actor: ActorRef | null, fn: () => T): T {
  return actorStore.run(actor, fn);
}

export function currentActor(): ActorRef | null {
  return actorStore.getStore() ?? null;
}

/** `actor_kind, actor_id, actor_name` values of the current actor, for an insert into record_changes. */
export function actorColumnsSql(): SQL {
  const a = currentActor();
  return sql`${a?.kind ?? null}::text, ${a?.id ?? null}::bigint, ${a?.name ?? null}::text`;
}

export interface AuditInput {
  action: AuditAction;
  /** `user`, `token`, `workspace`, `schema`, `label`, `limit`, `pipeline`, `pipeline_stage`. */
  targetType: string;
  targetId: string | number | null;
  /** What changed, small: ids, names, before and after. Never secrets. */
  details?: Record<string, unknown>;
}

/**
 * Records an admin action with its actor. Call it in the transaction of the action itself, so an
 * action that rolls back leaves no entry and one that commits always has one.
 */
export async function recordAudit(db: DbOrTx, auth: Auth, entry: AuditInput): Promise<void> {
  const actor = actorRefOf(auth);
  await db.insert(auditLog).values({
    workspaceId: auth.workspaceId,
    action: entry.action,
    actorKind: actor.kind,
    actorId: actor.id,
    actorName: actor.name,
    targetType: entry.targetType,
    targetId: entry.targetId === null ? null : String(entry.targetId),
    details: entry.details ?? {},
  });
}

const RECORD_ACTIONS: Record<string, string> = {
  'record.created': 'CREATED',
  'record.updated': 'UPDATED',
  'record.archived': 'ARCHIVED',
  'record.restored': 'RESTORED',
  'record.merged': 'MERGED',
};

const auditRow = z.object({
  id: col.id,
  occurred_at: col.timestamp,
  action: auditAction,
  actor_kind: actorKind.nullable(),
  actor_id: col.idOrNull,
  actor_name: col.textOrNull,
  target_type: col.text,
  target_id: col.textOrNull,
  details: z.record(z.string(), z.unknown()).nullable(),
});
type AuditRow = z.output<typeof auditRow>;

function toEntry(r: AuditRow): AuditEntry {
  const actor: AuditActor | null = r.actor_kind === null ? null : { kind: r.actor_kind, id: String(r.actor_id), name: r.actor_name ?? '' };
  return {
    id: String(r.id),
    occurredAt: r.occurred_at.toISOString(),
    action: r.action,
    actor,
    targetType: r.target_type,
    targetId: r.target_id,
    details: r.details ?? {},
  };
}

/**
 * The workspace's audit trail, newest first: admin actions (audit_log) and record changes
 * (record_changes, the change feed's rows), merged by id (both draw from `history_ids`). Each
 * side is read in id order with the filters and the limit applied, then the two are merged, so a
 * page costs two index range reads however large the trail is.
 */
export async function readAudit(db: DbOrTx, workspaceId: string, query: AuditQuery): Promise<{ results: AuditEntry[]; after: string | null }> {
  const ws = workspaceId;
  const actions = query.action ?? null;
  const recordActions = actions === null ? Object.values(RECORD_ACTIONS) : actions.flatMap((a) => (RECORD_ACTIONS[a] ? [RECORD_ACTIONS[a]] : []));
  const adminActions = actions === null ? null : actions.filter((a) => !RECORD_ACTIONS[a]);

  // a record target is an object type; anything that is not one leaves the record side out
  let recordType: string | null = null;
  let readRecords = recordActions.length > 0;
  if (readRecords && query.targetType !== undefined) {
    recordType = await resolveObjectType(db, ws, query.targetType).then(
      (t) => t.typeId,
      () => null,
    );
    readRecords = recordType !== null;
  }
  if (readRecords && query.targetId !== undefined && !/^\d{1,15}$/.test(query.targetId)) readRecords = false;
  const readAdmin = adminActions === null || adminActions.length > 0;

  const common = (alias: string, time: string) => {
    const parts: SQL[] = [];
    if (query.after !== undefined) parts.push(sql`${sql.raw(alias)}.id < ${Number(query.after)}::bigint`);
    if (query.actorKind !== undefined) parts.push(sql`${sql.raw(alias)}.actor_kind = ${query.actorKind}`);
    if (query.actorId !== undefined) parts.push(sql`${sql.raw(alias)}.actor_id = ${Number(query.actorId)}::bigint`);
    if (query.occurredAfter !== undefined) parts.push(sql`${sql.raw(time)} >= ${query.occurredAfter}::timestamptz`);
    if (query.occurredBefore !== undefined) parts.push(sql`${sql.raw(time)} < ${query.occurredBefore}::timestamptz`);
    return parts;
  };
  const and = (parts: SQL[]) => (parts.length === 0 ? sql`` : sql` and ${sql.join(parts, sql` and `)}`);
  const limit = query.limit + 1;

  const sides: SQL[] = [];
  if (readAdmin) {
    const where = common('a', 'a.occurred_at');
    if (adminActions !== null) where.push(sql`a.action in (${sql.join(adminActions.map((a) => sql`${a}`), sql`, `)})`);
    if (query.targetType !== undefined) where.push(sql`a.target_type = ${query.targetType}`);
    if (query.targetId !== undefined) where.push(sql`a.target_id = ${query.targetId}`);
    sides.push(sql`(select a.id, a.occurred_at, a.action, a.actor_kind, a.actor_id, a.actor_name, a.target_type, a.target_id, a.details
      from audit_log a where a.workspace_id = ${ws}${and(where)} order by a.id desc limit ${limit})`);
  }
  if (readRecords) {
    const where = common('r', 'r.occurred_at');
    if (actions !== null) where.push(sql`r.action in (${sql.join(recordActions.map((a) => sql`${a}`), sql`, `)})`);
    if (recordType !== null) where.push(sql`r.object_type = ${recordType}`);
    if (query.targetId !== undefined) where.push(sql`r.object_id = ${Number(query.targetId)}::bigint`);
    sides.push(sql`(select r.id, r.occurred_at, 'record.' || lower(r.action) as action, r.actor_kind, r.actor_id, r.actor_name,
      ${typeNameSql(ws, sql`r.object_type`)} as target_type, r.object_id::text as target_id,
      jsonb_strip_nulls(jsonb_build_object('source', r.source, 'mergedIntoObjectId', r.merged_into::text)) as details
      from record_changes r where r.workspace_id = ${ws}${and(where)} order by r.id desc limit ${limit})`);
  }
  if (sides.length === 0) return { results: [], after: null };
  const rows = parseRows('audit: a page', auditRow, await db.execute(sql`select * from (${sql.join(sides, sql` union all `)}) x order by id desc limit ${limit}`));
  const shown = rows.slice(0, query.limit);
  return { results: shown.map(toEntry), after: rows.length > query.limit ? String(shown.at(-1)!.id) : null };
}
