import { type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import { ACTIVITY_TYPES, type TimelineActivity } from '../../../shared/lifecycle.ts';
import { EMAIL, STANDARD_OBJECTS, standardObjectById } from '../../../shared/objects.ts';
import type { DbOrTx } from '../../db/client.ts';
import { idArray, runStatement, textArray } from '../../db/prepared.ts';
import { col, parseRows } from '../../db/rows.ts';
import { displayName } from '../record-name.ts';

type ActivityName = (typeof ACTIVITY_TYPES)[number];
const ACTIVITY_TYPE_IDS = STANDARD_OBJECTS.filter((o) => o.activity).map((o) => o.typeId);
/** The activities that contact a person (HubSpot's "last contacted"): emails, calls, meetings. */
const CONTACTING_TYPE_IDS = ['0-49', '0-48', '0-47'];

const activityRow = z.object({
  id: col.id,
  type_id: col.text,
  properties: col.properties,
  created_at: col.timestamp,
  at_text: z.string().transform((v) => BigInt(v)),
  owner_name: col.textOrNull,
  associated: col.list(z.object({ id: col.jsonId, type_id: z.string(), properties: col.properties })),
});

const typeIdList = (ids: readonly string[]) => sql.join(ids.map((id) => sql`${id}`), sql`, `);

/** When an activity happened: its hs_timestamp, else its creation, in microseconds since the epoch (the timeline's order and cursor). */
const AT_US = sql.raw(`floor(extract(epoch from coalesce(crm_property_time(r.properties->>'hs_timestamp'), r.created_at)) * 1000000)::bigint`);

export interface TimelinePage {
  results: TimelineActivity[];
  /** The cursor of the next page, or null at the end. */
  after: string | null;
}

/**
 * A record's live activities (emails, calls, meetings, notes, tasks), newest first by
 * `hs_timestamp` (its creation when it has none), then by id; each with its owner's name and the
 * live records it is associated with besides activities. `after` is the previous page's cursor
 * (`<µs>_<id>` of its last activity). One statement per page.
 */
export async function activityTimeline(db: DbOrTx, workspaceId: string, recordId: number, page: { limit: number; after?: string | undefined }): Promise<TimelinePage> {
  const [atRaw, idRaw] = page.after ? page.after.split('_') : [];
  const after = atRaw !== undefined && idRaw !== undefined ? sql`and (t.at_us, t.id) < (${atRaw}::bigint, ${Number(idRaw)}::bigint)` : sql``;
  const result = await db.execute(sql`
    select t.* from (${activitiesOf(workspaceId, sql`${recordId}::bigint`)}) t
    where true ${after}
    order by t.at_us desc, t.id desc
    limit ${page.limit + 1}`);
  const rows = parseRows('timeline: activities of a record', activityRow, result);
  const shown = rows.slice(0, page.limit);
  const last = shown.at(-1);
  return { results: shown.map(toActivity), after: rows.length > page.limit && last ? `${last.at_text}_${last.id}` : null };
}

/** The newest `limit` activities of each of these records, by record id, in one statement (the sidebar's contacts). */
export async function recentActivities(db: DbOrTx, workspaceId: string, recordIds: readonly number[], limit: number): Promise<Map<string, TimelineActivity[]>> {
  const out = new Map<string, TimelineActivity[]>(recordIds.map((id) => [String(id), []]));
  if (recordIds.length === 0) return out;
  const result = await runStatement(db, sql`
    select o.of_id, t.* from unnest(${idArray(recordIds)}::bigint[]) as o(of_id)
    cross join lateral (select x.* from (${activitiesOf(workspaceId, sql`o.of_id`)}) x order by x.at_us desc, x.id desc limit ${limit}) t
    order by o.of_id, t.at_us desc, t.id desc`);
  for (const row of parseRows('timeline: newest activities of records', activityRow.extend({ of_id: col.id }), result)) out.get(String(row.of_id))?.push(toActivity(row));
  return out;
}

/** The live activities of the record `recordId` (an SQL expression), each with its time in µs, owner's name and associated records. */
function activitiesOf(workspaceId: string, recordId: SQL) {
  return sql`
    select t.id, t.type_id, t.properties, t.created_at, t.at_us, t.at_us::text as at_text,
      (select u.name from users u where u.workspace_id = ${workspaceId} and u.id::text = t.properties->>'hubspot_owner_id') as owner_name,
      (select json_agg(json_build_object('id', x.id, 'type_id', x.type_id, 'properties', x.properties) order by x.type_id, x.id)
        from (select distinct o.id, o.type_id, o.properties from associations b
          join records o on o.workspace_id = b.workspace_id and o.id = b.to_id
          where b.workspace_id = ${workspaceId} and b.from_id = t.id and b.to_type not in (${typeIdList(ACTIVITY_TYPE_IDS)})
            and o.archived_at is null and o.merged_into is null) x) as associated
    from (select distinct r.id, r.type_id, r.properties, r.created_at, ${AT_US} as at_us
      from associations a join records r on r.workspace_id = a.workspace_id and r.id = a.to_id
      where a.workspace_id = ${workspaceId} and a.from_id = ${recordId} and a.to_type in (${typeIdList(ACTIVITY_TYPE_IDS)})
        and r.archived_at is null and r.merged_into is null) t`;
}

function toActivity(r: z.output<typeof activityRow>): TimelineActivity {
  return {
    id: String(r.id),
    type: standardObjectById(r.type_id)!.name as ActivityName,
    timestamp: new Date(Number(r.at_text / 1000n)).toISOString(),
    createdAt: r.created_at.toISOString(),
    properties: r.properties,
    ownerName: r.owner_name,
    associations: r.associated.map((o) => ({ objectType: standardObjectById(o.type_id)?.name ?? o.type_id, id: String(o.id), name: displayName(o.type_id, o.properties) ?? String(o.id) })),
  };
}

/** When each of these records was last contacted (its newest logged email, call or meeting), by id; records never contacted are left out. */
export async function lastContacted(db: DbOrTx, workspaceId: string, recordIds: readonly number[]): Promise<Map<string, string>> {
  if (recordIds.length === 0) return new Map();
  const rows = parseRows(
    'timeline: last contacted',
    lastContactedRow,
    await runStatement(db, sql`
      select a.from_id as id, max(coalesce(crm_property_time(r.properties->>'hs_timestamp'), r.created_at)) as at
      from associations a join records r on r.workspace_id = a.workspace_id and r.id = a.to_id
      where a.workspace_id = ${workspaceId} and a.from_id = any(${idArray(recordIds)}::bigint[])
        and a.to_type in (${typeIdList(CONTACTING_TYPE_IDS)}) and r.archived_at is null and r.merged_into is null
      group by a.from_id`),
  );
  return new Map(rows.map((r) => [String(r.id), r.at.toISOString()]));
}

const lastContactedRow = z.object({ id: col.id, at: col.timestamp });

/** The emails logged of these messages (by `hs_email_message_id`), by message id: the email, when it was logged and by whom. */
export async function loggedMessages(db: DbOrTx, workspaceId: string, messageIds: readonly string[]): Promise<Map<string, { emailId: string; loggedAt: string; by: string | null }>> {
  if (messageIds.length === 0) return new Map();
  const rows = parseRows(
    'timeline: logged messages',
    loggedRow,
    await runStatement(db, sql`
      select r.id, r.properties->>'hs_email_message_id' as message_id, r.created_at,
        (select u.name from users u where u.workspace_id = ${workspaceId} and u.id::text = r.properties->>'hubspot_owner_id') as by
      from records r
      where r.workspace_id = ${workspaceId} and r.type_id = ${EMAIL} and r.archived_at is null and r.merged_into is null
        and r.properties->>'hs_email_message_id' = any(${textArray(messageIds)}::text[])
      order by r.id`),
  );
  const out = new Map<string, { emailId: string; loggedAt: string; by: string | null }>();
  for (const r of rows) if (!out.has(r.message_id)) out.set(r.message_id, { emailId: String(r.id), loggedAt: r.created_at.toISOString(), by: r.by });
  return out;
}

const loggedRow = z.object({ id: col.id, message_id: col.text, created_at: col.timestamp, by: col.textOrNull });
