import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { CONTACT } from '../../../shared/objects.ts';
import type { Plan } from '../../../shared/plans.ts';
import { type Db, type Tx, writesAreSerial } from '../../db/client.ts';
import { col, parseRow, parseRows } from '../../db/rows.ts';
import { type ImportJobOptions, importErrors, importJobs, importRecords, workspaces } from '../../db/schema/index.ts';
import { ApiError } from '../../errors.ts';
import { type ActorRef, withActor } from '../audit.ts';
import { RETENTION_DEFAULTS, type SweepOptions, sweepImportFiles } from './retention.ts';
import { autoAssociateContact, autoDomainSettings } from '../auto-domain.ts';
import { objectTypeById } from '../object-types.ts';
import { applyBatch, type ImportContext, partDigest, type RowError } from './apply.ts';
import type { CsvRecord } from './csv.ts';
import { dataRecords, getJob, type JobRow } from './jobs.ts';

/**
 * Runs import and auto-domain jobs in the background. Each batch of rows is one transaction that
 * also moves the job's `rows_done` (and `cursor`) forward, after checking under a row lock that
 * nobody else did: a job resumed after a restart, or picked up by another server process, starts
 * exactly where the last committed batch ended, and no row is applied twice or half.
 */

export interface RunOptions {
  batchSize?: number;
  /** How long a runner holds a job without touching it before another may take it over (ms). */
  leaseMs?: number;
  /** Called after every committed batch. */
  onProgress?: (job: JobRow) => void;
  /** Asked between batches: true stops the run (the job stays running, to be resumed). */
  shouldStop?: () => boolean;
}

/**
 * Rows per batch transaction. PGlite runs one transaction at a time, so its batches stay short
 * (requests wait for them); PostgreSQL's don't block other requests, and fewer, bigger commits
 * import faster there.
 */
function defaultBatch(db: Db): number {
  return writesAreSerial(db) ? 500 : 2000;
}
const DEFAULT_LEASE_MS = 15_000;

const madeRow = z.object({ id: col.id, properties: col.properties });
const contactRow = z.object({ id: col.id, email: col.textOrNull });
const countRow = z.object({ n: col.id });
const candidateRow = z.object({ workspace_id: col.text, id: col.text });

/** Another runner moved the job on: this one lets go of it. */
class JobLost extends Error {}

async function workspacePlan(db: Db, workspaceId: string): Promise<{ plan: Plan; settings: Record<string, unknown> }> {
  const [ws] = await db.select({ plan: workspaces.plan, settings: workspaces.settings }).from(workspaces).where(eq(workspaces.workspaceId, workspaceId));
  if (!ws) throw new Error(`workspace ${workspaceId} is gone`);
  return ws;
}

async function lockJob(tx: Tx, job: JobRow): Promise<JobRow> {
  const [row] = await tx.select().from(importJobs).where(and(eq(importJobs.workspaceId, job.workspaceId), eq(importJobs.id, job.id))).for('update');
  if (!row || row.state !== 'running' || row.rowsDone !== job.rowsDone || row.cursor !== job.cursor) throw new JobLost();
  return row;
}

function sum(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const out = { ...a };
  for (const [k, v] of Object.entries(b)) out[k] = (out[k] ?? 0) + v;
  return out;
}

async function saveErrors(tx: Tx, job: JobRow, errors: RowError[]): Promise<void> {
  if (errors.length === 0) return;
  const perRow = new Map<number, number>();
  const values = errors.map((e) => {
    const k = perRow.get(e.row) ?? 0;
    perRow.set(e.row, k + 1);
    return { workspaceId: job.workspaceId, importId: job.id, seq: e.row * 1000 + k, row: e.row, column: e.column, code: e.code, message: e.message.slice(0, 2000) };
  });
  for (let i = 0; i < values.length; i += 1000) await tx.insert(importErrors).values(values.slice(i, i + 1000)).onConflictDoNothing();
}

/** Marks a job running for this runner (or answers null when another holds it). */
export async function claimJob(db: Db, workspaceId: string, id: string, leaseMs = DEFAULT_LEASE_MS): Promise<JobRow | null> {
  const [row] = await db
    .update(importJobs)
    .set({ state: 'running', leaseUntil: sql`now() + ${`${leaseMs} milliseconds`}::interval` })
    .where(and(eq(importJobs.workspaceId, workspaceId), eq(importJobs.id, id), sql`${importJobs.state} in ('queued', 'running')`, sql`(${importJobs.leaseUntil} is null or ${importJobs.leaseUntil} < now())`))
    .returning();
  return row ?? null;
}

/** What a canceled import says in `failure`. */
export const CANCELED = 'CANCELED: stopped on request. The rows done before stay (rowsDone); undo the import to take them back';

/**
 * Cancels a queued or running import: it becomes `failed` with CANCELED as its failure. A batch
 * being written finishes first (it holds the job's row); the runner stops before the next one.
 * What was done stays, and the import can be undone like any other.
 */
export async function cancelImport(db: Db, workspaceId: string, id: string): Promise<void> {
  await db.transaction(async (tx) => {
    const job = await getJob(tx as Tx, workspaceId, id, 'import', { lock: true });
    if (job.state !== 'queued' && job.state !== 'running') {
      throw new ApiError('IMPORT_NOT_CANCELABLE', `Import ${id} is ${job.state}: only a queued or running import can be canceled`, { errors: [{ message: `state ${job.state}`, in: 'path:id' }] });
    }
    await tx.update(importJobs).set({ state: 'failed', failure: CANCELED, finishedAt: sql`now()`, leaseUntil: null }).where(and(eq(importJobs.workspaceId, workspaceId), eq(importJobs.id, id)));
  });
}

/** Runs a claimed job to its end (or until `shouldStop`). Answers the job as it is then. */
export async function runJob(db: Db, claimed: JobRow, options: RunOptions = {}): Promise<JobRow> {
  // its record changes carry who started the job, as a request's carry its caller
  return withActor((claimed.startedBy.by as ActorRef | undefined) ?? null, () => runClaimedJob(db, claimed, options));
}

async function runClaimedJob(db: Db, claimed: JobRow, options: RunOptions): Promise<JobRow> {
  let job = claimed;
  const lease = sql`now() + ${`${options.leaseMs ?? DEFAULT_LEASE_MS} milliseconds`}::interval`;
  try {
    const { plan, settings } = await workspacePlan(db, job.workspaceId);
    // tables a big import fills need fresh planner statistics, or lookups by email and domain
    // turn into scans of the whole workspace (PGlite never analyzes by itself): at 1,000 rows done,
    // then at every fourfold
    let analyzeAt = 1000;
    while (analyzeAt <= job.rowsDone) analyzeAt *= 4;
    const step = job.kind === 'import' ? await importSteps(db, job, plan, settings, options.batchSize ?? defaultBatch(db)) : autoDomainSteps(db, job, plan, settings, options.batchSize ?? 200);
    for (;;) {
      if (options.shouldStop?.()) {
        await db.update(importJobs).set({ leaseUntil: null }).where(and(eq(importJobs.workspaceId, job.workspaceId), eq(importJobs.id, job.id)));
        return job;
      }
      // read outside the transaction: PGlite runs one transaction at a time, and the file is read with `db`
      const input = await step.read();
      if (input === null) break;
      const next = await db.transaction(async (tx) => {
        const locked = await lockJob(tx as Tx, job);
        const done = await step.apply(tx as Tx, locked, input);
        if (!done) return null;
        const [row] = await tx
          .update(importJobs)
          .set({
            rowsDone: locked.rowsDone + done.rows,
            cursor: done.cursor ?? locked.cursor,
            created: sum(locked.created, done.created),
            updated: sum(locked.updated, done.updated),
            associations: locked.associations + done.associations,
            errorCount: locked.errorCount + done.errors.length,
            leaseUntil: lease,
          })
          .where(and(eq(importJobs.workspaceId, job.workspaceId), eq(importJobs.id, job.id)))
          .returning();
        await saveErrors(tx as Tx, locked, done.errors);
        return row!;
      });
      if (!next) break;
      job = next;
      options.onProgress?.(job);
      if (job.rowsDone >= analyzeAt) {
        for (const table of ['records', 'associations', 'import_records']) await db.execute(sql.raw(`analyze ${table}`));
        while (analyzeAt <= job.rowsDone) analyzeAt *= 4;
      }
      // let requests waiting for the database in (PGlite runs one statement at a time)
      await new Promise((resolve) => setImmediate(resolve));
    }
    const [finished] = await db
      .update(importJobs)
      .set({ state: 'done', finishedAt: sql`now()`, leaseUntil: null, rowsTotal: sql`greatest(${importJobs.rowsTotal}, ${importJobs.rowsDone})` })
      .where(and(eq(importJobs.workspaceId, job.workspaceId), eq(importJobs.id, job.id), eq(importJobs.state, 'running'), eq(importJobs.rowsDone, job.rowsDone)))
      .returning();
    job = finished ?? job;
    options.onProgress?.(job);
    return job;
  } catch (err) {
    if (err instanceof JobLost) return job;
    const message = err instanceof ApiError ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
    const [failed] = await db
      .update(importJobs)
      .set({ state: 'failed', failure: message, finishedAt: sql`now()`, leaseUntil: null })
      .where(and(eq(importJobs.workspaceId, job.workspaceId), eq(importJobs.id, job.id), eq(importJobs.state, 'running')))
      .returning()
      .catch(() => []);
    if (!(err instanceof ApiError)) console.error(`import job ${job.id} failed:`, err);
    return failed ?? job;
  }
}

interface StepResult {
  rows: number;
  cursor?: number;
  created: Record<string, number>;
  updated: Record<string, number>;
  associations: number;
  errors: RowError[];
}

interface Step {
  /** The next batch's input, or null at the end. */
  read(): Promise<CsvRecord[] | true | null>;
  apply(tx: Tx, job: JobRow, input: CsvRecord[] | true): Promise<StepResult | null>;
}

/** An import's batches: the next `size` records of the stored file, streamed from where it stopped. */
async function importSteps(db: Db, job: JobRow, plan: Plan, settings: Record<string, unknown>, size: number): Promise<Step> {
  const options = job.options as ImportJobOptions;
  const main = await objectTypeById(db, job.workspaceId, options.objectType);
  const typeIds = new Set(options.columns.filter((c): c is string => c !== null && c !== 'label').map((c) => c.split(':')[1]!));
  const secondId = [...typeIds].find((t) => t !== main.typeId && options.columns.some((c) => c?.startsWith(`prop:${t}:`)));
  const linked = new Map();
  for (const c of options.columns) {
    if (c?.startsWith('assoc:')) {
      const t = c.split(':')[1]!;
      linked.set(t, await objectTypeById(db, job.workspaceId, t));
    }
  }
  const ctx: ImportContext = {
    workspaceId: job.workspaceId,
    plan,
    importId: job.id,
    mode: options.mode,
    header: options.header,
    columns: options.columns,
    main,
    second: secondId ? await objectTypeById(db, job.workspaceId, secondId) : undefined,
    linked,
    autoDomain: autoDomainSettings(settings),
    dateFormat: options.dateFormat,
    keyless: new Map(),
    keylessParts: new Map(),
  };
  if (job.rowsDone > 0) {
    // resumed: the rows before rowsDone still count for DUPLICATE_ROW_CONTENT (the hashes of the
    // records they created; a keyed row's hash never equals a keyless row's, their key column differs)
    const done = await db
      .select({ row: importRecords.row, hash: importRecords.rowHash })
      .from(importRecords)
      .where(and(eq(importRecords.workspaceId, job.workspaceId), eq(importRecords.importId, job.id), eq(importRecords.action, 'CREATED'), sql`${importRecords.rowHash} <> ''`));
    for (const r of done) if (!ctx.keyless.has(r.hash)) ctx.keyless.set(r.hash, r.row);
    if (ctx.second) {
      // and the second-object records it created, by their values (a keyless one is found by them)
      const made = parseRows(
        'import: keyless second-object records it created',
        madeRow,
        await db.execute(sql`select r.id, r.properties from import_records i join records r on r.workspace_id = i.workspace_id and r.id = i.record_id
          where i.workspace_id = ${job.workspaceId} and i.import_id = ${job.id} and i.action = 'CREATED' and r.type_id = ${ctx.second.typeId}`),
      );
      for (const r of made) ctx.keylessParts.set(partDigest(ctx.second.typeId, r.properties), r.id);
    }
  }
  // the file is read once, from the first record not done yet; reads run outside the batch's transaction
  const records = dataRecords(db, job, job.rowsDone)[Symbol.asyncIterator]();
  return {
    read: async () => {
      const batch: CsvRecord[] = [];
      while (batch.length < size) {
        const next = await records.next();
        if (next.done) break;
        batch.push(next.value);
      }
      return batch.length === 0 ? null : batch;
    },
    apply: async (tx, _job, batch) => {
      const list = batch as CsvRecord[];
      const { keyless, keylessParts, ...r } = await applyBatch(tx, ctx, list);
      // the batch commits with the job's progress, or the runner lets go of the job (and of ctx)
      for (const [hash, row] of keyless) ctx.keyless.set(hash, row);
      for (const [digest, id] of keylessParts) ctx.keylessParts.set(digest, id);
      return { rows: list.length, ...r };
    },
  };
}

/** The auto-domain pass over existing contacts, in id order from the cursor (R18). */
function autoDomainSteps(db: Db, job: JobRow, plan: Plan, settings: Record<string, unknown>, size: number): Step {
  const auto = autoDomainSettings({ ...settings, autoAssociateCompaniesByDomain: true });
  return { read: async () => true, apply: async (tx, locked) => {
    const contacts = parseRows(
      'auto-domain: the next contacts',
      contactRow,
      await tx.execute(sql`select id, properties->>'email' as email from records
        where workspace_id = ${job.workspaceId} and type_id = ${CONTACT} and id > ${locked.cursor} and archived_at is null and merged_into is null
        order by id limit ${size}`),
    );
    if (contacts.length === 0) return null;
    const out: StepResult = { rows: contacts.length, cursor: contacts.at(-1)!.id, created: {}, updated: {}, associations: 0, errors: [] };
    for (const c of contacts) {
      if (!c.email) continue;
      try {
        const r = await tx.transaction((sp) => autoAssociateContact(sp as Tx, { workspaceId: job.workspaceId, plan, actor: { source: 'AUTO_DOMAIN', sourceId: job.id } }, c, auto));
        if (r?.associated) out.associations++;
        if (r?.createdCompany) out.created.companies = (out.created.companies ?? 0) + 1;
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        out.errors.push({ row: c.id, column: 'email', code: err.code, message: `contact ${c.id}: ${err.message}` });
      }
    }
    return out;
  } };
}

/** Queues the auto-domain pass over a workspace's existing contacts; answers its id. */
export async function startAutoDomainJob(db: Db, workspaceId: string): Promise<{ id: string }> {
  const count = parseRow(
    'auto-domain: contacts to go through',
    countRow,
    await db.execute(sql`select count(*)::int as n from records where workspace_id = ${workspaceId} and type_id = ${CONTACT} and archived_at is null and merged_into is null`),
  );
  const [row] = await db.insert(importJobs).values({ workspaceId, kind: 'auto_domain', rowsTotal: count.n }).returning({ id: importJobs.id });
  return { id: row!.id };
}

/**
 * The server's job runner: takes queued jobs (and running ones whose runner went away) one at a
 * time. `exclusive` (PGlite: one process per data directory) takes over jobs left running by a
 * stopped server at once instead of waiting for their lease to end.
 */
export class JobRunner {
  readonly #db: Db;
  readonly #options: RunOptions & { pollMs?: number; sweep?: SweepOptions & { everyMs?: number } };
  #stopping = false;
  #lastSweep = 0;
  #wake: (() => void) | undefined;
  #loop: Promise<void> | undefined;

  /** `sweep`: the retention of uploaded files (retention.ts), applied every `everyMs` between jobs. */
  constructor(db: Db, options: RunOptions & { pollMs?: number; sweep?: SweepOptions & { everyMs?: number } } = {}) {
    this.#db = db;
    this.#options = options;
  }

  start(options: { exclusive: boolean }): void {
    this.#loop = (async () => {
      if (options.exclusive) await this.#db.update(importJobs).set({ leaseUntil: null }).where(eq(importJobs.state, 'running'));
      while (!this.#stopping) {
        const job = await this.#next().catch((err: unknown) => {
          console.error('job runner:', err);
          return null;
        });
        if (job) {
          await runJob(this.#db, job, { ...this.#options, shouldStop: () => this.#stopping });
          continue;
        }
        await this.#sweepWhenDue();
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.#options.pollMs ?? 2_000);
          this.#wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.#wake = undefined;
      }
    })();
  }

  /** A job was queued: look now rather than at the next poll. */
  wake(): void {
    this.#wake?.();
  }

  /** Stops after the batch in progress; the job it was on stays running, to be resumed. */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake?.();
    await this.#loop;
  }

  async #sweepWhenDue(): Promise<void> {
    const { everyMs = RETENTION_DEFAULTS.sweepEveryMs, ...sweep } = this.#options.sweep ?? {};
    if (Date.now() - this.#lastSweep < everyMs) return;
    this.#lastSweep = Date.now();
    await sweepImportFiles(this.#db, sweep).catch((err: unknown) => console.error('import file sweep:', err));
  }

  async #next(): Promise<JobRow | null> {
    const [candidate] = parseRows(
      'import jobs: the next to run',
      candidateRow,
      await this.#db.execute(sql`select workspace_id, id from import_jobs
        where state in ('queued', 'running') and (lease_until is null or lease_until < now()) order by created_at limit 1`),
    );
    if (!candidate) return null;
    return claimJob(this.#db, candidate.workspace_id, candidate.id, this.#options.leaseMs);
  }
}
