import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { AssociatedRecordView, AssociationsView } from '../../../shared/history.ts';
import type { DbOrTx } from '../../db/client.ts';
import { col, parseRow, parseRows } from '../../db/rows.ts';
import { ApiError } from '../../errors.ts';
import { findType } from '../association-types.ts';
import { type ObjectType, objectTypeById } from '../object-types.ts';
import { displayName } from '../record-name.ts';
import { recordLink } from './entries.ts';
import { type ReplayedPair, replay, replayRow } from './replay.ts';

/** The API name of a type id; a custom type whose schema is gone keeps its id. */
async function typeName(db: DbOrTx, workspaceId: string, typeId: string): Promise<string> {
  try {
    return (await objectTypeById(db, workspaceId, typeId)).name;
  } catch {
    return typeId;
  }
}

/**
 * The associations of a record at a moment, rebuilt from its history (B3): every history row of
 * the record whose transaction had committed by then, replayed in commit order. Rows written
 * before the change feed existed have no commit time and count from the time they were written.
 * A record unknown in the workspace is NOT_FOUND; an archived one is not (its past is still
 * readable).
 */
export async function associationsAt(db: DbOrTx, workspaceId: string, type: ObjectType, id: number, at: string): Promise<AssociationsView> {
  const ws = workspaceId;
  const row = parseRow(
    'history: associations at a moment',
    z.object({ found: col.bool, rows: col.list(replayRow) }),
    await db.execute(sql`
      select exists (select 1 from records where workspace_id = ${ws} and id = ${id} and type_id = ${type.typeId}) as found,
        (select json_agg(json_build_object('action', h.action, 'to_type', h.to_type, 'to_id', h.to_id, 'type_id', h.type_id, 'label', h.label, 'to_name', h.to_name) order by c.seq, h.id)
          from association_history h join change_commits c on c.workspace_id = h.workspace_id and c.tx_key = h.tx_key
          where h.workspace_id = ${ws} and h.from_id = ${id} and h.from_type = ${type.typeId}
            and c.seq is not null and coalesce(c.committed_at, h.occurred_at) <= ${at}::timestamptz) as rows`),
  );
  if (!row.found) throw notFound(type, id);
  return view(db, ws, type, id, new Date(at).toISOString(), [...replay(row.rows).values()]);
}

/** The record's associations now, in the same shape as `associationsAt`. */
export async function currentAssociations(db: DbOrTx, workspaceId: string, type: ObjectType, id: number): Promise<AssociationsView> {
  const ws = workspaceId;
  const row = parseRow(
    'history: associations now',
    z.object({ found: col.bool, edges: col.list(z.object({ to_type: col.text, to_id: col.jsonId, type_id: col.jsonId })) }),
    await db.execute(sql`
      select exists (select 1 from records where workspace_id = ${ws} and id = ${id} and type_id = ${type.typeId}) as found,
        (select json_agg(json_build_object('to_type', to_type, 'to_id', to_id, 'type_id', type_id)) from associations
          where workspace_id = ${ws} and from_id = ${id}) as edges`),
  );
  if (!row.found) throw notFound(type, id);
  const pairs = new Map<string, ReplayedPair>();
  for (const e of row.edges) {
    const key = `${e.to_type}:${e.to_id}`;
    const pair = pairs.get(key) ?? { toType: e.to_type, toId: e.to_id, toName: null, types: new Map<number, string | null>() };
    pair.types.set(e.type_id, null);
    pairs.set(key, pair);
  }
  return view(db, ws, type, id, null, [...pairs.values()]);
}

function notFound(type: ObjectType, id: number): ApiError {
  return new ApiError('NOT_FOUND', `No ${type.name} record with id ${id}`, { errors: [{ message: 'record not found', in: 'path:id' }] });
}

/**
 * The shape both views answer with: grouped by the associated type's name, ordered by id, each
 * with its current name (the name history recorded when the record is gone) and its types with
 * today's labels (the label history recorded when the type was deleted since).
 */
async function view(db: DbOrTx, workspaceId: string, type: ObjectType, id: number, at: string | null, pairs: ReplayedPair[]): Promise<AssociationsView> {
  const ids = [...new Set(pairs.map((p) => p.toId))];
  const records = ids.length === 0 ? [] : parseRows(
    'history: names of the associated records',
    z.object({ id: col.id, type_id: col.text, properties: col.properties }),
    await db.execute(sql`select id, type_id, properties from records where workspace_id = ${workspaceId} and id in (${sql.join(ids.map((i) => sql`${i}`), sql`, `)})`),
  );
  const names = new Map<number, string | null>();
  for (const r of records) {
    const definition = r.type_id.startsWith('2-') ? await objectTypeById(db, workspaceId, r.type_id).then((t) => t.definition).catch(() => undefined) : undefined;
    names.set(r.id, displayName(r.type_id, r.properties, definition));
  }
  const groups: AssociationsView['associations'] = {};
  const typeNames = new Map<string, string>();
  for (const pair of pairs.sort((a, b) => a.toId - b.toId)) {
    if (!typeNames.has(pair.toType)) typeNames.set(pair.toType, await typeName(db, workspaceId, pair.toType));
    const name = typeNames.get(pair.toType)!;
    const associationTypes: AssociatedRecordView['associationTypes'] = [];
    for (const [typeId, recorded] of [...pair.types].sort((a, b) => a[0] - b[0])) {
      const t = await findType(db, workspaceId, typeId);
      associationTypes.push({ category: t?.category ?? 'USER_DEFINED', typeId, label: t ? t.label : recorded });
    }
    (groups[name] ??= { results: [] }).results.push({
      toObjectId: String(pair.toId),
      toName: names.has(pair.toId) ? names.get(pair.toId)! : pair.toName,
      link: recordLink(name, pair.toId),
      labels: associationTypes.flatMap((t) => (t.label !== null ? [t.label] : [])),
      associationTypes,
    });
  }
  return { objectType: type.name, objectId: String(id), at, associations: groups };
}
