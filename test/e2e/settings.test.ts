/**
 * The admin's settings screens (`app.html#/settings/...`) in Debian's Chromium against the real
 * server: association labels and limits (R4, R14), automatic association by domain with the job
 * for existing contacts (R18), activity rules and the never-log list (B5, B8), users and tokens.
 * A rep is told the screens are for admins and the server refuses the changes anyway; refused
 * actions (the 51st label, a label limit above its pair's, a never-log entry that is no address)
 * show the server's reason; on Starter the label controls are shown, disabled, with the reason.
 * No serious accessibility violations (axe-core). Screenshots into test-results/ (and docs/ when
 * UPDATE_DOCS_SCREENSHOTS=1).
 */
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, type ListeningServer, until } from '../helpers/server-process.ts';
import { seriousViolations } from './helpers/axe.ts';
import { buildAndStart, type CompanionBrowser, ensureArtifacts, launchWithExtension, serverApi, signIn } from './helpers/companion.ts';

const docs = fileURLToPath(new URL('../../docs', import.meta.url));

let work: string;
let server: ListeningServer;
let browser: CompanionBrowser;
let token: string;
let artifacts: string;
const { api, create } = serverApi(() => ({ url: server.url, token }));

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'crm-e2e-settings-'));
  const started = await buildAndStart({ DATA_DIR: join(work, 'data'), HOST: '127.0.0.1', CRM_PLAN: 'professional' });
  server = started.server;
  token = server.printedToken!;
  artifacts = await ensureArtifacts();
  browser = await launchWithExtension(started.extensionDir, join(work, 'profile'));
  await signInAs(token, 'Owner');
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

const app = (hash: string) => `chrome-extension://${browser.extensionId}/app.html${hash}`;

/** A screenshot into test-results/, and into docs/ when the docs' pictures are being renewed. */
async function shot(page: Page, name: string): Promise<void> {
  const path = join(artifacts, name);
  await page.screenshot({ path, fullPage: true });
  if (process.env.UPDATE_DOCS_SCREENSHOTS === '1') await copyFile(path, join(docs, name));
}

/**
 * Signs the companion in with another token and waits until the app page shows that user: the
 * options page may still show the previous sign-in's "Signed in to …" for a moment.
 */
async function signInAs(as: string, who: string): Promise<void> {
  await signIn(browser, server.url, as);
  const page = await browser.context.newPage();
  await until(
    async () => {
      await page.goto(app('#/'));
      return page.locator('.crm-app-who').textContent({ timeout: 15_000 });
    },
    (name) => name === who,
    20_000,
    200,
  );
  await page.close();
}

async function open(hash: string): Promise<Page> {
  const page = await browser.context.newPage();
  await page.goto(app(hash));
  await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor({ timeout: 15_000 });
  return page;
}

type Usage = { results: Array<{ typeId: number; label: string | null; associations: number; ownLimit: number | null; recordsAbove: number }> };

describe('settings: association labels and limits (R4, R14)', () => {
  it('R14: an admin creates a paired label, renames it, and deletes it being told how many associations carry it', async () => {
    const page = await open('#/settings/associations');
    // keyboard: the form opens focused on the name, Escape closes it and focus goes back
    await page.getByRole('button', { name: 'Create label' }).focus();
    await page.keyboard.press('Enter');
    const focused = () => page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.closest('label')?.textContent ?? document.activeElement?.textContent);
    await until(focused, (v) => v === 'Label name', 5_000, 20);
    await page.keyboard.press('Escape');
    await until(focused, (v) => v === 'Create label', 5_000, 20);
    await page.keyboard.press('Enter');
    await page.getByRole('textbox', { name: 'Label name', exact: true }).fill('Advisor');
    await page.getByRole('textbox', { name: 'Inverse label name' }).fill('Advisee');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Label “Advisor” created' }).waitFor();
    const row = page.getByRole('row', { name: /Advisor/ });
    expect(await row.getByRole('cell').first().textContent()).toBe('Advisee');

    // three companies carry the label
    const usage = await api<Usage>('GET', '/api/associations/contacts/companies/usage');
    const advisor = usage.results.find((r) => r.label === 'Advisor')!.typeId;
    const contact = await create('contacts', { email: 'ada@labels.example', firstname: 'Ada' });
    for (const name of ['Alpha', 'Beta', 'Gamma']) {
      const company = await create('companies', { name });
      await api('PUT', `/crm/v4/objects/contacts/${contact}/associations/companies/${company}`, [{ associationCategory: 'USER_DEFINED', associationTypeId: advisor }]);
    }
    await page.reload();
    await page.getByRole('row', { name: /Advisor/ }).getByRole('cell', { name: '3', exact: true }).waitFor();

    await page.getByRole('row', { name: /Advisor/ }).getByRole('button', { name: 'Rename' }).click();
    await page.getByRole('textbox', { name: 'Label name', exact: true }).fill('Board advisor');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Label renamed to “Board advisor”' }).waitFor();
    await page.getByRole('row', { name: /Board advisor/ }).waitFor();
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'settings-associations.png');

    await page.getByRole('row', { name: /Board advisor/ }).getByRole('button', { name: 'Delete label' }).click();
    const dialog = page.getByRole('dialog', { name: 'Delete label' });
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('Associations carrying it: 3.');
    expect(await seriousViolations(page)).toEqual([]);
    await dialog.getByRole('button', { name: 'Yes, delete' }).click();
    await page.getByRole('status').filter({ hasText: 'Label “Board advisor” deleted; associations kept without it: 3' }).waitFor();
    await page.getByRole('row', { name: /Board advisor/ }).waitFor({ state: 'detached' });
    const after = await api<Usage>('GET', '/api/associations/contacts/companies/usage');
    expect(after.results.some((r) => r.typeId === advisor)).toBe(false);
    // the associations stay
    expect((await api<{ results: unknown[] }>('GET', `/crm/v4/objects/contacts/${contact}/associations/companies`)).results).toHaveLength(3);
    await page.close();
  });

  it('R14: the 51st label of a pair is refused by the server and the screen says why', async () => {
    for (let i = 1; i <= 50; i++) await api('POST', '/crm/v4/associations/contacts/deals/labels', { label: `Role ${i}`, name: `role_${i}` });
    const page = await open('#/settings/associations');
    await page.getByRole('combobox', { name: 'Object pair' }).selectOption({ label: 'Contacts → Deals' });
    await page.getByText('50 of at most 50 labels for this pair').waitFor();
    await page.getByRole('button', { name: 'Create label' }).click();
    await page.getByRole('textbox', { name: 'Label name', exact: true }).fill('One too many');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'already has 50 labels' }).waitFor();
    const labels = await api<{ results: Array<{ label: string | null }> }>('GET', '/crm/v4/associations/contacts/deals/labels');
    expect(labels.results.some((r) => r.label === 'One too many')).toBe(false);
    await page.close();
  });

  it('R4: limits per pair and per label; a lower limit is not retroactive and the screen counts the records above it; a label above its pair is refused', async () => {
    await api('POST', '/crm/v4/associations/deals/companies/labels', { label: 'Partner', name: 'partner' });
    const deal = await create('deals', { dealname: 'Big deal' });
    for (const name of ['One', 'Two', 'Three']) await api('PUT', `/crm/v4/objects/deals/${deal}/associations/default/companies/${await create('companies', { name })}`);

    const page = await open('#/settings/associations');
    await page.getByRole('combobox', { name: 'Object pair' }).selectOption({ label: 'Deals → Companies' });
    // the pair is in the address: it can be shared and reloaded
    await until(() => new URL(page.url()).hash, (h) => h === '#/settings/associations?from=deals&to=companies', 5_000, 20);
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
    expect(await page.getByRole('combobox', { name: 'Object pair' }).evaluate((select: HTMLSelectElement) => select.selectedOptions[0]?.textContent)).toBe('Deals → Companies');
    await page.getByRole('spinbutton', { name: 'Pair limit, Deals → Companies' }).fill('2');
    await page.getByRole('button', { name: 'Save limits' }).click();
    await page.getByRole('status').filter({ hasText: 'Limits saved.' }).waitFor();
    const usage = await api<Usage>('GET', '/api/associations/deals/companies/usage');
    expect(usage.results.find((r) => r.label === null)).toMatchObject({ ownLimit: 2, recordsAbove: 1 });
    expect(await page.getByRole('status').filter({ hasText: 'Limits saved.' }).textContent()).toContain('Records above the limit of 2 for the pair: 1.');
    // not retroactive: the three companies stay
    expect((await api<{ results: unknown[] }>('GET', `/crm/v4/objects/deals/${deal}/associations/companies`)).results).toHaveLength(3);

    await page.getByRole('spinbutton', { name: 'Limit for Partner' }).fill('5');
    await page.getByRole('button', { name: 'Save limits' }).click();
    await page.getByRole('alert').filter({ hasText: "may not exceed its pair's limit" }).waitFor();
    const partner = (await api<Usage>('GET', '/api/associations/deals/companies/usage')).results.find((r) => r.label === 'Partner');
    expect(partner?.ownLimit).toBeNull();
    // the refused value stays typed in, to be corrected
    expect(await page.getByRole('spinbutton', { name: 'Limit for Partner' }).inputValue()).toBe('5');
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'settings-limits.png');
    await page.close();
  });
});

describe('settings: automatic association by domain (R18)', () => {
  it('R18: an admin saves the settings and applies them to existing contacts, with progress and the result', async () => {
    await create('companies', { name: 'Umbrella', domain: 'umbrella.example' });
    const contacts = [];
    for (const email of ['ann@umbrella.example', 'bob@umbrella.example', 'cy@newco.example', 'di@excluded.example', 'ed@gmail.com']) contacts.push(await create('contacts', { email }));

    const page = await open('#/settings/domains');
    await page.getByRole('checkbox', { name: 'Associate contacts with the company of their email domain' }).check();
    await page.getByRole('checkbox', { name: 'Create the company when none has that domain' }).check();
    await page.getByRole('textbox', { name: 'Excluded domains' }).fill('excluded.example');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    const ws = await api<{ settings: Record<string, unknown> }>('GET', '/api/workspace');
    expect(ws.settings).toMatchObject({ autoAssociateCompaniesByDomain: true, autoCreateCompaniesByDomain: true, autoAssociateExcludedDomains: ['excluded.example'] });

    const companies = async () => (await api<{ total: number }>('POST', '/crm/v3/objects/companies/search', { limit: 1 })).total;
    const before = await companies();
    await page.getByRole('button', { name: 'Apply to existing contacts' }).click();
    const progress = page.locator('progress');
    await progress.waitFor();
    await page.getByRole('status').filter({ hasText: /^Done:/ }).waitFor({ timeout: 30_000 });
    const done = await page.getByRole('status').filter({ hasText: /^Done:/ }).textContent();
    // newco.example's company, and those of contacts other tests made
    const created = (await companies()) - before;
    expect(created).toBeGreaterThanOrEqual(1);
    expect(done).toContain(`companies created: ${created} ·`);
    expect(await progress.evaluate((p: HTMLProgressElement) => p.value === p.max)).toBe(true);
    for (const [i, expected] of [[0, 1], [1, 1], [2, 1], [3, 0], [4, 0]] as const) {
      expect((await api<{ results: unknown[] }>('GET', `/crm/v4/objects/contacts/${contacts[i]}/associations/companies`)).results, `contact ${i}`).toHaveLength(expected);
    }
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'settings-domains.png');
    await page.close();
  });
});

describe('settings: activities and email logging (B5, B8)', () => {
  it('B5/B8: an admin sets the rules and the never-log list; an entry that is no address is refused by name; the server then refuses logging such email', async () => {
    const page = await open('#/settings/activities');
    await page.getByRole('combobox', { name: 'Also associate with the record’s deals' }).selectOption('newest_open_deal');
    await page.getByRole('checkbox', { name: 'Also associate with the record’s open tickets' }).check();
    const neverLog = page.getByRole('textbox', { name: 'Never log (addresses and domains)' });
    await neverLog.fill('private.example\nnot an address');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: '"not" is neither an email address nor a domain name' }).waitFor();
    expect((await api<{ settings: Record<string, unknown> }>('GET', '/api/workspace')).settings.neverLogAddresses).toBeUndefined();

    await neverLog.fill('Private.example\nceo@umbrella.example');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.getByRole('status').filter({ hasText: 'Saved' }).waitFor();
    expect(await neverLog.inputValue()).toBe('private.example\nceo@umbrella.example');
    const ws = await api<{ settings: Record<string, unknown> }>('GET', '/api/workspace');
    expect(ws.settings).toMatchObject({ activityAutoAssociate: 'newest_open_deal', activityAutoAssociateTickets: true, neverLogAddresses: ['private.example', 'ceo@umbrella.example'] });

    const secret = await create('contacts', { email: 'x@mail.private.example' });
    const refused = await request<{ message: string }>(server.url, 'POST', `/api/objects/contacts/${secret}/activities`, token, { type: 'emails', properties: { hs_email_subject: 'Hi' } });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toContain('x@mail.private.example');
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'settings-activities.png');
    await page.close();
  });
});

describe('settings: users and tokens', () => {
  it('an admin adds a user (token shown once), changes the role, creates an app token, sees its last use, revokes it and removes the user', async () => {
    const page = await open('#/settings/users');
    await page.getByRole('textbox', { name: 'Name', exact: true }).fill('Nina New');
    await page.getByRole('textbox', { name: 'Email', exact: true }).fill('nina@users.example');
    await page.getByRole('button', { name: 'Add user' }).click();
    await page.getByRole('status').filter({ hasText: 'Nina New added' }).waitFor();
    const userToken = await page.getByRole('textbox', { name: 'Token for Nina New' }).inputValue();
    expect(userToken.length).toBeGreaterThan(20);
    await page.getByRole('button', { name: 'Copy' }).waitFor();
    expect((await request(server.url, 'GET', '/api/me', userToken)).status).toBe(200);

    await page.getByRole('combobox', { name: 'Role of Nina New' }).selectOption('admin');
    await page.getByRole('status').filter({ hasText: 'Nina New is now Admin' }).waitFor();
    const users = await api<{ results: Array<{ name: string; role: string }> }>('GET', '/api/users');
    expect(users.results.find((u) => u.name === 'Nina New')?.role).toBe('admin');

    await page.getByRole('textbox', { name: 'Token name' }).fill('Reporting');
    await page.getByRole('checkbox', { name: 'crm.objects.contacts.read' }).check();
    await page.getByRole('button', { name: 'Create token' }).click();
    await page.getByRole('status').filter({ hasText: 'Token Reporting created' }).waitFor();
    const appToken = await page.getByRole('textbox', { name: 'Token for Reporting' }).inputValue();
    const reporting = page.getByRole('row', { name: /Reporting/ });
    expect(await reporting.textContent()).toContain('crm.objects.contacts.read');
    expect(await reporting.textContent()).toContain('never');
    expect((await request(server.url, 'GET', '/crm/v3/objects/contacts?limit=1', appToken)).status).toBe(200);
    await until(async () => (await api<{ results: Array<{ name: string; lastUsedAt: string | null }> }>('GET', '/api/tokens')).results.find((k) => k.name === 'Reporting')?.lastUsedAt, (v) => Boolean(v), 10_000, 100);
    expect(await seriousViolations(page)).toEqual([]);
    await shot(page, 'settings-users.png');
    await page.reload();
    await page.getByRole('row', { name: /Reporting/ }).waitFor();
    expect(await page.getByRole('row', { name: /Reporting/ }).textContent()).not.toContain('never');

    await page.getByRole('row', { name: /Reporting/ }).getByRole('button', { name: 'Revoke' }).click();
    await page.getByRole('dialog', { name: 'Revoke token' }).getByRole('button', { name: 'Yes, revoke' }).click();
    await page.getByRole('status').filter({ hasText: 'Token Reporting revoked' }).waitFor();
    await page.getByRole('row', { name: /Reporting/ }).waitFor({ state: 'detached' });
    expect((await request(server.url, 'GET', '/crm/v3/objects/contacts?limit=1', appToken)).status).toBe(401);

    await page.getByRole('row', { name: /Nina New/ }).getByRole('button', { name: 'Remove user' }).click();
    await page.getByRole('dialog', { name: 'Remove user' }).getByRole('button', { name: 'Yes, remove' }).click();
    await page.getByRole('status').filter({ hasText: 'Nina New removed' }).waitFor();
    // her row, and her token's row: removing a user revokes their tokens
    await until(() => page.getByRole('row', { name: /Nina New/ }).count(), (n) => n === 0, 5_000, 50);
    expect((await request(server.url, 'GET', '/api/me', userToken)).status).toBe(401);
    await page.close();
  });
});

describe('settings: admins only, and the plan gate', () => {
  it('a rep opening a settings address is told it is for admins; the server refuses the changes whatever the page shows', async () => {
    const rep = await api<{ token: string }>('POST', '/api/users', { name: 'Rita Rep', email: 'rita@users.example', role: 'rep' });
    await signInAs(rep.token, 'Rita Rep');
    try {
      const page = await browser.context.newPage();
      await page.goto(app('#/settings/users'));
      await page
        .getByRole('alert')
        .filter({ hasText: 'Settings are for admins only' })
        .waitFor({ timeout: 15_000 })
        .catch(async (err: unknown) => {
          throw new Error(`${String(err)}\npage said: ${await page.locator('body').innerText()}`);
        });
      expect(await page.getByRole('navigation', { name: 'CRM' }).getByRole('link', { name: 'Settings' }).count()).toBe(0);
      expect(await page.getByRole('button', { name: 'Add user' }).count()).toBe(0);
      expect(await seriousViolations(page)).toEqual([]);
      await shot(page, 'settings-rep.png');
      await page.close();
      for (const [method, path, body] of [
        ['PATCH', '/api/workspace', { settings: { neverLogAddresses: [] } }],
        ['POST', '/crm/v4/associations/contacts/companies/labels', { label: 'Sneaky', name: 'sneaky' }],
        ['POST', '/api/users', { name: 'X', email: 'x@users.example', role: 'admin' }],
        ['POST', '/api/auto-domain/jobs', undefined],
        ['GET', '/api/associations/contacts/companies/usage', undefined],
      ] as const) {
        expect((await request(server.url, method, path, rep.token, body)).status, `${method} ${path}`).toBe(403);
      }
    } finally {
      await signInAs(token, 'Owner');
    }
  });

  it('R14: on Starter the label controls are shown, disabled, with the reason; limits stay available', async () => {
    const starter = await api<{ adminToken: string }>('POST', '/api/workspaces', { name: 'Starter Co', plan: 'starter' });
    await signInAs(starter.adminToken, 'Admin');
    try {
      const page = await open('#/settings/associations');
      const gate = page.getByText('Association labels need the Professional or Enterprise plan; this workspace is on Starter.');
      await gate.waitFor();
      const createLabel = page.getByRole('button', { name: 'Create label' });
      expect(await createLabel.isDisabled()).toBe(true);
      expect(await createLabel.getAttribute('aria-describedby')).toBe(await gate.getAttribute('id'));
      expect(await page.getByRole('button', { name: 'Save limits' }).isEnabled()).toBe(true);
      const refused = await request<{ subCategory: string }>(server.url, 'POST', '/crm/v4/associations/contacts/companies/labels', starter.adminToken, { label: 'X', name: 'x' });
      expect(refused.body.subCategory).toBe('PLAN_REQUIRED');
      expect(await seriousViolations(page)).toEqual([]);
      await shot(page, 'settings-starter.png');
      await page.close();
    } finally {
      await signInAs(token, 'Owner');
    }
  });
});
