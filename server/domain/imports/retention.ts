import { sql } from 'drizzle-orm';
import { z } from 'zod';
import type { DbOrTx } from '../../db/client.ts';
import { col, parseRow } from '../../db/rows.ts';

/**
 * What is kept of an uploaded file, and for how long (issue 13; docs/hostile-input.md). An import's
 * file is personal data: it is kept while the import may still need it, and for a retention after
 * the import ends (done, failed, undone), then deleted. The import itself (state, counts, refused
 * rows with their codes and messages) stays readable, and so does errors.csv, without the rows'
 * values from then on. Pieces of an upload cut off half way (the server killed, the client gone)
 * have no job: they go once their newest piece is older than a grace period.
 */
export const RETENTION_DEFAULTS = {
  /** After an import ends (CRM_IMPORT_FILE_RETENTION_DAYS, default 30 days). */
  fileRetentionMs: 30 * 24 * 3_600_000,
  /** An upload that wrote no piece for this long is dead; a live one writes every 1 MiB. */
  orphanGraceMs: 15 * 60_000,
  /** How often the job runner sweeps. */
  sweepEveryMs: 3_600_000,
} as const;

export interface SweepOptions {
  fileRetentionMs?: number;
  /** 0 at the start of the only process of a data directory (PGlite): no upload can be in flight then. */
  orphanGraceMs?: number;
}

export interface SweepResult {
  /** Uploads without a job whose pieces were deleted. */
  orphanUploads: number;
  /** Ended imports whose file was deleted. */
  expiredFiles: number;
}

const countRow = z.object({ n: col.id });

const interval = (ms: number) => sql`make_interval(secs => ${ms / 1000}::double precision)`;

/** Deletes the pieces of uploads that never became a job, and the files of imports ended longer ago than the retention. */
export async function sweepImportFiles(db: DbOrTx, options: SweepOptions = {}): Promise<SweepResult> {
  const retention = options.fileRetentionMs ?? RETENTION_DEFAULTS.fileRetentionMs;
  const grace = options.orphanGraceMs ?? RETENTION_DEFAULTS.orphanGraceMs;
  const orphans = parseRow(
    'import files: orphan uploads swept',
    countRow,
    await db.execute(sql`
      with dead as (
        select c.workspace_id, c.import_id from import_chunks c
        where not exists (select 1 from import_jobs j where j.workspace_id = c.workspace_id and j.id = c.import_id)
        group by c.workspace_id, c.import_id
        having max(c.created_at) <= now() - ${interval(grace)}
      ), gone as (
        delete from import_chunks c using dead d where c.workspace_id = d.workspace_id and c.import_id = d.import_id returning c.workspace_id, c.import_id
      )
      select count(distinct (workspace_id, import_id))::int as n from gone`),
  );
  const expired = parseRow(
    'import files: expired files swept',
    countRow,
    await db.execute(sql`
      with ended as (
        select workspace_id, id from import_jobs
        where kind = 'import' and state in ('done', 'failed', 'undone')
          and coalesce(undone_at, finished_at, created_at) <= now() - ${interval(retention)}
      ), gone as (
        delete from import_chunks c using ended e where c.workspace_id = e.workspace_id and c.import_id = e.id returning c.workspace_id, c.import_id
      )
      select count(distinct (workspace_id, import_id))::int as n from gone`),
  );
  return { orphanUploads: orphans.n, expiredFiles: expired.n };
}
