import { afterAll, describe, expect, it } from 'vitest';
import { freshPostgres, type ListeningServer, request, startServerProcess, tempDir, until } from './helpers/server-process.ts';

/**
 * A server killed in the middle of an import (SIGKILL: no graceful stop) and started again: the job
 * resumes where its last committed batch ended, and every row is applied exactly once.
 */
const onPostgres = process.env.TEST_DB === 'postgres';
const ROWS = 12_000;

async function uploadTo(server: ListeningServer, token: string, csv: string): Promise<string> {
  const form = new FormData();
  form.set('file', new File([csv], 'restart.csv'));
  form.set('options', JSON.stringify({ objectType: 'contacts', mode: 'create' }));
  const res = await fetch(`${server.url}/api/imports`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  expect(res.status).toBe(202);
  return ((await res.json()) as { id: string }).id;
}


describe('import across a server restart', () => {
  const cleanup: Array<() => Promise<unknown>> = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  it('R17: killed mid-import, the restarted server resumes the job; every row applied exactly once, nothing half-written', { timeout: 180_000 }, async () => {
    let env: Record<string, string>;
    if (onPostgres) {
      const pg = await freshPostgres();
      cleanup.push(pg.drop);
      env = { DATABASE_URL: pg.url };
    } else {
      const dir = await tempDir('import-restart');
      cleanup.push(dir.remove);
      env = { DATA_DIR: dir.path };
    }
    env.CRM_ADMIN_TOKEN = 'crm_restart_test_token_0123456789';
    const token = env.CRM_ADMIN_TOKEN;
    const lines = ['Email,First Name,Company Name,Company Domain Name'];
    for (let i = 0; i < ROWS; i++) lines.push(`person${i}@restart-${i % 1000}.com,P${i},Restart ${i % 1000},restart-${i % 1000}.com`);
    let server = await startServerProcess(env);
    cleanup.push(() => server.stop('SIGKILL'));
    const id = await uploadTo(server, token, lines.join('\n'));
    const mid = await until(() => request(server.url, 'GET', `/api/imports/${id}`, token), (r) => r.body.rowsDone > 0, 60_000);
    const killed = await server.stop('SIGKILL');
    expect(killed.signal).toBe('SIGKILL');
    expect(mid.body.state).toBe('running');

    server = await startServerProcess(env);
    const seenAfter = await request(server.url, 'GET', `/api/imports/${id}`, token);
    // what the killed server committed is all there is: a batch boundary, never part of one
    expect(seenAfter.body.rowsDone % 500 === 0 || seenAfter.body.rowsDone === ROWS).toBe(true);
    expect(seenAfter.body.rowsDone).toBeGreaterThanOrEqual(mid.body.rowsDone);
    const done = await until(() => request(server.url, 'GET', `/api/imports/${id}`, token), (r) => r.body.state === 'done' || r.body.state === 'failed', 120_000, 100);
    expect(done.body).toMatchObject({ state: 'done', rowsTotal: ROWS, rowsDone: ROWS, created: { contacts: ROWS, companies: 1000 }, associations: ROWS, errorCount: 0, errors: [] });
    // each contact once, with its one company as primary
    const search = await request(server.url, 'POST', '/crm/v3/objects/contacts/search', token, { filterGroups: [{ filters: [{ propertyName: 'email', operator: 'CONTAINS_TOKEN', value: '*@restart-7.com' }] }], limit: 100 });
    expect(search.status).toBe(200);
    expect(search.body.total).toBe(ROWS / 1000);
    const companies = await request(server.url, 'POST', '/crm/v3/objects/companies/search', token, { filterGroups: [{ filters: [{ propertyName: 'domain', operator: 'EQ', value: 'restart-7.com' }] }] });
    expect(companies.body.total).toBe(1);
    const linked = await request(server.url, 'GET', `/crm/v4/objects/companies/${companies.body.results[0].id}/associations/contacts`, token);
    expect(linked.body.results).toHaveLength(ROWS / 1000);
    for (const r of linked.body.results) expect(r.associationTypes.map((t: { typeId: number }) => t.typeId).sort((a: number, b: number) => a - b)).toEqual([2, 280]);
    const history = await request(server.url, 'GET', `/api/objects/contacts/${linked.body.results[0].toObjectId}/association-history`, token);
    expect(history.body.results.map((e: { action: string; source: string }) => `${e.action}:${e.source}`).sort()).toEqual(['CREATED:IMPORT', 'PRIMARY_SET:IMPORT']);
    await server.stop();
  });
});
