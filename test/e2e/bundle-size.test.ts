/**
 * The content script's size budget: the built `content-scripts/mail.js` (Gmail and Outlook's
 * sidebar) stays under 40 KB gzip (level 9), the translations included. It ships without zod: the
 * background checks every message, and the shared modules the sidebar needs have zod-free halves
 * (shared/association-type-table.ts, standard-objects.ts, plan-rules.ts). Reads the run's one build
 * (test/e2e/global-setup.ts); `npm run bench:bundle` says which module takes what.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, inject, it } from 'vitest';

const CONTENT_SCRIPT_BUDGET = 40 * 1024;

describe('the content script (Gmail, Outlook)', () => {
  it('is under 40 KB gzip', async () => {
    const code = await readFile(join(inject('extensionBuild'), 'content-scripts/mail.js'));
    const gzip = gzipSync(code, { level: 9 }).length;
    expect(gzip, `content-scripts/mail.js is ${gzip} bytes gzip (${code.length} raw); see npm run bench:bundle`).toBeLessThan(CONTENT_SCRIPT_BUDGET);
    // a real build, not an empty file: the sidebar's own code is in it
    expect(code.toString('utf8')).toContain('crm-sidebar');
  });

  it('carries no zod', async () => {
    const code = await readFile(join(inject('extensionBuild'), 'content-scripts/mail.js'), 'utf8');
    // zod 4 names each of its classes `$Zod…` (kept as strings by the minifier); the background has them
    expect(code).not.toContain('$Zod');
    expect(await readFile(join(inject('extensionBuild'), 'background.js'), 'utf8')).toContain('$Zod');
  });
});

describe("the app page's early script", () => {
  it('carries no zod: the first reads go out before zod loads', async () => {
    const build = inject('extensionBuild');
    const early = await readFile(join(build, 'early-reads.js'), 'utf8');
    expect(early).not.toContain('$Zod');
    // it is the early script of app.html, loaded beside the app's code and not holding up its parse
    expect(await readFile(join(build, 'app.html'), 'utf8')).toMatch(/<script\s+async src="\/early-reads\.js"><\/script>/);
    expect(early).toContain('__crmEarlyReads');
  });
});

describe('app.html', () => {
  it("asks for three files, each in the build: the early script, the app's code, its styles", async () => {
    const build = inject('extensionBuild');
    const html = await readFile(join(build, 'app.html'), 'utf8');
    const files = [...html.matchAll(/(?:src|href)="\/([^"]+)"/g)].map((m) => m[1]!);
    expect(files).toEqual(['early-reads.js', 'app-main.js', 'assets/app-main.css']);
    // no module script (WXT's empty plugin module is left out: scripts/empty-page-modules.ts)
    expect(html).not.toContain('type="module"');
    for (const file of files) expect((await readFile(join(build, file))).length, file).toBeGreaterThan(1000);
    // the styles are the app's: the history table's and the shared page's
    const css = await readFile(join(build, 'assets/app-main.css'), 'utf8');
    expect(css).toContain('.crm-history-table');
    expect(css).toContain('.crm-button');
  });
});
