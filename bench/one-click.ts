import { type SQL, sql } from 'drizzle-orm';
import type { WriteContext } from '../server/domain/associations.ts';

/**
 * A prototype, for the report only: the one-click default association of a pair that involves no
 * company (no primary rules) and no label, written the way the measurements suggest. The record
 * check, the existing-pair check, both per-record limit counts and the write (both directions +
 * history) are one statement: it writes only when every check passes and returns what it found,
 * so the caller can answer with the right error. The engine's associate() sends three statements
 * for the same thing (lock, read state, write).
 *
 * Safe as it is where writers are serialized (PGlite runs one transaction at a time). On
 * PostgreSQL, run it after `select … for update` of the two records in the same transaction, as
 * associate() does, so two writers cannot both pass a limit.
 */
export function oneClickSql(ctx: WriteContext, a: { id: number; type: string }, b: { id: number; type: string }, types: { ab: number; ba: number }, planLimit: number): SQL {
  const ws = ctx.workspaceId;
  const act = ctx.actor;
  const userId = act.source === 'USER' ? act.userId : null;
  const userName = act.source === 'USER' ? act.userName : null;
  const sourceId = act.source === 'USER' ? null : (act.sourceId ?? null);
  const name = (alias: string) => {
    const p = sql.raw(`${alias}.properties`);
    return sql`coalesce(nullif(trim(concat_ws(' ', ${p}->>'firstname', ${p}->>'lastname')), ''), ${p}->>'name', ${p}->>'dealname', ${p}->>'subject', ${p}->>'email')`;
  };
  return sql`
    with r as (
      select id, type_id, properties from records
      where workspace_id = ${ws} and id in (${a.id}::bigint, ${b.id}::bigint) and archived_at is null and merged_into is null),
    s as (
      select
        (select count(*) from r where (r.id = ${a.id} and r.type_id = ${a.type}) or (r.id = ${b.id} and r.type_id = ${b.type}))::int as found,
        exists (select 1 from associations where workspace_id = ${ws} and from_id = ${a.id} and to_type = ${b.type} and to_id = ${b.id} and type_id = ${types.ab}) as existing,
        (select count(*) from associations where workspace_id = ${ws} and from_id = ${a.id} and to_type = ${b.type} and type_id = ${types.ab})::int as count_a,
        (select count(*) from associations where workspace_id = ${ws} and from_id = ${b.id} and to_type = ${a.type} and type_id = ${types.ba})::int as count_b,
        coalesce((select max_to_object_ids from association_limits where workspace_id = ${ws} and from_type = ${a.type} and to_type = ${b.type} and type_id = ${types.ab}), ${planLimit}::int) as max_a,
        coalesce((select max_to_object_ids from association_limits where workspace_id = ${ws} and from_type = ${b.type} and to_type = ${a.type} and type_id = ${types.ba}), ${planLimit}::int) as max_b),
    ok as (select 1 from s where found = 2 and not existing and count_a < max_a and count_b < max_b),
    i as (
      insert into associations (workspace_id, from_id, to_type, to_id, type_id, from_type)
      select ${ws}::uuid, v.from_id, v.to_type, v.to_id, v.type_id, v.from_type
      from (values (${a.id}::bigint, ${b.type}::text, ${b.id}::bigint, ${types.ab}::int, ${a.type}::text), (${b.id}::bigint, ${a.type}::text, ${a.id}::bigint, ${types.ba}::int, ${b.type}::text))
        as v(from_id, to_type, to_id, type_id, from_type)
      where exists (select 1 from ok)
      on conflict do nothing returning 1),
    h as (
      insert into association_history (workspace_id, action, source, source_user_id, source_user_name, source_id, from_type, from_id, to_type, to_id, to_name, type_id, label)
      select ${ws}::uuid, 'CREATED', ${act.source}, ${userId}::bigint, ${userName}::text, ${sourceId}::text, v.from_type, v.from_id, v.to_type, v.to_id, ${name('t')}, v.type_id, null
      from (values (${a.type}::text, ${a.id}::bigint, ${b.type}::text, ${b.id}::bigint, ${types.ab}::int), (${b.type}::text, ${b.id}::bigint, ${a.type}::text, ${a.id}::bigint, ${types.ba}::int))
        as v(from_type, from_id, to_type, to_id, type_id)
      join r t on t.id = v.to_id
      where exists (select 1 from ok)
      returning 1)
    select s.found, s.existing, s.count_a, s.count_b, s.max_a, s.max_b, (select count(*) from i)::int as inserted from s`;
}

/** The records' row locks, in id order, as associate() takes them. */
export function lockSql(ws: string, ids: number[]): SQL {
  const sorted = [...ids].sort((x, y) => x - y);
  return sql`select id from records where workspace_id = ${ws} and id in (${sql.join(sorted.map((id) => sql`${id}::bigint`), sql`, `)}) order by id for update`;
}
