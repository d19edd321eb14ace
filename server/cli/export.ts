import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { exportCsv } from '../domain/imports/export.ts';
import { resolveObjectType } from '../domain/object-types.ts';
import type { CliContext } from './import.ts';

export const EXPORT_USAGE = `  export --object <type> [--with <type>] [--out <file.csv>] [--workspace <id>]
              Write records (and, with --with, their associations with labels) as CSV
              that \`crm import\` reads back unchanged. To standard output without --out.
`;

export async function exportCommand(args: string[], cli: CliContext): Promise<number> {
  const objectType = cli.option(args, '--object');
  if (!objectType) {
    process.stderr.write('crm export: --object <type> is required\n');
    return 2;
  }
  const database = await cli.openConfigured();
  try {
    const ws = await cli.pickWorkspace(database, cli.option(args, '--workspace'));
    const type = await resolveObjectType(database.db, ws.workspaceId, objectType);
    const withRef = cli.option(args, '--with');
    const withType = withRef ? await resolveObjectType(database.db, ws.workspaceId, withRef) : undefined;
    const path = cli.option(args, '--out');
    const out = path ? createWriteStream(path) : process.stdout;
    let rows = -1;
    for await (const chunk of exportCsv(database.db, ws.workspaceId, type, withType)) {
      rows += chunk.split('\r\n').length - 1;
      if (!out.write(chunk)) await once(out, 'drain');
    }
    if (path) {
      (out as ReturnType<typeof createWriteStream>).end();
      await once(out, 'finish');
      process.stderr.write(`${rows} row(s) written to ${path}\n`);
    }
    return 0;
  } finally {
    await database.close();
  }
}
