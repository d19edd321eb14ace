import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { testDatabase, type TestDatabase } from '../../test/helpers/db.ts';
import { col, parseRows } from '../db/rows.ts';
import type { Auth } from '../env.ts';
import { archiveStage, createPipeline, updateStage } from './pipeline-changes.ts';
import { closedStageIds, closedStagesSql, isKnownStage, loadStageIndex, stageIsClosed } from './pipelines.ts';
import { createWorkspace } from './workspaces.ts';

/** The lookups the open/closed rule and stage checks read: which stages exist, and which close a record. */
describe('stage lookups per workspace', () => {
  let db: TestDatabase;
  let auth: Auth;
  let other: string;

  beforeAll(async () => {
    db = await testDatabase();
    const ws = await createWorkspace(db.db, { name: 'Stages', plan: 'enterprise' });
    auth = { workspaceId: ws.id, plan: 'enterprise', settings: {}, principal: { kind: 'user', userId: ws.adminUserId, userName: 'Admin', role: 'admin', instanceOwner: false, tokenId: 0 } };
    other = (await createWorkspace(db.db, { name: 'Other', plan: 'starter' })).id;
  });
  afterAll(() => db?.destroy());

  it('the defaults: closedwon and closedlost close a deal, 4 a ticket', async () => {
    const index = await loadStageIndex(db.db, auth.workspaceId);
    expect([...closedStageIds(index, '0-3')].sort()).toEqual(['closedlost', 'closedwon']);
    expect([...closedStageIds(index, '0-5')]).toEqual(['4']);
    expect(isKnownStage(index, '0-3', 'default', 'contractsent')).toBe(true);
    expect(isKnownStage(index, '0-3', null, 'contractsent')).toBe(true);
    expect(isKnownStage(index, '0-3', '0', 'contractsent')).toBe(false);
    expect(isKnownStage(index, '0-5', null, 'contractsent')).toBe(false);
    expect(await stageIsClosed(db.db, auth.workspaceId, '0-3', 'default', 'closedwon')).toBe(true);
    expect(await stageIsClosed(db.db, auth.workspaceId, '0-5', null, '2')).toBe(false);
    expect(await stageIsClosed(db.db, auth.workspaceId, '0-5', 'default', '2')).toBeUndefined();
    expect(await stageIsClosed(db.db, auth.workspaceId, '0-3', null, 'nope')).toBeUndefined();
  });

  it('a workspace\'s own stages and closed flags, apart from other workspaces; archived stages keep their flag but are not choosable', async () => {
    const made = await createPipeline(db.db, auth, '0-3', {
      label: 'Own',
      displayOrder: 1,
      stages: [
        { stageId: 'own-open', label: 'Open', displayOrder: 0, metadata: { probability: '0.5' } },
        { stageId: 'own-done', label: 'Done', displayOrder: 1, metadata: { probability: 1, isClosed: true } },
      ],
    });
    expect(made.stages.map((s) => s.metadata)).toEqual([{ isClosed: 'false', probability: '0.5' }, { isClosed: 'true', probability: '1.0' }]);
    await updateStage(db.db, auth, '0-3', 'default', 'contractsent', { metadata: { isClosed: 'true' } });
    await archiveStage(db.db, auth, '0-3', made.id, 'own-done');

    const index = await loadStageIndex(db.db, auth.workspaceId);
    expect([...closedStageIds(index, '0-3')].sort()).toEqual(['closedlost', 'closedwon', 'contractsent', 'own-done']);
    expect(isKnownStage(index, '0-3', made.id, 'own-open')).toBe(true);
    expect(isKnownStage(index, '0-3', made.id, 'own-done')).toBe(false);
    expect(await stageIsClosed(db.db, auth.workspaceId, '0-3', made.id, 'own-done')).toBe(true);

    const theirs = await loadStageIndex(db.db, other);
    expect([...closedStageIds(theirs, '0-3')].sort()).toEqual(['closedlost', 'closedwon']);
    expect(isKnownStage(theirs, '0-3', null, 'own-open')).toBe(false);

    const closed = (ws: string) => db.db.execute(sql`select x.stage_id from (${closedStagesSql(ws, '0-3')}) x(stage_id) order by 1`);
    expect(parseRows('closed stages', z.object({ stage_id: col.text }), await closed(auth.workspaceId)).map((r) => r.stage_id)).toEqual(['closedlost', 'closedwon', 'contractsent', 'own-done']);
    expect(parseRows('closed stages', z.object({ stage_id: col.text }), await closed(other)).map((r) => r.stage_id)).toEqual(['closedlost', 'closedwon']);
  });
});
