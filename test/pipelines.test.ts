import { describe, expect, it } from 'vitest';
import { useTestApp } from './helpers/app.ts';
import { useHubSpotClient } from './helpers/hubspot-client.ts';

/** X5: HubSpot's CRM v3 pipelines API for deals and tickets, through HubSpot's own client 14.0.1 and by hand. */
const t = useTestApp({ plan: 'enterprise' });
const hub = useHubSpotClient(t);
const pipelines = () => hub.client.crm.pipelines;

const DEAL_STAGES = [
  ['appointmentscheduled', 'Appointment Scheduled', '0.2', 'false'],
  ['qualifiedtobuy', 'Qualified To Buy', '0.4', 'false'],
  ['presentationscheduled', 'Presentation Scheduled', '0.6', 'false'],
  ['decisionmakerboughtin', 'Decision Maker Bought-In', '0.8', 'false'],
  ['contractsent', 'Contract Sent', '0.9', 'false'],
  ['closedwon', 'Closed Won', '1.0', 'true'],
  ['closedlost', 'Closed Lost', '0.0', 'true'],
] as const;
const TICKET_STAGES = [
  ['1', 'New', 'OPEN'],
  ['2', 'Waiting on contact', 'OPEN'],
  ['3', 'Waiting on us', 'OPEN'],
  ['4', 'Closed', 'CLOSED'],
] as const;

/** What GET /crm/v3/pipelines/{type} answers with a token, as plain JSON. */
async function defaultsOf(token: string) {
  const deals = await t.call('GET', '/crm/v3/pipelines/deals', undefined, token);
  const tickets = await t.call('GET', '/crm/v3/pipelines/0-5', undefined, token);
  return { deals: deals.body.results, tickets: tickets.body.results };
}

function expectDefaults(deals: any[], tickets: any[]) {
  expect(deals.map((p) => [p.id, p.label, p.displayOrder, p.createdAt, p.archived])).toEqual([['default', 'Sales Pipeline', 0, '1970-01-01T00:00:00.000Z', false]]);
  expect(deals[0].stages.map((s: any) => [s.id, s.label, s.metadata.probability, s.metadata.isClosed])).toEqual(DEAL_STAGES.map((s) => [...s]));
  expect(deals[0].stages.map((s: any) => s.displayOrder)).toEqual([0, 1, 2, 3, 4, 5, 6]);
  expect(tickets.map((p) => [p.id, p.label])).toEqual([['0', 'Support Pipeline']]);
  expect(tickets[0].stages.map((s: any) => [s.id, s.label, s.metadata.ticketState])).toEqual(TICKET_STAGES.map((s) => [...s]));
  expect(tickets[0].stages[3].metadata).toEqual({ ticketState: 'CLOSED', isClosed: 'true' });
}

describe('pipelines: HubSpot defaults in every workspace', () => {
  it('X5: the first workspace has HubSpot\'s default deal and ticket pipelines, read with the client', async () => {
    const deals = await pipelines().pipelinesApi.getAll('deals');
    expect(deals.results[0]!.createdAt).toEqual(new Date(0));
    const tickets = await pipelines().pipelinesApi.getAll('tickets');
    // the client's Dates back to ISO strings, as the raw answer has them
    expectDefaults(JSON.parse(JSON.stringify(deals.results)), JSON.parse(JSON.stringify(tickets.results)));
    const one = await pipelines().pipelineStagesApi.getById('0-3', 'default', 'closedwon');
    expect(one).toMatchObject({ id: 'closedwon', label: 'Closed Won', metadata: { isClosed: 'true', probability: '1.0' }, archived: false, writePermissions: 'CRM_PERMISSIONS_ENFORCEMENT' });
  });

  it('X5: a workspace made later (POST /api/workspaces) has them too, and only them', async () => {
    const made = await t.call('POST', '/api/workspaces', { name: 'Later', plan: 'starter' });
    expect(made.status).toBe(201);
    const { deals, tickets } = await defaultsOf(made.body.adminToken);
    expectDefaults(deals, tickets);
  });
});

describe('pipelines through @hubspot/api-client 14.0.1 (X5)', () => {
  it('X5: pipelinesApi create, getById, update, replace, archive, and bring back', async () => {
    const created = await pipelines().pipelinesApi.create('deals', {
      label: 'Renewals',
      displayOrder: 1,
      stages: [
        { label: 'Due', displayOrder: 0, metadata: { probability: '0.5' } },
        { label: 'Renewed', displayOrder: 1, metadata: { probability: '1.0', isClosed: 'true' } },
        { label: 'Churned', displayOrder: 2, metadata: { probability: '0.0', isClosed: 'true' } },
      ],
    });
    expect(created.id).toMatch(/^\d+$/);
    expect(created.archived).toBe(false);
    expect(created.createdAt).toBeInstanceOf(Date);
    expect(created.stages.map((s) => [s.label, s.metadata])).toEqual([
      ['Due', { probability: '0.5', isClosed: 'false' }],
      ['Renewed', { probability: '1.0', isClosed: 'true' }],
      ['Churned', { probability: '0.0', isClosed: 'true' }],
    ]);
    const due = created.stages[0]!.id;

    expect((await pipelines().pipelinesApi.getById('deals', created.id)).label).toBe('Renewals');
    const all = await pipelines().pipelinesApi.getAll('0-3');
    expect(all.results.map((p) => p.label)).toEqual(['Sales Pipeline', 'Renewals']);

    const updated = await pipelines().pipelinesApi.update('deals', created.id, { label: 'Contract renewals', displayOrder: 2 });
    expect([updated.label, updated.displayOrder]).toEqual(['Contract renewals', 2]);
    expect(updated.updatedAt.getTime()).toBeGreaterThanOrEqual(created.updatedAt.getTime());

    // "Due" stays (named by its label, so its id stays), "Churned" goes, "Lost" is new
    const replaced = await pipelines().pipelinesApi.replace('deals', created.id, {
      label: 'Renewals',
      displayOrder: 1,
      stages: [
        { label: 'Due', displayOrder: 0, metadata: { probability: '0.3' } },
        { label: 'Renewed', displayOrder: 1, metadata: { probability: '1.0', isClosed: 'true' } },
        { label: 'Lost', displayOrder: 2, metadata: { probability: '0.0', isClosed: 'true' } },
      ],
    });
    expect(replaced.stages.map((s) => [s.label, s.metadata?.probability])).toEqual([['Due', '0.3'], ['Renewed', '1.0'], ['Lost', '0.0']]);
    expect(replaced.stages[0]!.id).toBe(due);
    expect(replaced.stages[1]!.id).toBe(created.stages[1]!.id);
    expect(replaced.stages.map((s) => s.id)).not.toContain(created.stages[2]!.id);

    await pipelines().pipelinesApi.archive('deals', created.id);
    await expect(pipelines().pipelinesApi.getById('deals', created.id)).rejects.toMatchObject({ code: 404 });
    expect((await pipelines().pipelinesApi.getAll('deals')).results.map((p) => p.id)).toEqual(['default']);

    const back = await pipelines().pipelinesApi.update('deals', created.id, { archived: false });
    expect(back).toMatchObject({ id: created.id, archived: false, label: 'Renewals' });
    expect(back.stages.map((s) => s.label)).toEqual(['Due', 'Renewed', 'Lost']);
  });

  it('X5: pipelineStagesApi getAll, create, getById, update (metadata merged), replace, archive', async () => {
    const p = await pipelines().pipelinesApi.create('tickets', { label: 'Escalations', displayOrder: 3, stages: [{ label: 'Open', displayOrder: 0, metadata: { ticketState: 'OPEN' } }] });
    const stage = await pipelines().pipelineStagesApi.create('tickets', p.id, { label: 'Resolved', displayOrder: 5, metadata: { ticketState: 'CLOSED' } });
    expect(stage).toMatchObject({ label: 'Resolved', displayOrder: 5, metadata: { ticketState: 'CLOSED', isClosed: 'true' }, archived: false });
    expect((await pipelines().pipelineStagesApi.getAll('tickets', p.id)).results.map((s) => s.label)).toEqual(['Open', 'Resolved']);
    expect((await pipelines().pipelineStagesApi.getById('tickets', p.id, stage.id)).label).toBe('Resolved');

    const renamed = await pipelines().pipelineStagesApi.update('tickets', p.id, stage.id, { label: 'Solved' });
    expect(renamed).toMatchObject({ label: 'Solved', displayOrder: 5, metadata: { ticketState: 'CLOSED' } });
    const reopened = await pipelines().pipelineStagesApi.update('tickets', p.id, stage.id, { metadata: { ticketState: 'OPEN' } });
    expect(reopened.metadata).toEqual({ ticketState: 'OPEN', isClosed: 'false' });
    const replaced = await pipelines().pipelineStagesApi.replace('tickets', p.id, stage.id, { label: 'Done', displayOrder: 1, metadata: { ticketState: 'CLOSED' } });
    expect(replaced).toMatchObject({ id: stage.id, label: 'Done', displayOrder: 1, metadata: { ticketState: 'CLOSED' } });

    await pipelines().pipelineStagesApi.archive('tickets', p.id, stage.id);
    await expect(pipelines().pipelineStagesApi.getById('tickets', p.id, stage.id)).rejects.toMatchObject({ code: 404 });
    expect((await pipelines().pipelinesApi.getById('tickets', p.id)).stages.map((s) => s.label)).toEqual(['Open']);
    // PATCH archived: false brings it back
    expect(await pipelines().pipelineStagesApi.update('tickets', p.id, stage.id, { archived: false })).toMatchObject({ label: 'Done', archived: false });
  });

  it('X5: pipelineAuditsApi and pipelineStageAuditsApi answer from the audit trail, newest first', async () => {
    const p = await pipelines().pipelinesApi.create('deals', { label: 'Audited', displayOrder: 9, stages: [{ label: 'One', displayOrder: 0, metadata: { probability: '0.1' } }] });
    await pipelines().pipelinesApi.update('deals', p.id, { label: 'Audited twice' });
    const audit = await pipelines().pipelineAuditsApi.getAudit('deals', p.id);
    expect(audit.results.map((a) => a.action)).toEqual(['UPDATE', 'CREATE']);
    expect(audit.results[0]).toMatchObject({ portalId: 0, identifier: expect.stringMatching(/^\d+$/), rawObject: { label: 'Audited twice', changed: ['label'] } });
    expect(audit.results[0]!.fromUserId).toBeGreaterThan(0);
    expect(audit.results[0]!.timestamp).toBeInstanceOf(Date);

    const stageId = p.stages[0]!.id;
    await pipelines().pipelineStagesApi.update('deals', p.id, stageId, { metadata: { probability: '0.2' } });
    // the client leaves `{pipelineId}` unfilled in this path; the stage is found by its id
    const stageAudit = await pipelines().pipelineStageAuditsApi.getAudit('deals', stageId);
    expect(stageAudit.results.map((a) => a.action)).toEqual(['UPDATE', 'CREATE']);
    expect(stageAudit.results[0]!.rawObject).toMatchObject({ metadata: { probability: '0.2', isClosed: 'false' } });
    // the same entries in the workspace's audit trail
    const trail = await t.call('GET', `/api/audit?targetType=pipeline_stage&targetId=0-3/${stageId}`);
    expect(trail.body.results.map((e: { action: string }) => e.action)).toEqual(['pipeline_stage.updated', 'pipeline_stage.created']);
  });
});

describe('pipelines: refusals in HubSpot\'s error body', () => {
  const errorShape = (category: string) => ({ status: 'error', message: expect.any(String), category, correlationId: expect.stringMatching(/^[0-9a-f-]{36}$/), errors: expect.any(Array) });

  it('an unknown pipeline or stage is a 404 naming the path parameter; so is an archived one for the client', async () => {
    const r = await t.call('GET', '/crm/v3/pipelines/deals/nope');
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ ...errorShape('OBJECT_NOT_FOUND'), subCategory: 'NOT_FOUND', errors: [{ in: 'path:pipelineId' }] });
    expect(r.body.message).toContain('nope');
    const stage = await t.call('GET', '/crm/v3/pipelines/deals/default/stages/1');
    expect(stage.status).toBe(404);
    expect(stage.body.errors[0].in).toBe('path:stageId');
    // a ticket stage is not a deal stage: stage ids are per object type
    expect((await t.call('GET', '/crm/v3/pipelines/tickets/0/stages/1')).status).toBe(200);
    await expect(pipelines().pipelinesApi.getById('deals', 'nope')).rejects.toMatchObject({ code: 404, body: { category: 'OBJECT_NOT_FOUND' } });
  });

  it('an object type without pipelines is a 400 naming objectType', async () => {
    for (const type of ['contacts', 'companies', 'nothing']) {
      const r = await t.call('GET', `/crm/v3/pipelines/${type}`);
      expect(r.status).toBe(400);
      expect(r.body).toMatchObject({ ...errorShape('VALIDATION_ERROR'), errors: [{ in: 'param:objectType' }] });
    }
  });

  it('bad input is a 400 naming every bad field, and nothing is written', async () => {
    const before = (await t.call('GET', '/crm/v3/pipelines/deals')).body.results;
    const noProbability = await t.call('POST', '/crm/v3/pipelines/deals', {
      label: 'Broken',
      displayOrder: 0,
      stages: [{ label: 'A', displayOrder: 0, metadata: {} }, { label: 'B', displayOrder: 1, metadata: { probability: '2', ticketState: 'OPEN' } }],
    });
    expect(noProbability.status).toBe(400);
    expect(noProbability.body).toMatchObject(errorShape('VALIDATION_ERROR'));
    expect(noProbability.body.errors.map((e: { in: string }) => e.in)).toEqual(['body:stages[0].metadata.probability', 'body:stages[1].metadata.ticketState', 'body:stages[1].metadata.probability']);
    const noStages = await t.call('POST', '/crm/v3/pipelines/deals', { label: 'Empty', displayOrder: 0, stages: [] });
    expect(noStages.status).toBe(400);
    expect(noStages.body.errors[0].in).toBe('body:stages');
    const twice = await t.call('POST', '/crm/v3/pipelines/tickets', { label: 'Twice', displayOrder: 0, stages: [{ label: 'Same', displayOrder: 0, metadata: {} }, { label: 'same', displayOrder: 1, metadata: {} }] });
    expect(twice.status).toBe(400);
    expect(twice.body.errors[0].in).toBe('body:stages[1].label');
    const contradiction = await t.call('POST', '/crm/v3/pipelines/tickets', { label: 'X', displayOrder: 0, stages: [{ label: 'S', displayOrder: 0, metadata: { ticketState: 'OPEN', isClosed: 'true' } }] });
    expect(contradiction.status).toBe(400);
    expect(contradiction.body.errors[0].in).toBe('body:stages[0].metadata.isClosed');
    const noLabel = await t.call('POST', '/crm/v3/pipelines/deals', { displayOrder: 0, stages: [{ label: 'A', displayOrder: 0, metadata: { probability: 0.5 } }] });
    expect(noLabel.status).toBe(400);
    expect(noLabel.body.errors[0].in).toBe('body:label');
    expect((await t.call('GET', '/crm/v3/pipelines/deals')).body.results).toEqual(before);
  });

  it('a label another live pipeline has is a 409; archived is for bringing back only (400)', async () => {
    const clash = await t.call('POST', '/crm/v3/pipelines/deals', { label: 'sales pipeline', displayOrder: 0, stages: [{ label: 'A', displayOrder: 0, metadata: { probability: '0.1' } }] });
    expect(clash.status).toBe(409);
    expect(clash.body).toMatchObject({ ...errorShape('CONFLICT'), errors: [{ in: 'body:label' }] });
    const archive = await t.call('PATCH', '/crm/v3/pipelines/deals/default', { archived: true });
    expect(archive.status).toBe(400);
    expect(archive.body.errors[0].in).toBe('body:archived');
    const chosen = await t.call('POST', '/crm/v3/pipelines/deals', { pipelineId: 'default', label: 'Other', displayOrder: 0, stages: [{ label: 'A', displayOrder: 0, metadata: { probability: '0.1' } }] });
    expect(chosen.status).toBe(409);
    expect(chosen.body.errors[0].in).toBe('body:pipelineId');
  });

  it('a stage or pipeline that live records are in is not removed (409); the last stage and the last pipeline stay (400)', async () => {
    const p = (await t.call('POST', '/crm/v3/pipelines/deals', { pipelineId: 'partners', label: 'Partners', displayOrder: 5, stages: [
      { stageId: 'p-open', label: 'Open', displayOrder: 0, metadata: { probability: '0.5' } },
      { stageId: 'p-won', label: 'Won', displayOrder: 1, metadata: { probability: '1.0', isClosed: 'true' } },
    ] })).body;
    expect(p.stages.map((s: { id: string }) => s.id)).toEqual(['p-open', 'p-won']);
    const deal = await t.call('POST', '/crm/v3/objects/deals', { properties: { dealname: 'In it', pipeline: 'partners', dealstage: 'p-open' } });
    expect(deal.status).toBe(201);

    const stage = await t.call('DELETE', '/crm/v3/pipelines/deals/partners/stages/p-open');
    expect(stage.status).toBe(409);
    expect(stage.body).toMatchObject({ ...errorShape('CONFLICT'), errors: [{ code: 'STAGE_IN_USE', in: 'path:stageId' }] });
    expect(stage.body.message).toContain('1 deals');
    const viaPatch = await t.call('PATCH', '/crm/v3/pipelines/deals/partners/stages/p-open', { archived: true });
    expect(viaPatch.status).toBe(409);
    const viaReplace = await t.call('PUT', '/crm/v3/pipelines/deals/partners', { label: 'Partners', displayOrder: 5, stages: [{ label: 'Won', displayOrder: 0, metadata: { probability: '1.0', isClosed: 'true' } }] });
    expect(viaReplace.status).toBe(409);
    const pipeline = await t.call('DELETE', '/crm/v3/pipelines/deals/partners');
    expect(pipeline.status).toBe(409);
    expect(pipeline.body.errors[0].code).toBe('PIPELINE_IN_USE');
    expect((await t.call('GET', '/crm/v3/pipelines/deals/partners')).body.stages).toHaveLength(2);

    // moved on: the stage may go, then not the last one
    expect((await t.call('PATCH', `/crm/v3/objects/deals/${deal.body.id}`, { properties: { dealstage: 'p-won' } })).status).toBe(200);
    expect((await t.call('DELETE', '/crm/v3/pipelines/deals/partners/stages/p-open')).status).toBe(204);
    const last = await t.call('DELETE', '/crm/v3/pipelines/deals/partners/stages/p-won');
    expect(last.status).toBe(400);
    expect(last.body.message).toContain('last stage');
    // an archived deal does not hold the pipeline
    expect((await t.call('DELETE', `/crm/v3/objects/deals/${deal.body.id}`)).status).toBe(204);
    expect((await t.call('DELETE', '/crm/v3/pipelines/deals/partners')).status).toBe(204);

    // a new workspace has one ticket pipeline: it stays
    const fresh = (await t.call('POST', '/api/workspaces', { name: 'One pipeline', plan: 'starter' })).body.adminToken;
    const lastPipeline = await t.call('DELETE', '/crm/v3/pipelines/tickets/0', undefined, fresh);
    expect(lastPipeline.status).toBe(400);
    expect(lastPipeline.body.errors[0].in).toBe('path:pipelineId');
  });
});

describe('pipelines: changes at the same time', () => {
  it('two deletes of a two-stage pipeline\'s stages at once: one goes, the last one stays; two creates with one label, or one chosen stage id: one is made', async () => {
    const p = (await t.call('POST', '/crm/v3/pipelines/tickets', { label: 'Racing', displayOrder: 7, stages: [{ label: 'A', displayOrder: 0, metadata: {} }, { label: 'B', displayOrder: 1, metadata: {} }] })).body;
    const deletes = await Promise.all(p.stages.map((s: { id: string }) => t.call('DELETE', `/crm/v3/pipelines/tickets/${p.id}/stages/${s.id}`)));
    expect(deletes.map((r) => r.status).sort()).toEqual([204, 400]);
    expect((await t.call('GET', `/crm/v3/pipelines/tickets/${p.id}/stages`)).body.results).toHaveLength(1);

    const body = { label: 'Same time', displayOrder: 8, stages: [{ label: 'A', displayOrder: 0, metadata: {} }] };
    const creates = await Promise.all([t.call('POST', '/crm/v3/pipelines/tickets', body), t.call('POST', '/crm/v3/pipelines/tickets', body)]);
    expect(creates.map((r) => r.status).sort()).toEqual([201, 409]);
    expect((await t.call('GET', '/crm/v3/pipelines/tickets')).body.results.filter((x: { label: string }) => x.label === 'Same time')).toHaveLength(1);

    // one chosen stage id, in two pipelines at once: one of them gets it
    const other = creates.find((r) => r.status === 201)!.body;
    const stage = { stageId: 'same-id', label: 'Chosen', displayOrder: 2, metadata: {} };
    const stages = await Promise.all([t.call('POST', `/crm/v3/pipelines/tickets/${p.id}/stages`, stage), t.call('POST', `/crm/v3/pipelines/tickets/${other.id}/stages`, stage)]);
    expect(stages.map((r) => r.status).sort()).toEqual([201, 409]);
  });
});

describe('pipelines: who may do what', () => {
  it('a rep reads pipelines but may not change them (403 before anything is written)', async () => {
    const rep = (await t.call('POST', '/api/users', { name: 'Rhea Rep', email: 'rhea@pipelines.example', role: 'rep' })).body.token;
    expect((await t.call('GET', '/crm/v3/pipelines/deals', undefined, rep)).status).toBe(200);
    expect((await t.call('GET', '/crm/v3/pipelines/deals/default/stages/closedwon', undefined, rep)).status).toBe(200);
    for (const [method, path, body] of [
      ['POST', '/crm/v3/pipelines/deals', { label: 'By rep', displayOrder: 0, stages: [{ label: 'A', displayOrder: 0, metadata: { probability: '0.1' } }] }],
      ['PATCH', '/crm/v3/pipelines/deals/default', { label: 'Renamed by rep' }],
      ['DELETE', '/crm/v3/pipelines/deals/default/stages/contractsent', undefined],
      ['GET', '/crm/v3/pipelines/deals/default/audit', undefined],
    ] as const) {
      const r = await t.call(method, path, body, rep);
      expect(r.status, `${method} ${path}`).toBe(403);
      expect(r.body).toMatchObject({ status: 'error', category: 'MISSING_SCOPES', errors: [{ code: 'ROLE_REQUIRED', in: 'permission' }] });
    }
    expect((await t.call('GET', '/crm/v3/pipelines/deals/default')).body.label).toBe('Sales Pipeline');
    expect((await t.call('GET', '/crm/v3/pipelines/deals/default/stages/contractsent')).status).toBe(200);
  });

  it('an app token reads with crm.objects.<obj>.read and changes with crm.schemas.<obj>.write', async () => {
    const reader = (await t.call('POST', '/api/tokens', { name: 'reader', scopes: ['crm.objects.deals.read'] })).body.token;
    expect((await t.call('GET', '/crm/v3/pipelines/deals', undefined, reader)).status).toBe(200);
    const tickets = await t.call('GET', '/crm/v3/pipelines/tickets', undefined, reader);
    expect(tickets.status).toBe(403);
    expect(tickets.body.context).toEqual({ requiredScopes: ['crm.objects.tickets.read'] });
    const write = await t.call('POST', '/crm/v3/pipelines/deals/default/stages', { label: 'Negotiation', displayOrder: 4, metadata: { probability: '0.85' } }, reader);
    expect(write.status).toBe(403);
    expect(write.body.context).toEqual({ requiredScopes: ['crm.schemas.deals.write'] });
    const writer = (await t.call('POST', '/api/tokens', { name: 'writer', scopes: ['crm.schemas.deals.write'] })).body.token;
    const made = await t.call('POST', '/crm/v3/pipelines/deals/default/stages', { label: 'Negotiation', displayOrder: 4, metadata: { probability: '0.85' } }, writer);
    expect(made.status).toBe(201);
    expect(made.body.metadata).toEqual({ isClosed: 'false', probability: '0.85' });
    // the app's change is in the audit trail without a fromUserId
    const audit = await t.call('GET', `/crm/v3/pipelines/deals/default/stages/${made.body.id}/audit`, undefined, writer);
    expect(audit.body.results).toHaveLength(1);
    expect(audit.body.results[0].fromUserId).toBeUndefined();
    expect(audit.body.results[0].message).toContain('app writer');
  });
});

describe('pipelines: workspaces are apart', () => {
  it('another workspace neither sees nor changes this one\'s pipelines; the same ids and labels may exist in both', async () => {
    const mine = await t.call('POST', '/crm/v3/pipelines/tickets', { pipelineId: 'vip', label: 'VIP', displayOrder: 1, stages: [{ stageId: 'vip-new', label: 'New', displayOrder: 0, metadata: {} }] });
    expect(mine.status).toBe(201);
    const other = (await t.call('POST', '/api/workspaces', { name: 'Other', plan: 'enterprise' })).body.adminToken;
    expect((await t.call('GET', '/crm/v3/pipelines/tickets/vip', undefined, other)).status).toBe(404);
    expect((await t.call('GET', '/crm/v3/pipelines/tickets/vip/stages/vip-new', undefined, other)).status).toBe(404);
    expect((await t.call('PATCH', '/crm/v3/pipelines/tickets/vip', { label: 'Taken over' }, other)).status).toBe(404);
    expect((await t.call('DELETE', '/crm/v3/pipelines/tickets/vip', undefined, other)).status).toBe(404);
    expect((await t.call('GET', '/crm/v3/pipelines/tickets/vip/audit', undefined, other)).status).toBe(404);
    expect((await t.call('GET', '/crm/v3/pipelines/tickets/0/stages/vip-new/audit', undefined, other)).status).toBe(404);
    expect((await t.call('GET', '/crm/v3/pipelines/tickets', undefined, other)).body.results.map((p: { id: string }) => p.id)).toEqual(['0']);
    const theirs = await t.call('POST', '/crm/v3/pipelines/tickets', { pipelineId: 'vip', label: 'VIP', displayOrder: 1, stages: [{ stageId: 'vip-new', label: 'New', displayOrder: 0, metadata: { ticketState: 'CLOSED' } }] }, other);
    expect(theirs.status).toBe(201);
    // their change did not touch ours
    expect((await t.call('GET', '/crm/v3/pipelines/tickets/vip/stages/vip-new')).body.metadata.ticketState).toBe('OPEN');
    // and editing the shared default ids in one workspace leaves the other's as they were
    expect((await t.call('PATCH', '/crm/v3/pipelines/deals/default/stages/closedwon', { label: 'Won' }, other)).status).toBe(200);
    expect((await t.call('GET', '/crm/v3/pipelines/deals/default/stages/closedwon')).body.label).toBe('Closed Won');
  });
});
