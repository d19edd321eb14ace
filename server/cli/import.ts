import { createReadStream, createWriteStream, openAsBlob } from 'node:fs';
import { basename } from 'node:path';
import { once } from 'node:events';
import type { ImportMode, ImportOptions, ImportView, MappingPreview } from '../../shared/imports.ts';
import type { Plan } from '../../shared/plans.ts';
import type { Database } from '../db/client.ts';
import { csvRecords } from '../domain/imports/csv.ts';
import { createImport, csvLimits, errorsCsv, importView, type JobRow, previewMapping } from '../domain/imports/jobs.ts';
import { claimJob, runJob } from '../domain/imports/runner.ts';
import { ApiError } from '../errors.ts';

/** What the import and export commands need from the `crm` command. */
export interface CliContext {
  openConfigured(): Promise<Database>;
  pickWorkspace(database: Database, named: string | undefined): Promise<{ workspaceId: string; plan: Plan }>;
  option(args: string[], name: string): string | undefined;
  /** Creates the first workspace when the database has none (a server was never started on it). */
  setUp(database: Database): Promise<void>;
}

export const IMPORT_USAGE = `  import <file.csv> --object <type> [--with <type>] [--mode create|update|create_and_update]
         [--mapping <mapping.json>] [--errors <path>] [--workspace <id>]
         [--server <url> --token <token>] [--dry-run]
              Import a CSV file (HubSpot's headers, or objectType.property). Against the
              configured database, or a running server with --server and --token. Shows
              progress, a summary, and writes refused rows to an error file
              (default <file>.errors.csv). Exit code 1 when some rows were refused.
              --dry-run shows each column's target and imports nothing; change a target
              with a --mapping file: {"Header": "contacts.property"}, null ignores it.
`;

const MODES = ['create', 'update', 'create_and_update'];

/** A progress line: a bar on a terminal, plain lines (at most one a second) otherwise. */
function progress(out: NodeJS.WriteStream) {
  let last = 0;
  return {
    show(done: number, total: number, final = false) {
      const pct = total === 0 ? 100 : Math.floor((done / total) * 100);
      if (out.isTTY) {
        const width = 30;
        const full = Math.round((pct / 100) * width);
        out.write(`\r[${'#'.repeat(full)}${'-'.repeat(width - full)}] ${String(pct).padStart(3)}% ${done.toLocaleString('en')}/${total.toLocaleString('en')} rows${final ? '\n' : ''}`);
        return;
      }
      const now = Date.now();
      if (!final && now - last < 1000) return;
      last = now;
      out.write(`progress: ${done}/${total} rows (${pct}%)\n`);
    },
  };
}

function summary(view: Pick<ImportView, 'id' | 'state' | 'rowsDone' | 'rowsTotal' | 'created' | 'updated' | 'associations' | 'errorCount'> & { failure?: string | undefined }): string {
  const list = (counts: Record<string, number>) => Object.entries(counts).map(([k, v]) => `${v} ${k}`).join(', ') || 'none';
  return [
    `Import ${view.id}: ${view.state}${view.failure ? ` (${view.failure})` : ''}`,
    `  rows:         ${view.rowsDone} of ${view.rowsTotal}`,
    `  created:      ${list(view.created)}`,
    `  updated:      ${list(view.updated)}`,
    `  associations: ${view.associations}`,
    `  refused rows: ${view.errorCount}`,
  ].join('\n');
}

async function writeLines(path: string, lines: AsyncIterable<string>): Promise<void> {
  const file = createWriteStream(path);
  for await (const line of lines) if (!file.write(line)) await once(file, 'drain');
  file.end();
  await once(file, 'finish');
}

async function readMapping(path: string | undefined): Promise<Record<string, string | null> | undefined> {
  if (!path) return undefined;
  const { readFile } = await import('node:fs/promises');
  return JSON.parse(await readFile(path, 'utf8')) as Record<string, string | null>;
}

/** The file's first row: its column headers. */
async function headerOf(file: string): Promise<string[]> {
  for await (const rec of csvRecords(createReadStream(file), csvLimits)) return rec.fields;
  return [];
}

function showMapping(m: MappingPreview): string {
  const width = Math.max(6, ...m.columns.map((c) => c.header.length));
  const also = [m.withObjectType ? `with ${m.withObjectType}` : '', m.associatedObjectTypes.length > 0 ? `associating ${m.associatedObjectTypes.join(', ')}` : ''].filter(Boolean);
  return [
    `Columns of a ${m.objectType} import${also.length > 0 ? ` (${also.join('; ')})` : ''}, mode ${m.mode}:`,
    ...m.columns.map((c) => `  ${(c.header || '(empty)').padEnd(width)}  ->  ${c.target ?? '(ignored)'}`),
    'Nothing was imported (--dry-run).',
  ].join('\n');
}

async function dryRun(file: string, options: ImportOptions, preview: (header: string[]) => Promise<MappingPreview | { status: number; message: string }>): Promise<number> {
  const answer = await preview(await headerOf(file));
  if ('status' in answer) {
    process.stderr.write(`crm import: the file would be refused (${answer.status}): ${answer.message}\n`);
    return 1;
  }
  process.stdout.write(`${showMapping(answer)}\n`);
  return 0;
}

export async function importCommand(file: string, args: string[], cli: CliContext): Promise<number> {
  const objectType = cli.option(args, '--object');
  const mode = (cli.option(args, '--mode') ?? 'create_and_update') as ImportMode;
  if (!objectType) {
    process.stderr.write('crm import: --object <type> is required (contacts, companies, deals, tickets or a custom object)\n');
    return 2;
  }
  if (!MODES.includes(mode)) {
    process.stderr.write(`crm import: --mode must be one of ${MODES.join(', ')}, got ${mode}\n`);
    return 2;
  }
  const withType = cli.option(args, '--with');
  const options: ImportOptions = { objectType, mode, ...(withType ? { withObjectType: withType } : {}), ...(await readMapping(cli.option(args, '--mapping')).then((m) => (m ? { columnMapping: m } : {}))) };
  const dry = args.includes('--dry-run');
  const errorsPath = cli.option(args, '--errors') ?? `${file}.errors.csv`;
  const server = cli.option(args, '--server');
  const bar = progress(process.stderr);
  if (server) {
    const token = cli.option(args, '--token') ?? process.env.CRM_TOKEN;
    if (!token) {
      process.stderr.write('crm import: --server needs --token <token> (or CRM_TOKEN)\n');
      return 2;
    }
    const base = server.replace(/\/$/, '');
    if (dry) {
      return dryRun(file, options, async (header) => {
        const res = await fetch(`${base}/api/imports/mapping`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ ...options, header }) });
        const body = (await res.json()) as MappingPreview & { message?: string };
        return res.status === 200 ? body : { status: res.status, message: body.message ?? JSON.stringify(body) };
      });
    }
    return importThroughServer(base, token, file, options, errorsPath, bar);
  }
  const database = await cli.openConfigured();
  try {
    await cli.setUp(database);
    const ws = await cli.pickWorkspace(database, cli.option(args, '--workspace'));
    if (dry) {
      return await dryRun(file, options, async (header) => {
        try {
          return await previewMapping(database.db, ws.workspaceId, { ...options, header });
        } catch (err) {
          if (err instanceof ApiError) return { status: err.status, message: err.message };
          throw err;
        }
      });
    }
    const { id } = await createImport(database.db, { workspaceId: ws.workspaceId, actor: { source: 'API', sourceId: 'cli' }, fileName: basename(file), options }, createReadStream(file));
    const claimed = await claimJob(database.db, ws.workspaceId, id);
    if (!claimed) throw new Error(`import ${id} was taken by another process`);
    bar.show(0, claimed.rowsTotal);
    const job: JobRow = await runJob(database.db, claimed, { onProgress: (j) => bar.show(j.rowsDone, j.rowsTotal) });
    bar.show(job.rowsDone, job.rowsTotal, true);
    const view = await importView(database.db, ws.workspaceId, id);
    process.stdout.write(`${summary(view)}\n`);
    if (view.errorCount > 0) {
      await writeLines(errorsPath, errorsCsv(database.db, ws.workspaceId, id));
      process.stdout.write(`  error file:   ${errorsPath}\n`);
    }
    return view.state !== 'done' ? 1 : view.errorCount > 0 ? 1 : 0;
  } finally {
    await database.close();
  }
}

async function importThroughServer(server: string, token: string, file: string, options: Record<string, unknown>, errorsPath: string, bar: ReturnType<typeof progress>): Promise<number> {
  const auth = { authorization: `Bearer ${token}` };
  const form = new FormData();
  form.set('file', await openAsBlob(file), basename(file));
  form.set('options', JSON.stringify(options));
  const res = await fetch(`${server}/api/imports`, { method: 'POST', headers: auth, body: form });
  const body = (await res.json()) as { id?: string; message?: string };
  if (res.status !== 202 || !body.id) {
    process.stderr.write(`crm import: the server refused the file (${res.status}): ${body.message ?? JSON.stringify(body)}\n`);
    return 1;
  }
  let view: ImportView;
  for (;;) {
    const r = await fetch(`${server}/api/imports/${body.id}`, { headers: auth });
    view = (await r.json()) as ImportView;
    if (r.status !== 200) throw new Error(`GET /api/imports/${body.id} answered ${r.status}`);
    bar.show(view.rowsDone, view.rowsTotal, view.state !== 'queued' && view.state !== 'running');
    if (view.state !== 'queued' && view.state !== 'running') break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  process.stdout.write(`${summary(view)}\n`);
  if (view.errorCount > 0) {
    const r = await fetch(`${server}/api/imports/${body.id}/errors.csv`, { headers: auth });
    const text = await r.text();
    await writeLines(errorsPath, (async function* () { yield text; })());
    process.stdout.write(`  error file:   ${errorsPath}\n`);
  }
  return view.state !== 'done' ? 1 : view.errorCount > 0 ? 1 : 0;
}
