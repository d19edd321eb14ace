/** `crm demo`: the demo workspace (server/demo/workspace.ts) loaded into an existing database. */
import { createApp } from '../app.ts';
import { claimJob, runJob } from '../domain/imports/runner.ts';
import { issueToken, revokeToken } from '../domain/tokens.ts';
import { listUsers } from '../domain/users.ts';
import { DEMO_MAIL_PATH } from '../../shared/api-paths.ts';
import { DEMO_SEED, DemoRefusedError, loadDemoWorkspace } from '../demo/workspace.ts';
import type { CliContext } from './import.ts';

export const DEMO_USAGE = `  demo [--workspace <id>] [--seed <n>] [--force]
              Load the demo workspace: a few dozen companies with their contacts, deals,
              tickets, labels, logged emails and notes, and a history with every source
              (seed ${DEMO_SEED} unless given: the same seed gives the same data). Refused
              when the workspace already has records, unless --force. Then start the
              server with \`npm start -- --demo\` for the demo mailbox.
`;

export async function demoCommand(args: string[], cli: CliContext): Promise<number> {
  const unknown = args.filter((a, i) => a.startsWith('-') && !['--workspace', '--seed', '--force'].includes(a) && !['--workspace', '--seed'].includes(args[i - 1] ?? ''));
  const seedText = cli.option(args, '--seed');
  const seed = seedText === undefined ? DEMO_SEED : Number(seedText);
  if (unknown.length > 0 || !Number.isSafeInteger(seed) || seed < 0) {
    process.stderr.write(`crm demo: ${unknown.length > 0 ? `unknown option ${unknown[0]}` : `--seed must be a whole number ≥ 0, not ${seedText}`}\n\nUsage:\n${DEMO_USAGE}`);
    return 2;
  }
  const database = await cli.openConfigured();
  try {
    await cli.setUp(database);
    const ws = await cli.pickWorkspace(database, cli.option(args, '--workspace'));
    const admin = (await listUsers(database.db, ws.workspaceId)).find((u) => u.role === 'admin' && u.active);
    if (!admin) throw new Error(`workspace ${ws.workspaceId} has no active admin to write the demo as`);
    // a token for this run only: the demo is written through the API, as the admin
    const temporary = await issueToken(database.db, { workspaceId: ws.workspaceId, kind: 'user', userId: admin.id, name: 'crm demo (this run only)' });
    try {
      const app = createApp({ db: database.db, tokenCacheMs: 0 });
      const summary = await loadDemoWorkspace(async (path, init) => app.request(path, init), {
        adminToken: temporary.token,
        plan: ws.plan,
        seed,
        force: args.includes('--force'),
        runImport: async (id) => {
          const job = await claimJob(database.db, ws.workspaceId, id);
          if (job) await runJob(database.db, job);
        },
      });
      process.stdout.write(
        `Demo workspace loaded into ${ws.workspaceId} (seed ${summary.seed}): ${summary.companies} companies, ${summary.contacts} contacts, ${summary.deals} deals, ${summary.tickets} tickets, ` +
          `${summary.customRecords} custom-object records, ${summary.activities} logged emails and notes; import ${summary.importId} with ${summary.importErrors} refused rows.\n` +
          `Start the server with \`npm start -- --demo\` and open ${DEMO_MAIL_PATH} on it for the demo mailbox.\n`,
      );
      return 0;
    } catch (err) {
      if (!(err instanceof DemoRefusedError)) throw err;
      process.stderr.write(`crm demo: ${err.message}\n`);
      return 1;
    } finally {
      await revokeToken(database.db, ws.workspaceId, temporary.id);
    }
  } finally {
    await database.close();
  }
}
