import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { loadConfigOrExit } from '../config.ts';
import { openDatabase } from '../db/client.ts';
import { copyDatabase, type TableProgress } from '../domain/copy-database.ts';
import type { CliContext } from './import.ts';

export const COPY_DATABASE_USAGE = `  copy-database --to <postgres-url> [--force]
              Copy everything from the PGlite database in DATA_DIR into an empty
              PostgreSQL database (migrated first with the same migrations), sequences
              included, in one transaction; then start the server with DATABASE_URL set
              to that URL. Stop the server first: it holds DATA_DIR. A target that has
              rows is refused; --force empties its tables first. Progress on stderr.
`;

/** Progress on stderr: a bar redrawn in place on a terminal, one line per table otherwise. */
function progressPrinter(): { update(p: TableProgress): void; end(): void } {
  const tty = process.stderr.isTTY;
  let last = 0;
  let current = '';
  return {
    update(p) {
      const finished = p.done === p.total;
      if (!tty) {
        if (finished) process.stderr.write(`  ${p.table}: ${p.total} row(s)\n`);
        return;
      }
      const now = performance.now();
      if (!finished && p.table === current && now - last < 100) return;
      last = now;
      current = p.table;
      const share = p.total === 0 ? 1 : p.done / p.total;
      const bar = '#'.repeat(Math.round(share * 30)).padEnd(30, '.');
      process.stderr.write(`\r  ${p.table.padEnd(22)} [${bar}] ${String(Math.round(share * 100)).padStart(3)}%  ${p.done}/${p.total}\x1b[K${finished ? '\n' : ''}`);
    },
    end() {},
  };
}

export async function copyDatabaseCommand(args: string[], cli: Pick<CliContext, 'option'>): Promise<number> {
  const to = cli.option(args, '--to');
  if (!to || to.startsWith('-') || !/^postgres(ql)?:\/\//.test(to)) {
    process.stderr.write(`crm copy-database: --to <postgres-url> is required (postgres://user@host:5432/database)\n\n${COPY_DATABASE_USAGE}`);
    return 2;
  }
  const force = args.includes('--force');
  const config = loadConfigOrExit();
  // opening takes the data directory's lock: a running server makes this stop here, with its pid
  const source = await openDatabase({ dataDir: config.dataDir });
  try {
    process.stderr.write(`Migrating the target...\n`);
    await (await openDatabase({ databaseUrl: to, poolSize: 1 })).close();
    const target = new pg.Client({ connectionString: to });
    await target.connect();
    try {
      process.stderr.write(`Copying PGlite in ${config.dataDir} to PostgreSQL:\n`);
      const progress = progressPrinter();
      const report = await copyDatabase((source.db as unknown as { $client: PGlite }).$client, target, { force, onProgress: progress.update });
      progress.end();
      const rate = report.seconds > 0 ? Math.round(report.rows / report.seconds) : report.rows;
      process.stdout.write(`Copied ${report.rows} row(s) of ${report.tables.length} table(s) and ${report.sequences.length} sequence(s) in ${report.seconds.toFixed(1)} s (${rate} rows/s).\nStart the server with DATABASE_URL set to the target to use it.\n`);
      return 0;
    } finally {
      await target.end();
    }
  } finally {
    await source.close();
  }
}
