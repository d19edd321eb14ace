import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../server/app.ts';
import { type Database, openDatabase } from '../server/db/client.ts';
import { claimJob, runJob } from '../server/domain/imports/runner.ts';
import { bootstrapInstance } from '../server/domain/workspaces.ts';
import { freshPostgres, tempDir } from './helpers/server-process.ts';

/**
 * Issue 17, moving from the embedded database to PostgreSQL: `crm copy-database --to <url>`
 * copies a PGlite DATA_DIR into an empty PostgreSQL database, and the server on PostgreSQL then
 * answers every read of a generated workspace exactly as it did on PGlite; new ids continue after
 * the old ones. Needs a PostgreSQL server (the postgres project).
 */
const onPostgres = process.env.TEST_DB === 'postgres';
const root = fileURLToPath(new URL('..', import.meta.url));
const SLOW = 180_000;

type App = ReturnType<typeof createApp>;

async function call(app: App, token: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await app.request(path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, replayed: res.headers.get('idempotent-replayed') };
}

function crm(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { DATABASE_URL: _, ...rest } = process.env;
  const child = spawn(process.execPath, ['server/cli/crm.ts', ...args], { cwd: root, env: { ...rest, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

/** A workspace with some of everything: records of four types and a custom one, associations with labels and primaries, limits, a merge, an archive, an import, users and tokens, an idempotency key. */
async function generate(app: App, db: Database, token: string, workspaceId: string) {
  const ids: Record<string, string[]> = {};
  const batch = async (type: string, inputs: Array<Record<string, string>>) => {
    const r = await call(app, token, 'POST', `/crm/v3/objects/${type}/batch/create`, { inputs: inputs.map((properties) => ({ properties })) });
    expect(r.status).toBe(201);
    ids[type] = r.body.results.map((x: { id: string }) => x.id).sort((a: string, b: string) => Number(a) - Number(b));
  };
  await batch('companies', Array.from({ length: 8 }, (_, i) => ({ name: `Company ${i}`, domain: `company${i}.example` })));
  await batch('contacts', Array.from({ length: 30 }, (_, i) => ({ email: `person${i}@company${i % 8}.example`, firstname: `Person ${i}`, lastname: 'Ünïcødé \\ "quoted"\ttab' })));
  await batch('deals', Array.from({ length: 10 }, (_, i) => ({ dealname: `Deal ${i}`, amount: String(1000 * i) })));
  await batch('tickets', Array.from({ length: 5 }, (_, i) => ({ subject: `Ticket ${i}\nsecond line` })));
  expect((await call(app, token, 'POST', '/crm/v4/associations/contacts/deals/labels', { label: 'Decision maker', name: 'decision_maker' })).status).toBeLessThan(300);
  const labels = await call(app, token, 'GET', '/crm/v4/associations/contacts/deals/labels');
  const decider = labels.body.results.find((l: { label: string | null }) => l.label === 'Decision maker').typeId;
  expect((await call(app, token, 'POST', '/crm/v4/associations/definitions/configurations/tickets/contacts/batch/create', { inputs: [{ category: 'HUBSPOT_DEFINED', typeId: 16, maxToObjectIds: 3 }] })).status).toBeLessThan(300);
  for (let i = 0; i < 30; i++) {
    const contact = ids.contacts![i]!;
    expect((await call(app, token, 'PUT', `/crm/v4/objects/contacts/${contact}/associations/default/companies/${ids.companies![(i * 3) % 8]}`)).status).toBe(200);
    expect((await call(app, token, 'PUT', `/crm/v4/objects/contacts/${contact}/associations/deals/${ids.deals![i % 10]}`, [{ associationCategory: 'USER_DEFINED', associationTypeId: decider }])).status).toBe(201);
    if (i < 3) expect((await call(app, token, 'PUT', `/crm/v4/objects/contacts/${contact}/associations/default/tickets/${ids.tickets![0]}`)).status).toBe(200);
  }
  const schema = await call(app, token, 'POST', '/crm/v3/schemas', {
    name: 'machines', labels: { singular: 'Machine', plural: 'Machines' }, primaryDisplayProperty: 'serial', requiredProperties: ['serial'],
    properties: [{ name: 'serial', label: 'Serial', type: 'string', fieldType: 'text' }], associatedObjects: ['CONTACT'],
  });
  expect(schema.status).toBe(201);
  expect((await call(app, token, 'POST', '/crm/v3/objects/machines', { properties: { serial: 'M-1' } })).status).toBe(201);
  expect((await call(app, token, 'POST', '/crm/v3/objects/contacts/merge', { primaryObjectId: ids.contacts![0], objectIdToMerge: ids.contacts![1] })).status).toBe(200);
  expect((await call(app, token, 'DELETE', `/crm/v3/objects/deals/${ids.deals![9]}`)).status).toBe(204);
  expect((await call(app, token, 'POST', '/api/users', { name: 'Rita Rep', email: 'rita@example.com', role: 'rep' })).status).toBe(201);
  const keyed = await call(app, token, 'POST', '/crm/v3/objects/contacts', { properties: { firstname: 'Keyed' } }, { 'idempotency-key': 'copy-key-1' });
  expect(keyed.status).toBe(201);
  // an import, run to its end
  const form = new FormData();
  form.set('file', new File([['Email,First Name', ...Array.from({ length: 20 }, (_, i) => `imported${i}@company${i % 8}.example,Imported ${i}`)].join('\n')], 'people.csv'));
  form.set('options', JSON.stringify({ objectType: 'contacts', mode: 'create' }));
  const upload = await app.request('/api/imports', { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
  expect(upload.status).toBe(202);
  const importId = ((await upload.json()) as { id: string }).id;
  const job = await claimJob(db.db, workspaceId, importId);
  expect((await runJob(db.db, job!)).state).toBe('done');
  return { ids, importId, keyed: keyed.body };
}

/** The reads compared before and after. */
function readPaths(ids: Record<string, string[]>, importId: string): string[] {
  const paths = [
    '/api/workspace',
    '/crm/v3/objects/contacts?limit=100&properties=email,firstname,lastname',
    '/crm/v3/objects/companies?limit=100&properties=name,domain',
    '/crm/v3/objects/deals?limit=100&archived=true',
    '/crm/v3/objects/tickets?limit=100&properties=subject',
    '/crm/v3/objects/machines?properties=serial',
    '/crm/v3/schemas',
    '/crm/v4/associations/contacts/deals/labels',
    '/crm/v4/associations/definitions/configurations/all',
    '/api/changes?limit=1000',
    `/api/imports/${importId}`,
    '/api/imports',
  ];
  for (const c of ids.contacts!.slice(0, 12)) {
    paths.push(`/crm/v4/objects/contacts/${c}/associations/companies`, `/crm/v4/objects/contacts/${c}/associations/deals`, `/api/objects/contacts/${c}/association-history`);
  }
  paths.push(`/crm/v4/objects/tickets/${ids.tickets![0]}/associations/contacts`, `/crm/v4/objects/companies/${ids.companies![0]}/associations/contacts`);
  return paths;
}

describe.skipIf(!onPostgres)('crm copy-database (issue 17: from PGlite to PostgreSQL)', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let target: Awaited<ReturnType<typeof freshPostgres>>;
  let token: string;
  let workspaceId: string;
  let generated: Awaited<ReturnType<typeof generate>>;
  const before = new Map<string, unknown>();

  beforeAll(async () => {
    dir = await tempDir('copy-db');
    target = await freshPostgres();
    const source = await openDatabase({ dataDir: dir.path, durable: false });
    try {
      const boot = await bootstrapInstance(source.db, { plan: 'enterprise' });
      token = boot!.token;
      workspaceId = boot!.workspaceId;
      const app = createApp({ db: source.db, tokenCacheMs: 0 });
      generated = await generate(app, source, token, workspaceId);
      for (const path of readPaths(generated.ids, generated.importId)) before.set(path, await call(app, token, 'GET', path));
    } finally {
      await source.close();
    }
  }, SLOW);

  afterAll(async () => {
    await target?.drop();
    await dir?.remove();
  });

  it('refuses while a server holds the data directory, and names its pid', { timeout: SLOW }, async () => {
    const held = await openDatabase({ dataDir: dir.path, durable: false });
    try {
      const r = await crm(['copy-database', '--to', target.url], { DATA_DIR: dir.path });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`in use by another server process (pid ${process.pid})`);
    } finally {
      await held.close();
    }
  });

  it('copies everything: the server on PostgreSQL answers every read as on PGlite, keys replay, and new ids continue after the old ones', { timeout: SLOW }, async () => {
    const r = await crm(['copy-database', '--to', target.url], { DATA_DIR: dir.path });
    expect(r.stderr).toMatch(/records: \d+ row\(s\)/);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Copied \d+ row\(s\) of \d+ table\(s\) and \d+ sequence\(s\)/m);

    const pgdb = await openDatabase({ databaseUrl: target.url });
    try {
      const app = createApp({ db: pgdb.db, tokenCacheMs: 0 });
      for (const [path, answer] of before) expect(await call(app, token, 'GET', path), path).toEqual(answer);
      // the idempotency key came along: the same request is answered from it
      const again = await call(app, token, 'POST', '/crm/v3/objects/contacts', { properties: { firstname: 'Keyed' } }, { 'idempotency-key': 'copy-key-1' });
      expect(again.replayed).toBe('true');
      expect(again.body).toEqual(generated.keyed);
      // sequences: a new record's id, and its change's cursor, come after every old one
      const allIds = Object.values(generated.ids).flat().map(Number);
      const created = await call(app, token, 'POST', '/crm/v3/objects/contacts', { properties: { email: 'after-copy@example.com' } });
      expect(created.status).toBe(201);
      expect(Number(created.body.id)).toBeGreaterThan(Math.max(...allIds, Number(generated.keyed.id)));
      const feed = (before.get('/api/changes?limit=1000') as { body: { results: Array<{ cursor: string }> } }).body.results;
      const newer = await call(app, token, 'GET', `/api/changes?after=${feed.at(-1)!.cursor}`);
      expect(newer.body.results.map((e: { objectId?: string }) => e.objectId)).toEqual([created.body.id]);
    } finally {
      await pgdb.close();
    }
  });

  it('refuses a target that has data, and changes nothing there; --force replaces it', { timeout: SLOW }, async () => {
    const refused = await crm(['copy-database', '--to', target.url], { DATA_DIR: dir.path });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/The target database is not empty: .*records.*--force/);
    const pgdb = await openDatabase({ databaseUrl: target.url });
    try {
      const app = createApp({ db: pgdb.db, tokenCacheMs: 0 });
      const found = await call(app, token, 'POST', '/crm/v3/objects/contacts/search', { filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: 'after-copy@example.com' }] }] });
      expect(found.body.total).toBe(1);

      const forced = await crm(['copy-database', '--to', target.url, '--force'], { DATA_DIR: dir.path });
      expect(forced.code, forced.stderr).toBe(0);
      const gone = await call(app, token, 'POST', '/crm/v3/objects/contacts/search', { filterGroups: [{ filters: [{ propertyName: 'email', operator: 'EQ', value: 'after-copy@example.com' }] }] });
      expect(gone.body.total).toBe(0);
      for (const [path, answer] of before) expect(await call(app, token, 'GET', path), path).toEqual(answer);
    } finally {
      await pgdb.close();
    }
  });
});
