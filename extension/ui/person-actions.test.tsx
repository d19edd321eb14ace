// @vitest-environment node
// (a happy-dom window from test/helpers/dom-in-node.ts: the DOM environment's transform breaks the server's file paths)
import 'fake-indexeddb/auto'; // before the DOM: it installs itself on `window` when there is one
import '../../test/helpers/dom-in-node.ts';
import { cleanup, configure, fireEvent, render, screen, within } from '@testing-library/preact';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../../test/helpers/app.ts';
import { installI18n } from '../../test/helpers/i18n.ts';
import { until } from '../../test/helpers/until.ts';
import type { FetchLike } from '../api/client.ts';
import type { Companion } from '../background/companion.ts';
import type { MailThread } from '../mail/types.ts';
import type { CompanionRequest, Replies, TabMessage } from '../messaging.ts';
import type { ThreadSession } from './session.ts';

// the sidebar's texts come from the browser's i18n: English here, from the real messages file
installI18n('en');
const { createCompanion } = await import('../background/companion.ts');
const { serve } = await import('../background/requests.ts');
const { App } = await import('./App.tsx');
const { createThreadSession } = await import('./session.ts');

configure({ asyncUtilTimeout: 10_000 });

const t = useTestApp();
const appFetch: FetchLike = async (input, init) => {
  const url = new URL(input);
  return t.app.request(`${url.pathname}${url.search}`, init);
};

let companion: Companion;
let session: ThreadSession | null = null;
async function ask<T extends CompanionRequest>(request: T): Promise<Replies[T['type']]> {
  const reply = await serve(companion.handlers, request, {});
  if (!reply?.ok) throw new Error(reply ? reply.error : 'no answer');
  return reply.value as Replies[T['type']];
}

async function create(type: string, properties: Record<string, string>): Promise<string> {
  const r = await t.call<{ id: string }>('POST', `/crm/v3/objects/${type}`, { properties });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.id;
}

interface Linked {
  toObjectId: string | number;
  associationTypes: Array<{ typeId: number }>;
}
async function linked(fromType: string, id: string, toType: string): Promise<Linked[]> {
  const r = await t.call<{ results: Linked[] }>('GET', `/crm/v4/objects/${fromType}/${id}/associations/${toType}`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.results;
}
const ids = (list: Linked[]) => list.map((l) => String(l.toObjectId)).sort();
const primaryOf = (list: Linked[]) => list.filter((l) => l.associationTypes.some((a) => a.typeId === 1)).map((l) => String(l.toObjectId));

const seeded = { ann: '', bo: '', known: '', side: '', deal: '' };

beforeAll(async () => {
  fakeBrowser.reset();
  companion = createCompanion({
    storage: fakeBrowser.storage.local,
    // the background tells the page when the outbox changed: the session reads the thread again
    broadcast: (m: TabMessage) => {
      if (m.type === 'changesUpdated') session?.onChanges(m.changes, m.confirmedAt);
    },
    hasHostPermission: async () => false,
    fetch: appFetch,
    outboxName: 'person-actions-test',
    cacheName: 'person-actions-cache',
  });
  await ask({ type: 'connect', server: 'http://127.0.0.1:4996', token: t.token });
  seeded.known = await create('companies', { name: 'Known Co', domain: 'known.example' });
  seeded.side = await create('companies', { name: 'Side Co' });
  seeded.ann = await create('contacts', { email: 'ann@known.example', firstname: 'Ann', lastname: 'Known' });
  seeded.bo = await create('contacts', { email: 'bo@elsewhere.example', firstname: 'Bo', lastname: 'Else' });
  seeded.deal = await create('deals', { dealname: 'Expansion plan' });
  const r = await t.call('POST', '/crm/v4/associations/contacts/companies/batch/associate/default', {
    inputs: [seeded.known, seeded.side].map((id) => ({ from: { id: seeded.ann }, to: { id } })),
  });
  expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
  expect(primaryOf(await linked('contacts', seeded.ann, 'companies'))).toEqual([seeded.known]);
});
afterEach(cleanup);
afterAll(async () => {
  await companion.close();
  fakeBrowser.reset();
});

const thread: MailThread = {
  provider: 'gmail',
  threadId: 'thread-f:actions',
  subject: 'Renewal 2027',
  messageIds: ['msg-f:1'],
  participants: [
    { email: 'ann@known.example', name: 'Ann Known', roles: ['from'] },
    { email: 'bo@elsewhere.example', name: 'Bo Else', roles: ['to'] },
  ],
};

function open() {
  session = createThreadSession(ask);
  session.onMailEvent({ type: 'threadOpened', thread });
  render(<App session={session} />);
  const card = (email: string) => document.querySelector<HTMLElement>(`li.crm-person[data-email="${email}"]`)!;
  return { card };
}

async function companiesShown(email: string): Promise<HTMLElement> {
  return until(
    () => document.querySelector<HTMLElement>(`li.crm-person[data-email="${email}"] ul.crm-companies`),
    (el) => el !== null,
    10_000,
  ) as Promise<HTMLElement>;
}

describe("the sidebar's actions per person and from the thread (X2, X4)", () => {
  it('X2, R5: the search to associate in one person\'s card associates the record with that person only', async () => {
    const { card } = open();
    await companiesShown('ann@known.example');
    const ann = within(card('ann@known.example'));
    const box = ann.getByRole('searchbox', { name: 'Search to associate' });
    fireEvent.input(box, { target: { value: 'Expansion' } });
    fireEvent.submit(box.closest('form')!);
    fireEvent.click(await ann.findByRole('button', { name: 'Associate Expansion plan' }));
    await until(() => linked('contacts', seeded.ann, 'deals'), (l) => ids(l).includes(seeded.deal), 10_000);
    // Bo is in the thread too, and gets nothing
    expect(await linked('contacts', seeded.bo, 'deals')).toEqual([]);
  });

  it('R8: "Set as primary company" makes another company the primary; the old one stays associated', async () => {
    const { card } = open();
    const list = await companiesShown('ann@known.example');
    const side = within(list.querySelector<HTMLElement>(`li[data-company="${seeded.side}"]`)!);
    fireEvent.click(side.getByRole('button', { name: 'Set as primary company' }));
    const after = await until(() => linked('contacts', seeded.ann, 'companies'), (l) => primaryOf(l).includes(seeded.side), 10_000);
    expect(primaryOf(after)).toEqual([seeded.side]);
    expect(ids(after)).toEqual([seeded.known, seeded.side].sort());
    // the sidebar reads the thread again and shows the new primary
    await until(() => card('ann@known.example').querySelector(`li[data-company="${seeded.side}"]`)?.getAttribute('data-state'), (s) => s === 'primary', 10_000);
  });

  it('R14: "Edit labels" ticks the pair\'s labels as the association has them and adds the chosen one', async () => {
    const made = await t.call<{ results: Array<{ typeId: number }> }>('POST', '/crm/v4/associations/contacts/companies/labels', { label: 'Billing contact', name: 'billing_contact' });
    expect(made.status, JSON.stringify(made.body)).toBe(200);
    const billing = made.body.results[0]!.typeId;
    open();
    const list = await companiesShown('ann@known.example');
    const row = within(list.querySelector<HTMLElement>(`li[data-company="${seeded.known}"]`)!);
    fireEvent.click(row.getByRole('button', { name: 'Edit labels' }));
    const box = await row.findByRole('checkbox', { name: 'Billing contact' });
    expect(box).toHaveProperty('checked', false);
    // the primary type is no label to tick
    expect(row.queryByRole('checkbox', { name: /primary/i })).toBeNull();
    fireEvent.click(box);
    fireEvent.click(row.getByRole('button', { name: 'Save' }));
    const after = await until(() => linked('contacts', seeded.ann, 'companies'), (l) => l.some((x) => x.associationTypes.some((a) => a.typeId === billing)), 10_000);
    expect(after.find((x) => String(x.toObjectId) === seeded.known)!.associationTypes.map((a) => a.typeId)).toContain(billing);
    // only that company got it
    expect(after.find((x) => String(x.toObjectId) === seeded.side)!.associationTypes.map((a) => a.typeId)).not.toContain(billing);
  });

  it('R15: removing the primary company asks which company becomes primary, and that one does', async () => {
    open();
    const list = await companiesShown('ann@known.example');
    await until(() => list.querySelector(`li[data-company="${seeded.side}"]`)?.getAttribute('data-state'), (s) => s === 'primary', 10_000);
    const row = within(list.querySelector<HTMLElement>(`li[data-company="${seeded.side}"]`)!);
    // by keyboard: the choice takes the focus; Escape closes it and the focus goes back to the button
    fireEvent.click(row.getByRole('button', { name: 'Remove association' }));
    expect(document.activeElement).toBe(row.getByRole('radio', { name: 'Known Co' }));
    fireEvent.keyDown(row.getByRole('radio', { name: 'Known Co' }), { key: 'Escape' });
    expect(row.queryByRole('group', { name: 'Which company becomes primary?' })).toBeNull();
    await until(() => document.activeElement, (el) => el === row.getByRole('button', { name: 'Remove association' }), 2_000);
    fireEvent.click(row.getByRole('button', { name: 'Remove association' }));
    const choice = row.getByRole('group', { name: 'Which company becomes primary?' });
    expect(within(choice).getByRole('radio', { name: 'Known Co' })).toHaveProperty('checked', true);
    fireEvent.click(row.getByRole('button', { name: 'Remove association' }));
    const after = await until(() => linked('contacts', seeded.ann, 'companies'), (l) => !ids(l).includes(seeded.side), 10_000);
    expect(ids(after)).toEqual([seeded.known]);
    expect(primaryOf(after)).toEqual([seeded.known]);
  });

  it('X2, R5, R7: a deal created from the thread is named after the subject, starts in the first stage, and goes to every contact and their primary company', async () => {
    open();
    await companiesShown('ann@known.example');
    const group = screen.getByRole('group', { name: 'Create from this thread' });
    fireEvent.click(within(group).getByRole('button', { name: 'Deal' }));
    const name = screen.getByRole('textbox', { name: 'Deal name' });
    expect((name as HTMLInputElement).value).toBe('Renewal 2027');
    await screen.findByText('Stage: Appointment Scheduled');
    fireEvent.click(screen.getByRole('button', { name: 'Create and associate' }));
    const boDeals = await until(() => linked('contacts', seeded.bo, 'deals'), (l) => l.length === 1, 10_000);
    const dealId = String(boDeals[0]!.toObjectId);
    const deal = await t.call<{ properties: Record<string, string> }>('GET', `/crm/v3/objects/deals/${dealId}?properties=dealname,dealstage,pipeline`);
    expect(deal.body.properties).toMatchObject({ dealname: 'Renewal 2027', dealstage: 'appointmentscheduled', pipeline: 'default' });
    expect(ids(await linked('deals', dealId, 'contacts'))).toEqual([seeded.ann, seeded.bo].sort());
    // the associations after the creation go in the outbox's order: the company's is the last
    expect(ids(await until(() => linked('deals', dealId, 'companies'), (l) => l.length > 0, 10_000))).toEqual([seeded.known]);
    await screen.findByText('Created Renewal 2027');

    // "Create and add another": a ticket, and the form stays open and empty for the next one
    fireEvent.click(within(group).getByRole('button', { name: 'Ticket' }));
    expect((screen.getByRole('textbox', { name: 'Ticket name' }) as HTMLInputElement).value).toBe('Renewal 2027');
    fireEvent.click(screen.getByRole('button', { name: 'Create and add another' }));
    expect((screen.getByRole('textbox', { name: 'Ticket name' }) as HTMLInputElement).value).toBe('');
    const tickets = await until(() => linked('contacts', seeded.bo, 'tickets'), (l) => l.length === 1, 10_000);
    const ticket = await t.call<{ properties: Record<string, string> }>('GET', `/crm/v3/objects/tickets/${tickets[0]!.toObjectId}?properties=subject,hs_pipeline_stage`);
    expect(ticket.body.properties).toMatchObject({ subject: 'Renewal 2027', hs_pipeline_stage: '1' });
  });
});
