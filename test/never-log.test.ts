import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { useTestApp } from './helpers/app.ts';
import { rowsOf } from './helpers/raw-rows.ts';
import { seedRecords } from './helpers/records.ts';

const t = useTestApp();

const emailCount = async () => rowsOf<{ n: number }>(await t.db.db.execute(sql`select count(*)::int as n from records where workspace_id = ${t.workspaceId} and type_id = '0-49'`))[0]!.n;
const setNeverLog = (list: unknown) => t.call('PATCH', '/api/workspace', { settings: { neverLogAddresses: list } });

describe('B8: the workspace never-log list', () => {
  it('B8: entries are addresses or domains, kept in normal form; anything else is refused by name and nothing changes', async () => {
    const ok = await setNeverLog(['Lee@Private-Co.io', '@hush.example', 'SECRET.example']);
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body.settings.neverLogAddresses).toEqual(['lee@private-co.io', 'hush.example', 'secret.example']);

    const bad = await setNeverLog(['fine.example', 'not a domain', 'x@']);
    expect(bad.status).toBe(400);
    expect(bad.body.errors).toEqual([
      expect.objectContaining({ in: 'body:settings.neverLogAddresses[1]', message: expect.stringContaining('"not a domain" is neither an email address nor a domain name') }),
      expect.objectContaining({ in: 'body:settings.neverLogAddresses[2]', message: expect.stringContaining('"x@"') }),
    ]);
    const tooMany = await setNeverLog(Array.from({ length: 1001 }, (_, i) => `d${i}.example`));
    expect(tooMany.status).toBe(400);
    const now = await t.call('GET', '/api/workspace');
    expect(now.body.settings.neverLogAddresses).toEqual(['lee@private-co.io', 'hush.example', 'secret.example']);
  });

  it('B8: logging an email on a never-logged contact (by address or by domain, subdomains too) is refused naming it, and writes nothing', async () => {
    await setNeverLog(['lee@private-co.io', 'hush.example']);
    const [lee, sub, open] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'lee@private-co.io' }, { email: 'ann@mail.hush.example' }, { email: 'bo@open.example' }]);
    const before = await emailCount();

    const byAddress = await t.call('POST', `/api/objects/contacts/${lee}/activities`, { type: 'emails', properties: { hs_email_subject: 'Hi' } });
    expect(byAddress.status).toBe(400);
    expect(byAddress.body.category).toBe('VALIDATION_ERROR');
    expect(byAddress.body.message).toContain('lee@private-co.io');
    expect(byAddress.body.message).toContain('never logged');

    const byDomain = await t.call('POST', `/api/objects/contacts/${sub}/activities`, { type: 'emails', properties: { hs_email_subject: 'Hi' } });
    expect(byDomain.status).toBe(400);
    expect(byDomain.body.message).toContain('ann@mail.hush.example');
    expect(byDomain.body.message).toContain('"hush.example"');

    // an address the email names (a recipient), logged on an allowed contact
    const byRecipient = await t.call('POST', `/api/objects/contacts/${open}/activities`, { type: 'emails', properties: { hs_email_subject: 'Hi', hs_email_headers: JSON.stringify({ from: { email: 'me@ours.example' }, to: [{ email: 'bo@open.example' }, { email: 'lee@private-co.io' }], cc: [], bcc: [] }) } });
    expect(byRecipient.status).toBe(400);
    expect(byRecipient.body.errors[0].in).toBe('body:properties');
    expect(await emailCount()).toBe(before);

    const allowed = await t.call('POST', `/api/objects/contacts/${open}/activities`, { type: 'emails', properties: { hs_email_subject: 'Hi', hs_email_headers: JSON.stringify({ from: { email: 'me@ours.example' }, to: [{ email: 'bo@open.example' }], cc: [], bcc: [] }) } });
    expect(allowed.status, JSON.stringify(allowed.body)).toBe(201);
    expect(await emailCount()).toBe(before + 1);
  });

  it('B8: a company whose domain is never logged takes no email; other activity types are not email logging', async () => {
    await setNeverLog(['hush.example']);
    const [company] = await seedRecords(t.db.db, t.workspaceId, '0-2', [{ name: 'Hush', domain: 'hush.example' }]);
    const refused = await t.call('POST', `/api/objects/companies/${company}/activities`, { type: 'emails', properties: { hs_email_subject: 'Hi' } });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toContain('hush.example');
    const call = await t.call('POST', `/api/objects/companies/${company}/activities`, { type: 'calls', properties: { hs_call_title: 'Phoned' } });
    expect(call.status).toBe(201);
  });

  it("B8: associating a logged email with a never-logged contact (the companion's follow-up) is refused the same way", async () => {
    await setNeverLog(['LEE.B@private-co.io']);
    const [lee, open] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'lee.b@private-co.io' }, { email: 'cy@open.example' }]);
    const logged = await t.call('POST', `/api/objects/contacts/${open}/activities`, { type: 'emails', properties: { hs_email_subject: 'Thread' } });
    expect(logged.status).toBe(201);
    const email = logged.body.activity.id as string;
    const refused = await t.call('PUT', `/crm/v4/objects/emails/${email}/associations/default/contacts/${lee}`);
    expect(refused.status).toBe(400);
    expect(refused.body.message).toContain('lee.b@private-co.io');
    const reverse = await t.call('PUT', `/crm/v4/objects/contacts/${lee}/associations/emails/${email}`, [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 197 }]);
    expect(reverse.status).toBe(400);
    const edges = rowsOf<{ n: number }>(await t.db.db.execute(sql`select count(*)::int as n from associations where workspace_id = ${t.workspaceId} and from_id = ${Number(email)} and to_id = ${lee!}`));
    expect(edges[0]!.n).toBe(0);
    // the list cleared: the same association is made
    await setNeverLog([]);
    expect((await t.call('PUT', `/crm/v4/objects/emails/${email}/associations/default/contacts/${lee}`)).status).toBe(200);
  });

  it('B8: the batch association routes refuse the never-logged inputs by name and keep the others', async () => {
    await setNeverLog(['batch-secret.example']);
    const [hidden, shown] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'h@batch-secret.example' }, { email: 's@batch-open.example' }]);
    const logged = await t.call('POST', `/api/objects/contacts/${shown}/activities`, { type: 'emails', properties: { hs_email_subject: 'Batch' } });
    const email = logged.body.activity.id as string;
    const [other] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'o@batch-open.example' }]);
    const r = await t.call('POST', '/crm/v4/associations/emails/contacts/batch/associate/default', { inputs: [{ from: { id: email }, to: { id: String(hidden) } }, { from: { id: email }, to: { id: String(other) } }] });
    expect(r.status).toBe(207);
    expect(r.body.errors).toHaveLength(1);
    expect(r.body.errors[0].message).toContain('h@batch-secret.example');
    expect(r.body.errors[0].context.toObjectId).toEqual([String(hidden)]);
    const created = await t.call('POST', '/crm/v4/associations/contacts/emails/batch/create', { inputs: [{ from: { id: String(hidden) }, to: { id: email }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 197 }] }] });
    expect(created.status).toBe(207);
    expect(created.body.errors[0].subCategory).toBe('NEVER_LOGGED');
    const edges = rowsOf<{ to_id: number }>(await t.db.db.execute(sql`select to_id from associations where workspace_id = ${t.workspaceId} and from_id = ${Number(email)} and to_type = '0-1' order by to_id`));
    expect(edges.map((e) => Number(e.to_id))).toEqual([shown, other].map(Number).sort((a, b) => a - b));
  });
});
