// @ts-check
/**
 * Run by `npm install` and `npm ci` (package.json's postinstall): makes the data directory template
 * (server/db/template.ts) of this PGlite version and these migrations, in the cache folder the
 * server reads (CRM_CACHE_DIR, else $XDG_CACHE_HOME or ~/.cache, under crm-associations). The first
 * new data directory on the machine is then unpacked from it instead of paying PGlite's initdb at
 * its first start (docs/performance-startup.md).
 *
 * It never fails an install: the work runs in a child process, and whatever happens to it (an
 * error, a crash, running out of memory, taking longer than CRM_INSTALL_TEMPLATE_TIMEOUT seconds,
 * 600 by default) is one line of notice and exit code 0. The server then makes the template at its
 * first start, as it does without this step. A template already stored for this key is kept as it
 * is (nothing to do). CRM_INSTALL_TEMPLATE=off skips the step.
 *
 *   node scripts/install-template.mjs
 *
 * This file is plain JavaScript and imports only Node's own modules in the parent, so that even an
 * install whose dependencies are broken gets its notice and exit 0.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DEFAULT_TIMEOUT_SECONDS = 600;
const say = (/** @type {string} */ line) => process.stdout.write(`crm-associations: ${line}\n`);
const notice = (/** @type {string} */ why) =>
  say(`the data directory template was not made (${why}); the server makes it at its first start instead.`);

/** The time limit in seconds: CRM_INSTALL_TEMPLATE_TIMEOUT when it is a whole number from 1 to 3600. */
function timeoutSeconds() {
  const raw = process.env.CRM_INSTALL_TEMPLATE_TIMEOUT;
  if (raw === undefined || raw === '') return DEFAULT_TIMEOUT_SECONDS;
  const value = Number(raw);
  if (Number.isInteger(value) && value >= 1 && value <= 3600) return value;
  say(`CRM_INSTALL_TEMPLATE_TIMEOUT=${JSON.stringify(raw.slice(0, 40))} is not a whole number of seconds from 1 to 3600: ${DEFAULT_TIMEOUT_SECONDS} s is used.`);
  return DEFAULT_TIMEOUT_SECONDS;
}

/** The parent: runs the child, reports, always exits 0. */
function parent() {
  const setting = process.env.CRM_INSTALL_TEMPLATE;
  if (setting === 'off') {
    say('CRM_INSTALL_TEMPLATE=off: no data directory template made.');
    return;
  }
  if (setting !== undefined && setting !== '' && setting !== 'on') {
    say(`CRM_INSTALL_TEMPLATE=${JSON.stringify(setting.slice(0, 40))} is neither "on" nor "off": the template is made.`);
  }
  const limit = timeoutSeconds();
  const started = performance.now();
  let child;
  // the child's scratch files (initdb's directory) go in a folder of this run's own, removed at the
  // end even when the child could not remove them (killed, crashed)
  /** @type {string | undefined} */
  let scratch;
  const removeScratch = () => {
    try {
      if (scratch) rmSync(scratch, { recursive: true, force: true });
    } catch {
      // a scratch folder left in the temporary folder is no reason to fail an install
    }
  };
  try {
    scratch = mkdtempSync(join(tmpdir(), 'crm-install-template-'));
    // --liftoff-only as in the npm scripts: PGlite's WebAssembly is not compiled again by V8's
    // optimizing compiler, which for this short run cost a quarter more CPU and 1.2 GB at the peak
    // instead of 0.7 GB (docs/performance-startup.md)
    child = spawn(process.execPath, ['--liftoff-only', fileURLToPath(import.meta.url), '--make'], { stdio: ['ignore', 'inherit', 'pipe'], env: { ...process.env, TMPDIR: scratch } });
  } catch (err) {
    removeScratch();
    notice(err instanceof Error ? err.message : String(err));
    return;
  }
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk) => {
    if (stderr.length < 4000) stderr += chunk;
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill('SIGKILL');
  }, limit * 1000);
  child.once('error', (err) => {
    clearTimeout(timer);
    removeScratch();
    notice(err.message);
  });
  child.once('exit', (code, signal) => {
    clearTimeout(timer);
    removeScratch();
    if (code === 0) return;
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const lastLine = stderr.trim().split('\n').filter(Boolean).at(-1);
    if (timedOut) notice(`not done after ${limit} s`);
    else notice(`${signal ? `stopped by ${signal}` : `exit code ${code}`} after ${seconds} s${lastLine ? `: ${lastLine.slice(0, 300)}` : ''}`);
  });
}

/** The child: the work, with the server's own code. Any failure is an exit code the parent reports. */
async function make() {
  const started = performance.now();
  const { mkdirSync } = await import('node:fs');
  const { makeTemplate, migrationsFolder } = await import('../server/db/client.ts');
  const { readTemplate, saveTemplate, templateCacheDir, templateKey } = await import('../server/db/template.ts');
  const dir = templateCacheDir();
  const key = templateKey(migrationsFolder);
  if (readTemplate(dir, key)) {
    say(`the data directory template is already in ${dir}.`);
    return;
  }
  // a cache folder that cannot be made is found before initdb, not after it
  mkdirSync(dir, { recursive: true });
  const made = await makeTemplate();
  if (made.key !== key) throw new Error(`the migrations changed while the template was made`);
  saveTemplate(dir, made.key, made.template);
  say(`data directory template made in ${((performance.now() - started) / 1000).toFixed(1)} s, kept in ${dir}.`);
}

if (process.argv[2] === '--make') {
  try {
    await make();
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  }
} else {
  // nothing of this step may fail an install, not even a mistake of its own
  process.on('uncaughtException', (err) => {
    notice(err instanceof Error ? err.message : String(err));
    process.exit(0);
  });
  parent();
}
