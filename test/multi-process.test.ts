import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLiveStream } from './helpers/event-stream.ts';
import { freshPostgres, type ListeningServer, request, startServerProcess, until } from './helpers/server-process.ts';

/**
 * Issue 17: several `node server/index.ts` processes on one DATABASE_URL behave as one server.
 * Three real processes on a fresh PostgreSQL database; requests go to whichever process, and the
 * rules that hold in one process hold across them. PostgreSQL only: a PGlite directory serves one
 * process (its lock refuses a second one, test/server-process.test.ts).
 */
const onPostgres = process.env.TEST_DB === 'postgres';
const TOKEN = 'crm_multi_process_token_0123456789';
const SLOW = 120_000;

async function createContacts(server: ListeningServer, inputs: Array<Record<string, string>>): Promise<string[]> {
  const r = await request(server.url, 'POST', '/crm/v3/objects/contacts/batch/create', TOKEN, { inputs: inputs.map((properties) => ({ properties })) });
  expect(r.status).toBe(201);
  return r.body.results.map((x: { id: string }) => x.id);
}

// Several processes share one database only on PostgreSQL (a PGlite directory takes one process): postgres project only.
describe.skipIf(!onPostgres)('many server processes on one PostgreSQL (issue 17)', () => {
  const servers: ListeningServer[] = [];
  let drop: () => Promise<void> = async () => {};
  let env: Record<string, string>;

  beforeAll(async () => {
    const db = await freshPostgres();
    drop = db.drop;
    env = { DATABASE_URL: db.url, CRM_ADMIN_TOKEN: TOKEN };
    // the first one migrates and sets up the instance; the others find it done
    servers.push(await startServerProcess(env));
    servers.push(...(await Promise.all([startServerProcess(env), startServerProcess(env)])));
  }, SLOW);

  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop()));
    await drop();
  }, SLOW);

  it('live streams: a change written through process A reaches a stream held on process B within a second, woken by NOTIFY (the poll is 2 s)', { timeout: SLOW }, async () => {
    const [a, b] = servers as [ListeningServer, ListeningServer];
    const stream = await openLiveStream(b.url, TOKEN);
    try {
      await stream.waitFor('ready', 1);
      // each write comes some time after the stream's last read: the poll alone would bring it
      // about 2 s after that read, so arriving under a second means the notification woke it.
      // The pause is part of what is tested (a write into a stream that has gone back to waiting).
      for (let i = 0; i < 5; i++) {
        await new Promise((r) => setTimeout(r, 150));
        const before = stream.events.filter((e) => e.event === 'change').length;
        const start = performance.now();
        const [id] = await createContacts(a, [{ email: `live${i}@notify.example` }]);
        const got = await stream.waitFor('change', before + 1, 5_000);
        const event = got[before]!;
        expect(event.at - start).toBeLessThan(1_000);
        expect(JSON.parse(event.data)).toMatchObject({ kind: 'record', objectId: id });
      }
    } finally {
      await stream.close();
    }
  });

  it('R4: twenty simultaneous associations to one ticket, spread over three processes, never pass its limit of five', { timeout: SLOW }, async () => {
    const [a] = servers as [ListeningServer];
    expect((await request(a.url, 'POST', '/crm/v4/associations/definitions/configurations/tickets/contacts/batch/create', TOKEN, { inputs: [{ category: 'HUBSPOT_DEFINED', typeId: 16, maxToObjectIds: 5 }] })).status).toBeLessThan(300);
    const ticket = await request(a.url, 'POST', '/crm/v3/objects/tickets', TOKEN, { properties: { subject: 'Shared ticket' } });
    const contacts = await createContacts(a, Array.from({ length: 20 }, (_, i) => ({ email: `limit${i}@procs.example` })));
    const replies = await Promise.all(contacts.map((c, i) => request(servers[i % 3]!.url, 'PUT', `/crm/v4/objects/contacts/${c}/associations/default/tickets/${ticket.body.id}`, TOKEN)));
    // every request's outcome, status and error code: five land, the other fifteen are refused for the limit
    const outcomes = replies.map((r) => (r.status === 200 ? '200' : `${r.status} ${r.body?.subCategory}`));
    expect(outcomes.filter((o) => o === '200')).toHaveLength(5);
    expect(outcomes.filter((o) => o !== '200')).toEqual(Array(15).fill('400 ASSOCIATION_LIMIT_EXCEEDED'));
    const linked = await request(servers[2]!.url, 'GET', `/crm/v4/objects/tickets/${ticket.body.id}/associations/contacts`, TOKEN);
    expect(linked.body.results).toHaveLength(5);
  });

  it('R8: primary company set at once through three processes leaves exactly one primary', { timeout: SLOW }, async () => {
    const [a, b] = servers as [ListeningServer, ListeningServer];
    const [contact] = await createContacts(a, [{ email: 'primary@procs.example' }]);
    const companies = await request(a.url, 'POST', '/crm/v3/objects/companies/batch/create', TOKEN, { inputs: Array.from({ length: 9 }, (_, i) => ({ properties: { name: `Proc ${i}` } })) });
    const ids: string[] = companies.body.results.map((x: { id: string }) => x.id);
    const replies = await Promise.all(
      ids.map((co, i) => request(servers[i % 3]!.url, 'PUT', `/crm/v4/objects/contacts/${contact}/associations/companies/${co}`, TOKEN, [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 1 }])),
    );
    expect(replies.map((r) => r.status)).toEqual(ids.map(() => 201));
    const linked = await request(b.url, 'GET', `/crm/v4/objects/contacts/${contact}/associations/companies`, TOKEN);
    expect(linked.body.results).toHaveLength(9);
    const primaries = linked.body.results.filter((r: { associationTypes: Array<{ typeId: number }> }) => r.associationTypes.some((t) => t.typeId === 1));
    expect(primaries).toHaveLength(1);
  });

  it('X4: one Idempotency-Key sent at once to three processes creates one record; all three get its answer', { timeout: SLOW }, async () => {
    const key = `procs-${Date.now()}`;
    const send = (s: ListeningServer) =>
      fetch(`${s.url}/crm/v3/objects/contacts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify({ properties: { firstname: 'Once', lastname: key } }),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as { id: string } }));
    const replies = await Promise.all(servers.map(send));
    expect(replies.map((r) => r.status)).toEqual([201, 201, 201]);
    expect(new Set(replies.map((r) => r.body.id)).size).toBe(1);
    const found = await request(servers[1]!.url, 'POST', '/crm/v3/objects/contacts/search', TOKEN, { filterGroups: [{ filters: [{ propertyName: 'lastname', operator: 'EQ', value: key }] }] });
    expect(found.body.total).toBe(1);
  });

  it('R18: the automatic-association job runs once across three processes: every contact gets its domain company once', { timeout: SLOW }, async () => {
    const [a, b, c] = servers as [ListeningServer, ListeningServer, ListeningServer];
    const domains = Array.from({ length: 6 }, (_, i) => `autojob${i}.example`);
    await request(a.url, 'POST', '/crm/v3/objects/companies/batch/create', TOKEN, { inputs: domains.map((domain) => ({ properties: { name: domain, domain } })) });
    const contacts = await createContacts(b, Array.from({ length: 60 }, (_, i) => ({ email: `p${i}@${domains[i % 6]}` })));
    expect((await request(c.url, 'PATCH', '/api/workspace', TOKEN, { settings: { autoAssociateCompaniesByDomain: true } })).status).toBe(200);
    const started = await request(c.url, 'POST', '/api/auto-domain/jobs', TOKEN);
    expect(started.status).toBe(202);
    const done = await until(() => request(a.url, 'GET', `/api/auto-domain/jobs/${started.body.id}`, TOKEN), (r) => r.body.state === 'done' || r.body.state === 'failed', 60_000, 50);
    expect(done.body.state).toBe('done');
    for (const id of contacts.slice(0, 12)) {
      const history = await request(b.url, 'GET', `/api/objects/contacts/${id}/association-history`, TOKEN);
      const created = history.body.results.filter((e: { action: string; source: string }) => e.action === 'CREATED' && e.source === 'AUTO_DOMAIN');
      expect(created).toHaveLength(1);
    }
  });
});

// Taking a job over needs a second process on the same database: PostgreSQL only, as above.
describe.skipIf(!onPostgres)('an import job across server processes (issue 17, R17)', () => {
  it('exactly one process runs an import; when it dies, another takes the job over and every row is applied once', { timeout: 240_000 }, async () => {
    const ROWS = 20_000;
    const db = await freshPostgres();
    const env = { DATABASE_URL: db.url, CRM_ADMIN_TOKEN: TOKEN };
    const started: ListeningServer[] = [];
    try {
      const first = await startServerProcess(env);
      started.push(first);
      const lines = ['Email,First Name,Company Name,Company Domain Name'];
      for (let i = 0; i < ROWS; i++) lines.push(`person${i}@takeover-${i % 500}.com,P${i},Takeover ${i % 500},takeover-${i % 500}.com`);
      const form = new FormData();
      form.set('file', new File([lines.join('\n')], 'takeover.csv'));
      form.set('options', JSON.stringify({ objectType: 'contacts', mode: 'create' }));
      const res = await fetch(`${first.url}/api/imports`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` }, body: form });
      expect(res.status).toBe(202);
      const { id } = (await res.json()) as { id: string };
      // the first process is the only one: it runs the job
      const mid = await until(() => request(first.url, 'GET', `/api/imports/${id}`, TOKEN), (r) => r.body.rowsDone > 0, 60_000, 5);
      started.push(...(await Promise.all([startServerProcess(env), startServerProcess(env)])));
      expect((await first.stop('SIGKILL')).signal).toBe('SIGKILL');
      expect(mid.body.rowsDone).toBeLessThan(ROWS);
      const [, b] = started as [ListeningServer, ListeningServer];
      // its lease (15 s) runs out, then one of the other two takes the job from where it stopped
      const done = await until(() => request(b.url, 'GET', `/api/imports/${id}`, TOKEN), (r) => r.body.state === 'done' || r.body.state === 'failed', 180_000, 250);
      expect(done.body).toMatchObject({ state: 'done', rowsTotal: ROWS, rowsDone: ROWS, created: { contacts: ROWS, companies: 500 }, associations: ROWS, errorCount: 0 });
      const companies = await request(b.url, 'POST', '/crm/v3/objects/companies/search', TOKEN, { filterGroups: [{ filters: [{ propertyName: 'domain', operator: 'EQ', value: 'takeover-7.com' }] }] });
      expect(companies.body.total).toBe(1);
      const linked = await request(b.url, 'GET', `/crm/v4/objects/companies/${companies.body.results[0].id}/associations/contacts`, TOKEN);
      expect(linked.body.results).toHaveLength(ROWS / 500);
    } finally {
      await Promise.all(started.map((s) => s.stop('SIGKILL')));
      await db.drop();
    }
  });
});
