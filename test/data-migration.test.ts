import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { rowsOf } from './helpers/raw-rows.ts';
import { backfillHistory, migrateAssociations } from '../server/domain/data-migration.ts';
import { useTestApp } from './helpers/app.ts';
import { allEdges, historyOf, seedRecords } from './helpers/records.ts';

const t = useTestApp({ plan: 'professional' });

async function* linesOf(text: string) {
  for (const line of text.split('\n')) yield line;
}

describe('data migration and history backfill (R21 Migration, Unknown)', () => {
  it('R21: a data migration applies good lines through the usual rules with source MIGRATION, and names every refused line', async () => {
    const [c1, c2] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'mig1@x.com' }, { email: 'mig2@x.com' }]);
    const [co] = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'Migrated Co' }]);
    const [d] = await seedRecords(t.db.db, t.workspaceId, '0-3', [{ dealname: 'Migrated deal' }]);
    const file = [
      'fromObjectType,fromObjectId,toObjectType,toObjectId,associationTypeIds',
      `contacts,${c1},companies,${co},`,
      `contacts,${c2},deals,${d},4`,
      `contacts,abc,deals,${d},`,
      `contacts,${c2},companies,999999999,`,
      `deals,${d},companies,${co},5;341`,
    ].join('\n');
    const r = await migrateAssociations(t.db.db, { workspaceId: t.workspaceId, plan: 'professional', migrationId: 'legacy-2026' }, linesOf(file));
    expect(r.applied).toBe(3);
    expect(r.refused.map((x) => `${x.line}:${x.code}`)).toEqual(['4:VALIDATION_ERROR', '5:NOT_FOUND']);
    expect(r.refused[0]!.message).toContain('fromObjectId');
    // R8 holds for migrated data too: the contact's first company is its primary
    const h = await historyOf(t.db.db, t.workspaceId, c1!);
    expect(h.map((x) => `${x.action}:${x.source}`)).toEqual(['CREATED:MIGRATION', 'PRIMARY_SET:MIGRATION']);
    const api = await t.call('GET', `/api/objects/contacts/${c1}/association-history`);
    expect(api.status).toBe(200);
    expect(api.body.results[0]).toMatchObject({ source: 'MIGRATION', sourceId: 'legacy-2026', toObjectType: 'companies', toObjectId: String(co) });
  });

  it('R21, R20: associations without history get entries with source UNKNOWN, after which history replays to the live state; a second run writes nothing', async () => {
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'dump@x.com', firstname: 'Dora' }]);
    const [co] = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'Dumped Co' }]);
    // as a bulk load or an old dump would leave them: rows, no history
    await t.db.db.execute(sql`insert into associations (workspace_id, from_id, to_type, to_id, type_id, from_type) values
      (${t.workspaceId}, ${c}, '0-2', ${co}, 279, '0-1'), (${t.workspaceId}, ${c}, '0-2', ${co}, 1, '0-1'),
      (${t.workspaceId}, ${co}, '0-1', ${c}, 280, '0-2'), (${t.workspaceId}, ${co}, '0-1', ${c}, 2, '0-2')`);
    expect(await historyOf(t.db.db, t.workspaceId, c!)).toEqual([]);
    const n = await backfillHistory(t.db.db, t.workspaceId);
    expect(n).toBe(4);
    const h = await historyOf(t.db.db, t.workspaceId, c!);
    expect(h.map((x) => `${x.action}:${x.source}:${x.type_id}`)).toEqual(['CREATED:UNKNOWN:279', 'PRIMARY_SET:UNKNOWN:1']);
    expect(h[0]!.to_name).toBe('Dumped Co');
    expect(await backfillHistory(t.db.db, t.workspaceId)).toBe(0);
    // every live edge of the workspace is explained by its history
    const live = (await allEdges(t.db.db, t.workspaceId)).map((e) => `${e.from_id}>${e.to_id}#${e.type_id}`).sort();
    const rows = rowsOf<{ action: string; from_id: number; to_id: number; type_id: number }>(
      await t.db.db.execute(sql`select action, from_id, to_id, type_id from association_history where workspace_id = ${t.workspaceId} order by id`),
    );
    const replay = new Set<string>();
    for (const r of rows) {
      const k = `${r.from_id}>${r.to_id}#${r.type_id}`;
      if (r.action === 'DELETED') for (const x of [...replay]) { if (x.startsWith(`${r.from_id}>${r.to_id}#`)) replay.delete(x); }
      else if (['CREATED', 'LABEL_ADDED', 'PRIMARY_SET'].includes(r.action)) replay.add(k);
      else replay.delete(k);
    }
    expect([...replay].sort()).toEqual(live);
  });
});
