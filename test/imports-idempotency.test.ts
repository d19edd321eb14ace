import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { rowsOf } from './helpers/raw-rows.ts';
import { claimJob, runJob } from '../server/domain/imports/runner.ts';
import { useTestApp } from './helpers/app.ts';

const t = useTestApp({ plan: 'professional' });

async function uploadWithKey(csv: string, key: string, options: Record<string, unknown> = { objectType: 'contacts', mode: 'create' }) {
  const form = new FormData();
  form.set('options', JSON.stringify(options));
  form.set('file', new File([csv], 'people.csv', { type: 'text/csv' }));
  const res = await t.app.request('/api/imports', { method: 'POST', headers: { authorization: `Bearer ${t.token}`, 'idempotency-key': key }, body: form });
  return { status: res.status, replayed: res.headers.get('idempotent-replayed'), body: JSON.parse(await res.text()) };
}

const jobCount = async () => rowsOf<{ n: number }>(await t.db.db.execute(sql`select count(*)::int as n from import_jobs where workspace_id = ${t.workspaceId} and kind = 'import'`))[0]!.n;
const chunkJobs = async () => rowsOf<{ n: number }>(await t.db.db.execute(sql`select count(distinct import_id)::int as n from import_chunks where workspace_id = ${t.workspaceId}`))[0]!.n;

describe('issue 13: POST /api/imports with an Idempotency-Key (X4)', () => {
  it('a repeat answers the same 202 and id; one job, one stored file, rows imported once', async () => {
    const csv = 'Email,First Name\nidem1@imports-idem.com,Ann\nidem2@imports-idem.com,Bob\n';
    const first = await uploadWithKey(csv, 'import-key-1');
    expect(first.status, JSON.stringify(first.body)).toBe(202);
    const again = await uploadWithKey(csv, 'import-key-1');
    expect(again.status, JSON.stringify(again.body)).toBe(202);
    expect(again.body.id).toBe(first.body.id);
    expect(again.replayed).toBe('true');
    expect(await jobCount()).toBe(1);
    expect(await chunkJobs()).toBe(1);
    const job = await claimJob(t.db.db, t.workspaceId, first.body.id);
    await runJob(t.db.db, job!, { batchSize: 50 });
    const view = await t.call('GET', `/api/imports/${first.body.id}`);
    expect(view.body).toMatchObject({ state: 'done', created: { contacts: 2 } });
    // after the import ran, a repeat still answers the same id and imports nothing
    const late = await uploadWithKey(csv, 'import-key-1');
    expect(late.body.id).toBe(first.body.id);
    expect(await jobCount()).toBe(1);
    const n = rowsOf<{ n: number }>(await t.db.db.execute(sql`select count(*)::int as n from records where workspace_id = ${t.workspaceId} and properties->>'email' like '%@imports-idem.com'`))[0]!.n;
    expect(n).toBe(2);
  });

  it('the same key with another file is refused (422); a refused upload keeps nothing', async () => {
    const other = await uploadWithKey('Email\nother@imports-idem.com\n', 'import-key-1');
    expect(other.status).toBe(422);
    expect(other.body.subCategory).toBe('IDEMPOTENCY_KEY_REUSED');
    const bad = await uploadWithKey('Nope Column\nx\n', 'import-key-2');
    expect(bad.status).toBe(400);
    const badAgain = await uploadWithKey('Nope Column\nx\n', 'import-key-2');
    expect(badAgain.status).toBe(400);
    expect(badAgain.body.subCategory).toBe(bad.body.subCategory);
    expect(await jobCount()).toBe(1);
    expect(await chunkJobs()).toBe(1);
  });
});
