import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { rowsOf } from './helpers/raw-rows.ts';
import { useTestApp } from './helpers/app.ts';
import { useHubSpotClient } from './helpers/hubspot-client.ts';
import { seedRecords } from './helpers/records.ts';
import { importCsv } from './fixtures/imports/upload.ts';

/**
 * X5: a deal's `pipeline` and `dealstage`, a ticket's `hs_pipeline` and `hs_pipeline_stage`, are
 * checked against the workspace's pipelines on every record write (single, batch, import), as
 * HubSpot checks them: a 400 VALIDATION_ERROR naming the property and the value, nothing written.
 */
const t = useTestApp({ plan: 'professional' });
const hub = useHubSpotClient(t);
const V3 = '/crm/v3/objects';

/** A HubSpot validation error about one property, as HubSpot's clients read it. */
function expectRefusal(body: any, property: string, value: string, where = 'properties') {
  expect(body).toMatchObject({ status: 'error', category: 'VALIDATION_ERROR', subCategory: 'PROPERTY_INVALID', errors: [{ code: 'PROPERTY_INVALID', in: `${where}.${property}` }] });
  expect(body.message).toContain(property);
  expect(body.message).toContain(`"${value}"`);
}

async function propertiesOf(id: string | number): Promise<Record<string, string>> {
  const [row] = rowsOf<{ properties: Record<string, string> }>(await t.db.db.execute(sql`select properties from records where workspace_id = ${t.workspaceId} and id = ${Number(id)}`));
  return row!.properties;
}

async function countOf(typeId: string, name: string): Promise<number> {
  const [row] = rowsOf<{ n: number }>(await t.db.db.execute(sql`select count(*)::int as n from records where workspace_id = ${t.workspaceId} and type_id = ${typeId} and properties->>'dealname' = ${name}`));
  return row!.n;
}

let own: string;

beforeAll(async () => {
  // a second deal pipeline, with a stage that is archived
  const made = await t.call('POST', '/crm/v3/pipelines/deals', {
    label: 'Renewals',
    displayOrder: 1,
    stages: [
      { stageId: 'renewal-due', label: 'Due', displayOrder: 0, metadata: { probability: '0.5' } },
      { stageId: 'renewal-done', label: 'Renewed', displayOrder: 1, metadata: { probability: '1.0', isClosed: 'true' } },
      { stageId: 'renewal-old', label: 'Old step', displayOrder: 2, metadata: { probability: '0.1' } },
    ],
  });
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  own = made.body.id;
  expect((await t.call('DELETE', `/crm/v3/pipelines/deals/${own}/stages/renewal-old`)).status).toBe(204);
});

describe('stage and pipeline values on record writes (X5)', () => {
  it('X5: creating a deal with a stage the workspace does not have, or of another pipeline, or a pipeline it does not have, is a 400 naming the property and value; nothing is written', async () => {
    const bad = await t.call('POST', `${V3}/deals`, { properties: { dealname: 'Bad stage', dealstage: 'qualifiedtobuyx' } });
    expect(bad.status).toBe(400);
    expectRefusal(bad.body, 'dealstage', 'qualifiedtobuyx');
    expect(bad.body.message).toContain('"qualifiedtobuy"');
    // no pipeline given: the stage must be one of the default pipeline's
    const elsewhere = await t.call('POST', `${V3}/deals`, { properties: { dealname: 'Bad stage', dealstage: 'renewal-due' } });
    expect(elsewhere.status).toBe(400);
    expectRefusal(elsewhere.body, 'dealstage', 'renewal-due');
    const wrongPipeline = await t.call('POST', `${V3}/deals`, { properties: { dealname: 'Bad stage', pipeline: own, dealstage: 'closedwon' } });
    expect(wrongPipeline.status).toBe(400);
    expectRefusal(wrongPipeline.body, 'dealstage', 'closedwon');
    const noPipeline = await t.call('POST', `${V3}/deals`, { properties: { dealname: 'Bad stage', pipeline: 'sales-2', dealstage: 'closedwon' } });
    expect(noPipeline.status).toBe(400);
    expectRefusal(noPipeline.body, 'pipeline', 'sales-2');
    const archived = await t.call('POST', `${V3}/deals`, { properties: { dealname: 'Bad stage', pipeline: own, dealstage: 'renewal-old' } });
    expect(archived.status).toBe(400);
    expectRefusal(archived.body, 'dealstage', 'renewal-old');
    expect(await countOf('0-3', 'Bad stage')).toBe(0);

    for (const properties of [{ dealstage: 'closedwon' }, { pipeline: 'default', dealstage: 'appointmentscheduled' }, { pipeline: own, dealstage: 'renewal-due' }, { pipeline: own }, {}]) {
      const good = await t.call('POST', `${V3}/deals`, { properties: { dealname: 'Good stage', ...properties } });
      expect(good.status, JSON.stringify(good.body)).toBe(201);
      expect(good.body.properties).toMatchObject(properties);
    }
  });

  it('X5: HubSpot\'s client gets the refusal as an ApiException 400 with category VALIDATION_ERROR', async () => {
    await expect(hub.client.crm.deals.basicApi.create({ properties: { dealname: 'Client deal', dealstage: 'won' }, associations: [] })).rejects.toMatchObject({
      code: 400,
      body: { category: 'VALIDATION_ERROR', message: expect.stringContaining('dealstage must be one of the stages of deals pipeline "default"') },
    });
  });

  it('X5: updating checks the pipeline and stage the deal has afterwards; an empty value clears the stage; other edits leave a stored value alone', async () => {
    const made = await t.call('POST', `${V3}/deals`, { properties: { dealname: 'Moving', dealstage: 'appointmentscheduled' } });
    const id = made.body.id as string;
    const bad = await t.call('PATCH', `${V3}/deals/${id}`, { properties: { dealstage: 'nope', amount: '10' } });
    expect(bad.status).toBe(400);
    expectRefusal(bad.body, 'dealstage', 'nope');
    // a pipeline whose stages do not include the deal's present one
    const moved = await t.call('PATCH', `${V3}/deals/${id}`, { properties: { pipeline: own } });
    expect(moved.status).toBe(400);
    expectRefusal(moved.body, 'dealstage', 'appointmentscheduled');
    expect(await propertiesOf(id)).toEqual(expect.objectContaining({ dealstage: 'appointmentscheduled' }));
    expect(await propertiesOf(id)).not.toHaveProperty('amount');

    const both = await t.call('PATCH', `${V3}/deals/${id}`, { properties: { pipeline: own, dealstage: 'renewal-due' } });
    expect(both.status, JSON.stringify(both.body)).toBe(200);
    const cleared = await t.call('PATCH', `${V3}/deals/${id}`, { properties: { dealstage: '' } });
    expect(cleared.status, JSON.stringify(cleared.body)).toBe(200);
    expect(await propertiesOf(id)).not.toHaveProperty('dealstage');
    expect((await t.call('PATCH', `${V3}/deals/${id}`, { properties: { dealstage: 'renewal-done' } })).status).toBe(200);
    expect((await t.call('PATCH', `${V3}/deals/${id}`, { properties: { pipeline: null, dealstage: null } })).status).toBe(200);
    expect(await propertiesOf(id)).not.toHaveProperty('pipeline');

    // a value stored before stages were checked stays through edits that leave it alone
    const [legacy] = await seedRecords(t.db.db, t.workspaceId, '0-3', [{ dealname: 'Legacy', dealstage: 'won-ish' }]);
    const edit = await t.call('PATCH', `${V3}/deals/${legacy}`, { properties: { amount: '5' } });
    expect(edit.status, JSON.stringify(edit.body)).toBe(200);
    expect(await propertiesOf(legacy!)).toMatchObject({ dealstage: 'won-ish', amount: '5' });
  });

  it('X5: batch create and update refuse only the inputs with a bad stage or pipeline (207), naming inputs[i].properties.x', async () => {
    const created = await t.call('POST', `${V3}/deals/batch/create`, {
      inputs: [{ properties: { dealname: 'Batch ok', dealstage: 'contractsent' } }, { properties: { dealname: 'Batch bad', dealstage: 'contract-sent' } }, { properties: { dealname: 'Batch bad', pipeline: 'gone' } }],
    });
    expect(created.status).toBe(207);
    expect(created.body.results.map((r: { properties: Record<string, string> }) => r.properties.dealname)).toEqual(['Batch ok']);
    expect(created.body.errors).toHaveLength(2);
    expect(created.body.errors[0]).toMatchObject({ category: 'VALIDATION_ERROR', subCategory: 'PROPERTY_INVALID', context: { index: ['1'] }, errors: [{ in: 'inputs[1].properties.dealstage' }] });
    expect(created.body.errors[0].message).toContain('"contract-sent"');
    expect(created.body.errors[1]).toMatchObject({ context: { index: ['2'] }, errors: [{ in: 'inputs[2].properties.pipeline' }] });
    expect(await countOf('0-3', 'Batch bad')).toBe(0);

    const id = created.body.results[0].id as string;
    const updated = await t.call('POST', `${V3}/deals/batch/update`, { inputs: [{ id, properties: { dealstage: 'closedlost' } }] });
    expect(updated.status, JSON.stringify(updated.body)).toBe(200);
    const refused = await t.call('POST', `${V3}/deals/batch/update`, { inputs: [{ id, properties: { dealstage: 'lost' } }] });
    expect(refused.status).toBe(207);
    expect(refused.body.errors[0]).toMatchObject({ subCategory: 'PROPERTY_INVALID', errors: [{ in: 'inputs[0].properties.dealstage' }] });
    expect((await propertiesOf(id)).dealstage).toBe('closedlost');
  });

  it('X5: tickets: hs_pipeline_stage must be a stage of hs_pipeline (default 0), hs_pipeline one of the workspace\'s', async () => {
    const bad = await t.call('POST', `${V3}/tickets`, { properties: { subject: 'Stuck', hs_pipeline_stage: '9' } });
    expect(bad.status).toBe(400);
    expectRefusal(bad.body, 'hs_pipeline_stage', '9');
    const noPipeline = await t.call('POST', `${V3}/tickets`, { properties: { subject: 'Stuck', hs_pipeline: 'default', hs_pipeline_stage: '1' } });
    expect(noPipeline.status).toBe(400);
    expectRefusal(noPipeline.body, 'hs_pipeline', 'default');
    // a deal stage is no ticket stage
    const dealStage = await t.call('POST', `${V3}/tickets`, { properties: { subject: 'Stuck', hs_pipeline_stage: 'closedwon' } });
    expect(dealStage.status).toBe(400);
    const good = await t.call('POST', `${V3}/tickets`, { properties: { subject: 'Fine', hs_pipeline: '0', hs_pipeline_stage: '2' } });
    expect(good.status, JSON.stringify(good.body)).toBe(201);
    const moved = await t.call('PATCH', `${V3}/tickets/${good.body.id}`, { properties: { hs_pipeline_stage: '5' } });
    expect(moved.status).toBe(400);
    expectRefusal(moved.body, 'hs_pipeline_stage', '5');
    expect((await t.call('PATCH', `${V3}/tickets/${good.body.id}`, { properties: { hs_pipeline_stage: '4' } })).status).toBe(200);
  });

  it('X5, R17: an import refuses the rows with a stage or pipeline the workspace does not have, and lands the others', async () => {
    const csv = [
      'deals.dealname,deals.pipeline,deals.dealstage',
      'Import ok,,qualifiedtobuy',
      'Import bad stage,,qualified',
      'Import own,' + own + ',renewal-due',
      'Import bad pipeline,nowhere,closedwon',
      'Import crossed,' + own + ',closedwon',
    ].join('\n');
    const view = await importCsv(t, csv, { objectType: 'deals', mode: 'create' });
    expect(view.created).toEqual({ deals: 2 });
    expect(view.errors.map((e: { row: number; code: string }) => [e.row, e.code])).toEqual([[3, 'PROPERTY_INVALID'], [5, 'PROPERTY_INVALID'], [6, 'PROPERTY_INVALID']]);
    expect(view.errors[0].message).toContain('dealstage');
    expect(view.errors[0].message).toContain('"qualified"');
    expect(view.errors[1].message).toContain('pipeline');
    expect(view.errors[1].message).toContain('"nowhere"');
    for (const name of ['Import bad stage', 'Import bad pipeline', 'Import crossed']) expect(await countOf('0-3', name)).toBe(0);
    expect(await countOf('0-3', 'Import own')).toBe(1);

    // updating through an import checks the same
    const [existing] = await seedRecords(t.db.db, t.workspaceId, '0-3', [{ dealname: 'Import target', dealstage: 'appointmentscheduled' }]);
    const update = await importCsv(t, `deals.hs_object_id,deals.dealstage\n${existing},closedwon\n${existing},badstage`, { objectType: 'deals', mode: 'update' });
    expect(update.errors.map((e: { row: number; code: string }) => [e.row, e.code])).toEqual([[3, 'PROPERTY_INVALID']]);
    expect((await propertiesOf(existing!)).dealstage).toBe('closedwon');
  });
});
