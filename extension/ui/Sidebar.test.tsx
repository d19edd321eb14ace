// @vitest-environment node
// (a happy-dom window from test/helpers/dom-in-node.ts: the texts are read from the messages file by its path)
import '../../test/helpers/dom-in-node.ts';
import { cleanup, fireEvent, render, screen } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import type { CompanionThreadResponse } from '../../shared/companion.ts';
import type { MailThread } from '../mail/types.ts';
import type { PendingChange } from '../messaging.ts';
import type { Operation } from '../outbox/operation.ts';
import { installI18n } from '../../test/helpers/i18n.ts';
import type { SessionState } from './session.ts';

// the sidebar's texts come from the browser's i18n: English here, from the real messages file
installI18n('en');
const { Sidebar } = await import('./Sidebar.tsx');

afterEach(cleanup);

const HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';

const thread: MailThread = {
  provider: 'gmail',
  threadId: 'thread-f:1',
  subject: 'Renewal',
  messageIds: ['msg-f:1', 'msg-f:2'],
  participants: [
    { email: 'ann@known.example', name: 'Ann Known', roles: ['from'] },
    { email: 'bo@new.example', name: 'Bo van Nieuw', roles: ['to'] },
  ],
};

const view: CompanionThreadResponse = {
  participants: [
    { email: 'ann@known.example', name: 'Ann Known', contact: { id: '11', name: 'Ann Known', primaryCompany: { id: '21', name: 'Known Co' } }, proposedCompany: null },
    { email: 'bo@new.example', name: 'Bo van Nieuw', contact: null, proposedCompany: { id: '22', name: 'New Co', domain: 'new.example' } },
  ],
  summaries: {
    '11': {
      id: '11',
      name: 'Ann Known',
      email: 'ann@known.example',
      primaryCompany: { id: '21', name: 'Known Co' },
      counts: { companies: 2, deals: 3, tickets: 1 },
      openDeals: [
        { id: '31', name: 'Big renewal', stage: 'qualifiedtobuy', stageLabel: 'Qualified To Buy', typeIds: [4] },
        { id: '33', name: 'Odd one', stage: 'gone-stage', stageLabel: null, typeIds: [4] },
      ],
      openTickets: [{ id: '41', name: 'Login broken', stage: '1', stageLabel: 'New', typeIds: [15] }],
      companies: [
        { id: '21', name: 'Known Co', primary: true, typeIds: [1, 279] },
        { id: '23', name: 'Side Co', primary: false, typeIds: [279] },
      ],
    },
  },
  recommendations: [{ objectType: 'deals', id: '32', name: 'Expansion', score: 0.8, evidence: true, reasons: [{ kind: 'participants', values: { emails: ['ann@known.example'], primaryOf: [] }, weight: 0.8 }] }],
  logDefaults: [
    { objectType: 'contacts', id: '11' },
    { objectType: 'companies', id: '21' },
    { objectType: 'deals', id: '31' },
  ],
};

function state(patch: Partial<SessionState> = {}): SessionState {
  return { thread, view, cached: false, loading: false, error: null, changes: [], confirmed: [], neverLog: [], collapsed: false, unreadable: null, ...patch };
}

function renderSidebar(s: SessionState) {
  const submitted: Operation[] = [];
  const toggles: number[] = [];
  const utils = render(<Sidebar state={s} submit={(op) => submitted.push(op)} dismiss={() => {}} retry={() => {}} toggle={() => toggles.push(1)} />);
  return { ...utils, submitted, toggles };
}

const person = (container: Element, email: string) => container.querySelector(`li.crm-person[data-email="${email}"]`)!;

describe('Sidebar (X2)', () => {
  it('X2: a known contact shows primary company, counts, open deals and tickets; an unknown one offers to be created', () => {
    const { container } = renderSidebar(state());
    const ann = person(container, 'ann@known.example');
    expect(ann.getAttribute('data-state')).toBe('contact');
    expect(ann.textContent).toContain('Known Co');
    expect(ann.textContent).toContain('2 companies · 3 deals · 1 ticket');
    expect(ann.textContent).toContain('Big renewal');
    expect(ann.textContent).toContain('Login broken');
    const bo = person(container, 'bo@new.example');
    expect(bo.getAttribute('data-state')).toBe('unknown');
    expect(bo.textContent).toContain('with company New Co (primary)');
  });

  it('X2: open deals and tickets show their stage\'s label, never the stage id', () => {
    const { container } = renderSidebar(state());
    const ann = person(container, 'ann@known.example');
    // a known person's open deals and tickets are listed with their actions (PersonActions)
    const lines = [...ann.querySelectorAll('ul.crm-open-records li')].map((li) => [...li.querySelectorAll('.crm-kind, .crm-name, .crm-stage')].map((e) => e.textContent).join(''));
    expect(lines).toEqual(['Deal Big renewal · Qualified To Buy', 'Deal Odd one', 'Ticket Login broken · New']);
    expect(ann.textContent).not.toContain('qualifiedtobuy');
    expect(ann.textContent).not.toContain('gone-stage');
  });

  it('X2, R18: "Create contact" submits one createContact with the split name', () => {
    const { container, submitted } = renderSidebar(state());
    fireEvent.click(person(container, 'bo@new.example').querySelector('button')!);
    expect(submitted).toEqual([{ opId: expect.any(String), createdAt: expect.any(Number), kind: 'createContact', email: 'bo@new.example', firstname: 'Bo van', lastname: 'Nieuw' }]);
  });

  it('X2: a change shows at once as pending, a refused one with its reason', () => {
    const creation: PendingChange = { opId: 'op-create-1', op: { opId: 'op-create-1', createdAt: 1, kind: 'createContact', email: 'bo@new.example' }, state: 'pending' };
    const assoc: PendingChange = { opId: 'op-assoc-1', op: { opId: 'op-assoc-1', createdAt: 2, kind: 'associate', from: { objectType: 'contacts', id: '11' }, to: { objectType: 'deals', id: '32' } }, state: 'refused', message: 'Limit of 1 deals reached' };
    const { container } = renderSidebar(state({ changes: [creation, assoc] }));
    expect(person(container, 'bo@new.example').textContent).toContain('Creating contact…');
    const rec = container.querySelector('li.crm-rec[data-rec="deals:32"]')!;
    expect(rec.getAttribute('data-state')).toBe('refused');
    expect(rec.textContent).toContain('Limit of 1 deals reached');
    expect(screen.getByText('Refused changes')).toBeTruthy();
  });

  it('X2: "Associate" links the recommendation to every contact of the thread, one being created included', () => {
    const creation: PendingChange = { opId: 'op-create-2', op: { opId: 'op-create-2', createdAt: 1, kind: 'createContact', email: 'bo@new.example' }, state: 'pending' };
    const { container, submitted } = renderSidebar(state({ changes: [creation] }));
    const rec = container.querySelector('li.crm-rec[data-rec="deals:32"]')!;
    expect(rec.textContent).toContain('linked to 1 participant');
    fireEvent.click(rec.querySelector('button')!);
    expect(submitted.map((op) => (op.kind === 'associate' ? `${op.from.id}→${op.to.objectType}:${op.to.id}` : op.kind))).toEqual(['11→deals:32', 'pending:op-create-2→deals:32']);
  });

  it('X2, R10: "Log this email" logs on the contact with the chosen records; unticking leaves one out', () => {
    const { container, submitted } = renderSidebar(state());
    const log = container.querySelector('section.crm-log')!;
    expect(log.textContent).toContain('primary company is added automatically');
    const box = Array.from(log.querySelectorAll('label')).find((l) => l.textContent?.includes('Big renewal'))!.querySelector('input')!;
    fireEvent.click(box);
    fireEvent.click(screen.getByRole('button', { name: 'Log this thread' }));
    expect(submitted).toHaveLength(1);
    const op = submitted[0] as Extract<Operation, { kind: 'logEmail' }>;
    expect(op).toMatchObject({ kind: 'logEmail', on: { objectType: 'contacts', id: '11' }, subject: 'Renewal', threadId: 'thread-f:1', messageIds: ['msg-f:1', 'msg-f:2'] });
    expect(op.alsoAssociate).toEqual([{ objectType: 'companies', id: '21' }]);
  });

  it('B8: a participant on the never-log list blocks logging, saying who', () => {
    const { container } = renderSidebar(state({ neverLog: ['new.example'] }));
    const log = container.querySelector('section.crm-log')!;
    expect(log.textContent).toContain('bo@new.example is on your never-log list');
    expect(log.querySelector('button')).toBeNull();
  });

  it('B8: messages logged already show "Logged", by whom and when; "Log this thread" sends only the others', () => {
    const withMessages: MailThread = {
      ...thread,
      messages: [
        { id: 'msg-f:1', from: { email: 'ann@known.example', name: 'Ann Known' }, to: [{ email: 'me@us.example', name: 'Me' }], cc: [], sentAt: '2026-03-01T08:00:00.000Z', text: 'Question' },
        { id: 'msg-f:2', from: { email: 'me@us.example', name: 'Me' }, to: [{ email: 'ann@known.example', name: 'Ann Known' }], cc: [{ email: 'bo@new.example', name: 'Bo van Nieuw' }], sentAt: '2026-03-01T09:00:00.000Z', text: 'Answer' },
      ],
    };
    const logged = { 'msg-f:1': { emailId: '501', loggedAt: '2026-03-02T10:00:00.000Z', by: 'Rita Rep' } };
    const { container, submitted } = renderSidebar(state({ thread: withMessages, view: { ...view, logged } }));
    const log = container.querySelector('section.crm-log')!;
    const first = log.querySelector('li[data-message-id="msg-f:1"]')!;
    expect(first.getAttribute('data-logged')).toBe('true');
    expect(first.textContent).toContain('Logged');
    expect(first.textContent).toContain('Rita Rep');
    expect(log.querySelector('li[data-message-id="msg-f:2"]')!.textContent).toContain('Not logged yet');
    expect(log.textContent).toContain('1 of 2 messages will be logged');
    fireEvent.click(screen.getByRole('button', { name: 'Log this thread' }));
    const op = submitted[0] as Extract<Operation, { kind: 'logEmail' }>;
    expect(op.messages!.map((m) => m.id)).toEqual(['msg-f:2']);
    // the rep's own message (its sender is no participant) is outgoing
    expect(op.messages![0]).toMatchObject({ outgoing: true, sentAt: '2026-03-01T09:00:00.000Z', text: 'Answer', cc: [{ email: 'bo@new.example', name: 'Bo van Nieuw' }] });
  });

  it('B8: with every message logged, nothing is offered to log again', () => {
    const one: MailThread = { ...thread, messageIds: ['msg-f:1'], messages: [{ id: 'msg-f:1', from: null, to: [], cc: [], sentAt: null, text: '' }] };
    const { container } = renderSidebar(state({ thread: one, view: { ...view, logged: { 'msg-f:1': { emailId: '501', loggedAt: '2026-03-02T10:00:00.000Z', by: null } } } }));
    const log = container.querySelector('section.crm-log')!;
    expect(log.getAttribute('data-state')).toBe('logged');
    expect(log.textContent).toContain('Every message of this thread is logged');
    expect(screen.queryByRole('button', { name: 'Log this thread' })).toBeNull();
  });

  it('B8: a contact on the workspace\'s never-log list is not ticked beforehand, saying why', () => {
    const { container } = renderSidebar(state({ view: { ...view, neverLog: ['known.example'] } }));
    const label = Array.from(container.querySelectorAll('section.crm-log label')).find((l) => l.textContent?.includes('Ann Known'))!;
    expect(label.querySelector('input')!.checked).toBe(false);
    expect(label.textContent).toContain("workspace's never-log list");
  });

  it('R3: each contact shows when it was last contacted and its newest activities; a note and a follow-up task go through the outbox', () => {
    const activity: NonNullable<CompanionThreadResponse['activity']> = {
      '11': {
        lastContacted: '2026-03-01T08:00:00.000Z',
        recent: [
          { id: '601', type: 'notes', timestamp: '2026-03-03T08:00:00.000Z', createdAt: '2026-03-03T08:00:00.000Z', properties: { hs_note_body: '<p>Prefers <b>calls</b></p>' }, ownerName: 'Rita Rep', associations: [] },
          { id: '602', type: 'emails', timestamp: '2026-03-01T08:00:00.000Z', createdAt: '2026-03-01T08:00:00.000Z', properties: { hs_email_subject: 'Renewal' }, ownerName: null, associations: [] },
        ],
      },
    };
    const { container, submitted } = renderSidebar(state({ view: { ...view, activity } }));
    const ann = container.querySelector('li.crm-activity[data-contact-id="11"]')!;
    expect(ann.querySelector('[data-testid="last-contacted"]')!.textContent).toMatch(/^Last contacted: .*2026/);
    expect(Array.from(ann.querySelectorAll('.crm-timeline li')).map((li) => li.textContent)).toEqual([expect.stringContaining('Prefers calls'), expect.stringContaining('Renewal')]);
    fireEvent.click(screen.getByRole('button', { name: 'Add note' }));
    fireEvent.input(screen.getByRole('textbox', { name: 'Note' }), { target: { value: 'Call back on Friday' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save note' }));
    fireEvent.click(screen.getByRole('button', { name: 'Create follow-up task' }));
    fireEvent.input(screen.getByRole('textbox', { name: 'Task title' }), { target: { value: 'Send the quote' } });
    fireEvent.input(screen.getByLabelText('Due date'), { target: { value: '2026-03-10' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save task' }));
    expect(submitted.map((op) => (op.kind === 'logActivity' ? [op.type, op.on.id, op.properties.hs_note_body ?? op.properties.hs_task_subject] : op.kind))).toEqual([
      ['notes', '11', 'Call back on Friday'],
      ['tasks', '11', 'Send the quote'],
    ]);
    const task = submitted[1] as Extract<Operation, { kind: 'logActivity' }>;
    expect(new Date(task.properties.hs_timestamp!).getDate()).toBe(10);
    expect(task.properties.hs_task_status).toBe('NOT_STARTED');
  });

  it('R3, keyboard: an opened form takes the focus; Escape closes it and gives the focus back to its button, sending nothing', () => {
    const { submitted } = renderSidebar(state());
    fireEvent.click(screen.getByRole('button', { name: 'Create follow-up task' }));
    const title = screen.getByRole('textbox', { name: 'Task title' });
    expect(document.activeElement).toBe(title);
    fireEvent.keyDown(title, { key: 'Escape' });
    expect(screen.queryByRole('textbox', { name: 'Task title' })).toBeNull();
    expect(document.activeElement).toBe(screen.getByRole('button', { name: 'Create follow-up task' }));
    expect(submitted).toEqual([]);
  });

  it('X2: collapsible: the header toggles, a collapsed sidebar shows only its header', () => {
    const open = renderSidebar(state());
    fireEvent.click(screen.getByRole('button', { name: 'Hide' }));
    expect(open.toggles).toHaveLength(1);
    open.unmount();
    const { container } = renderSidebar(state({ collapsed: true }));
    expect(container.querySelector('.crm-body')).toBeNull();
    expect(screen.getByRole('button', { name: 'Show' }).getAttribute('aria-expanded')).toBe('false');
  });

  it('X2, security: hostile names, subjects, reasons and errors render as text, never as HTML', () => {
    const w = window as unknown as { __pwned?: number };
    delete w.__pwned;
    const evilThread: MailThread = { ...thread, subject: HOSTILE, participants: [{ email: 'evil@x.example', name: HOSTILE, roles: ['from'] }] };
    const evilView: CompanionThreadResponse = {
      participants: [{ email: 'evil@x.example', name: HOSTILE, contact: { id: '9', name: HOSTILE, primaryCompany: { id: '8', name: HOSTILE } }, proposedCompany: null }],
      summaries: { '9': { id: '9', name: HOSTILE, email: 'evil@x.example', primaryCompany: { id: '8', name: HOSTILE }, counts: { companies: 1, deals: 1, tickets: 0 }, openDeals: [{ id: '7', name: HOSTILE, stage: HOSTILE, stageLabel: HOSTILE, typeIds: [4] }], openTickets: [], companies: [{ id: '8', name: HOSTILE, primary: true, typeIds: [1] }] } },
      recommendations: [{ objectType: 'deals', id: '7', name: HOSTILE, score: 1, evidence: true, reasons: [{ kind: 'name', values: { tokens: [HOSTILE] }, weight: 1 }] }],
      logDefaults: [{ objectType: 'deals', id: '7' }],
    };
    const { container } = renderSidebar(state({ thread: evilThread, view: evilView, error: HOSTILE }));
    expect(container.querySelector('img, script')).toBeNull();
    expect(w.__pwned).toBeUndefined();
    const text = container.textContent ?? '';
    // every place shows the raw text: subject, person, company, deal, recommendation, reason, error
    expect(text.split(HOSTILE).length - 1).toBeGreaterThanOrEqual(7);
  });

  it('X2: a known person shows their companies with the actions, and says how many more the record page has', () => {
    const many = { ...view, summaries: { '11': { ...view.summaries['11']!, counts: { companies: 12, deals: 3, tickets: 1 } } } };
    const { container } = renderSidebar(state({ view: many }));
    const ann = container.querySelector<HTMLElement>('li.crm-person[data-email="ann@known.example"]')!;
    expect([...ann.querySelectorAll('ul.crm-companies > li')].map((li) => [li.getAttribute('data-company'), li.getAttribute('data-state')])).toEqual([
      ['21', 'primary'],
      ['23', 'associated'],
    ]);
    // the primary company offers no "Set as primary company"; the other does
    expect(ann.querySelectorAll('li[data-company="21"] button').length).toBe(2);
    expect(ann.textContent).toContain('10 more on the record page');
    expect(screen.getAllByRole('searchbox', { name: 'Search to associate' })).toHaveLength(1);
    // Bo is not known yet: no actions for him
    expect(container.querySelector('li.crm-person[data-email="bo@new.example"] .crm-person-actions')).toBeNull();
  });

  it('nothing is rendered while no thread is open', () => {
    const { container } = renderSidebar(state({ thread: null, view: null }));
    expect(container.innerHTML).toBe('');
  });
});
