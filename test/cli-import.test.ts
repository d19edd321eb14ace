import { spawn } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../server/db/client.ts';
import { rowsOf } from './helpers/raw-rows.ts';
import { exportCsv } from '../server/domain/imports/export.ts';
import { createImport } from '../server/domain/imports/jobs.ts';
import { claimJob, runJob } from '../server/domain/imports/runner.ts';
import { createProperties } from '../server/domain/properties/definitions.ts';
import { resolveObjectType } from '../server/domain/object-types.ts';
import { crmBin, freshPostgres, startServerProcess, tempDir } from './helpers/server-process.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const onPostgres = process.env.TEST_DB === 'postgres';

/** `crm <args>` as a child process with only the given database settings. */
function crm(args: string[], env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const childEnv: Record<string, string | undefined> = { ...process.env };
  for (const name of ['DATA_DIR', 'DATABASE_URL', 'CRM_PLAN', 'CRM_ADMIN_TOKEN']) delete childEnv[name];
  const child = spawn(process.execPath, [crmBin(), ...args], { cwd: root, env: { ...childEnv, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('crm import and crm export', () => {
  let dir: { path: string; remove(): Promise<void> };
  let env: Record<string, string>;
  let dropPg: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    dir = await tempDir('cli-import');
    if (onPostgres) {
      const pg = await freshPostgres();
      dropPg = pg.drop;
      env = { DATABASE_URL: pg.url, CRM_PLAN: 'professional' };
    } else env = { DATA_DIR: join(dir.path, 'data'), CRM_PLAN: 'professional' };
  });
  afterAll(async () => {
    await dropPg?.();
    await dir.remove();
  });

  it('R16, R17: crm import against the configured database: progress lines, a summary, the error file and its path; exit code 1 when rows were refused', { timeout: 300_000 }, async () => {
    const file = join(dir.path, 'people.csv');
    await writeFile(file, ['Email,First Name,Company Name,Company Domain Name', 'ann@cli-one.com,Ann,Cli One,cli-one.com', 'bob@cli-one.com,Bob,Cli One,cli-one.com', 'not-an-email,Cy,,', 'dee@cli-two.com,Dee,Cli Two,cli-two.com'].join('\n'));
    const r = await crm(['import', file, '--object', 'contacts', '--with', 'companies', '--mode', 'create'], env);
    expect(r.stderr).toContain('Set up the instance');
    expect(r.stderr).toMatch(/^progress: 4\/4 rows \(100%\)$/m);
    expect(r.stdout).toMatch(/Import [0-9a-f-]{36}: done/);
    expect(r.stdout).toContain('created:      3 contacts, 2 companies');
    expect(r.stdout).toContain('associations: 3');
    expect(r.stdout).toContain('refused rows: 1');
    expect(r.stdout).toContain(`error file:   ${file}.errors.csv`);
    expect(r.code).toBe(1);
    const errors = (await readFile(`${file}.errors.csv`, 'utf8')).trim().split('\r\n');
    expect(errors[1]).toMatch(/^4,Email,INVALID_EMAIL,/);
    const bad = await crm(['import', file, '--object', 'contacts', '--mode', 'sometimes'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--mode must be one of');
  });

  it('R16: crm export writes CSV that the importer reads back unchanged (round trip: nothing created, no association changed, the same export again)', { timeout: 300_000 }, async () => {
    const first = join(dir.path, 'export-1.csv');
    const exported = await crm(['export', '--object', 'contacts', '--with', 'companies', '--out', first], env);
    expect(exported.code).toBe(0);
    const text = await readFile(first, 'utf8');
    // the importer, in process, on the same database (the command above has closed it)
    const database = await openDatabase(onPostgres ? { databaseUrl: env.DATABASE_URL! } : { dataDir: env.DATA_DIR! });
    try {
      const [ws] = rowsOf<{ workspace_id: string }>(await database.db.execute(sql`select workspace_id from workspaces`));
      const workspaceId = ws!.workspace_id;
      const run = async (csv: string, mode: 'update' | 'create_and_update') => {
        const file = (async function* () {
          yield new TextEncoder().encode(csv);
        })();
        const { id } = await createImport(database.db, { workspaceId, actor: { source: 'API' }, fileName: 'x.csv', options: { objectType: 'contacts', mode } }, file);
        return runJob(database.db, (await claimJob(database.db, workspaceId, id))!);
      };
      // what the command wrote is what the export function writes
      const contacts = await resolveObjectType(database.db, workspaceId, 'contacts');
      const companies = await resolveObjectType(database.db, workspaceId, 'companies');
      const exportText = async () => {
        let out = '';
        for await (const chunk of exportCsv(database.db, workspaceId, contacts, companies)) out += chunk;
        return out;
      };
      expect(await exportText()).toBe(text);
      // a second company for Ann (not primary), and a value that needs quoting, in a property the workspace defines
      await createProperties(database.db, { workspaceId, plan: 'professional' }, contacts, [{ name: 'notes', label: 'Notes', type: 'string', fieldType: 'text', groupName: 'contactinformation' }], () => 'body');
      const extra = 'Email,Notes,associations.companies.domain\nann@cli-one.com,"line one\nline, two ""quoted""",cli-two.com\n';
      expect((await run(extra, 'update')).errorCount).toBe(0);
      const before = await exportText();
      expect(before.split('\r\n')[0]).toBe('contacts.hs_object_id,contacts.email,contacts.firstname,contacts.notes,companies.hs_object_id,companies.domain,companies.name,association_label');
      expect(before).toContain('"line one\nline, two ""quoted"""');
      expect(before).toMatch(/,cli-two\.com,Cli Two,\r\n/); // Ann's second company: no label
      expect(before).toMatch(/,cli-one\.com,Cli One,Primary\r\n/);
      const history = async () => rowsOf<{ n: number }>(await database.db.execute(sql`select count(*)::int as n from association_history`))[0]!.n;
      const historyBefore = await history();
      const back = await run(before, 'create_and_update');
      expect(back).toMatchObject({ state: 'done', created: {}, associations: 0, errorCount: 0 });
      expect(await history()).toBe(historyBefore);
      expect(await exportText()).toBe(before);
    } finally {
      await database.close();
    }
  });

  it('R16: crm import --server --token sends the file to a running server and follows the job to its end', { timeout: 300_000 }, async () => {
    // a database of its own: the server's first start sets its owner token
    const pg = onPostgres ? await freshPostgres() : undefined;
    const serverEnv: Record<string, string> = pg ? { DATABASE_URL: pg.url } : { DATA_DIR: join(dir.path, 'server-data') };
    const server = await startServerProcess({ ...serverEnv, CRM_ADMIN_TOKEN: 'crm_cli_server_token_0123456789' });
    try {
      const file = join(dir.path, 'remote.csv');
      await writeFile(file, 'Email,First Name\nremote1@cli-remote.com,R1\n@@,R2\n');
      const r = await crm(['import', file, '--object', 'contacts', '--server', server.url, '--token', 'crm_cli_server_token_0123456789', '--errors', join(dir.path, 'remote-errors.csv')], {});
      expect(r.stdout).toMatch(/: done/);
      expect(r.stdout).toContain('created:      1 contacts');
      expect(r.stdout).toContain(`error file:   ${join(dir.path, 'remote-errors.csv')}`);
      expect(await readFile(join(dir.path, 'remote-errors.csv'), 'utf8')).toContain(`3,Email,INVALID_EMAIL,`);
      expect(r.code).toBe(1);
      const dry = await crm(['import', file, '--object', 'contacts', '--server', server.url, '--token', 'crm_cli_server_token_0123456789', '--dry-run'], {});
      expect(dry.stdout).toContain('  Email       ->  contacts.email\n  First Name  ->  contacts.firstname\n');
      expect(dry.code).toBe(0);
      const denied = await crm(['import', file, '--object', 'contacts', '--server', server.url, '--token', 'crm_wrong_token_00000000000'], {});
      expect(denied.code).toBe(1);
      expect(denied.stderr).toContain('401');
    } finally {
      await server.stop();
      await pg?.drop();
    }
  });

  it('R16: crm import --dry-run shows each column\'s target, as edited by --mapping, and imports nothing', { timeout: 300_000 }, async () => {
    const file = join(dir.path, 'dry.csv');
    const mapping = join(dir.path, 'dry-mapping.json');
    await writeFile(file, '\uFEFFEmail;Shoe size;Notes;Company Domain Name\ndry1@cli-dry.com;42;x;cli-dry.com\ndry2@cli-dry.com;43;y;cli-dry.com\n');
    await writeFile(mapping, JSON.stringify({ 'Shoe size': 'contacts.jobtitle', Notes: null }));
    const dry = await crm(['import', file, '--object', 'contacts', '--mode', 'create', '--mapping', mapping, '--dry-run'], env);
    expect(dry.stderr).not.toContain('progress');
    expect(dry.stdout.split('\n')).toEqual([
      'Columns of a contacts import (with companies), mode create:',
      '  Email                ->  contacts.email',
      '  Shoe size            ->  contacts.jobtitle',
      '  Notes                ->  (ignored)',
      '  Company Domain Name  ->  companies.domain',
      'Nothing was imported (--dry-run).',
      '',
    ]);
    expect(dry.code).toBe(0);
    // without the mapping file a column keeps its own name as its property: one the workspace has not defined is refused, naming the column
    const own = await crm(['import', file, '--object', 'contacts', '--dry-run'], env);
    expect(own.code).not.toBe(0);
    expect(own.stderr).toContain('shoe_size is not a property of contacts');
    const twice = join(dir.path, 'dry-twice.csv');
    await writeFile(twice, 'Email,email\nx@cli-dry.com,\n');
    const refused = await crm(['import', twice, '--object', 'contacts', '--dry-run'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/would be refused \(400\): The header "email" appears twice/);
    // nothing was imported: creating both now works
    const real = await crm(['import', file, '--object', 'contacts', '--mode', 'create', '--mapping', mapping], env);
    expect(real.stdout).toContain('created:      2 contacts, 1 companies');
    expect(real.code).toBe(0);
  });
});
