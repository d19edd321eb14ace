// @vitest-environment node
// (a happy-dom window from test/helpers/dom-in-node.ts: the texts are read from the messages files by their path)
import 'fake-indexeddb/auto'; // before the DOM: it installs itself on `window` when there is one
import '../test/helpers/dom-in-node.ts';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { cleanup, render } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { installI18n } from '../test/helpers/i18n.ts';
import type { Language } from './i18n.ts';
import type { PendingChange } from './messaging.ts';
import type { Operation } from './outbox/operation.ts';

// the browser's own i18n answers in English (the browser's language here); the modules load after it
installI18n('en');
const { applyLanguage, parseMessages } = await import('./i18n.ts');
const { errorText, isNotice, noticeText, reasonText, NOTICE_KINDS } = await import('./notice.ts');
const { createOutbox } = await import('./outbox/index.ts');
const { openOutboxDb } = await import('./outbox/store.ts');
const { changeOf } = await import('./background/companion.ts');
const { sendOperation } = await import('./api/operations.ts');
const { serve } = await import('./background/requests.ts');
const { normaliseServer } = await import('./settings.ts');
const { Sidebar } = await import('./ui/Sidebar.tsx');

const readFiles = async (language: Language) => JSON.parse(await readFile(fileURLToPath(new URL(`./public/_locales/${language}/messages.json`, import.meta.url)), 'utf8')) as unknown;

afterEach(async () => {
  cleanup();
  await applyLanguage('browser', readFiles);
});

let dbCounter = 0;
const SERVER_REASON = 'Contact email is on the blocked list';

/**
 * An outbox (IndexedDB) holding, after its sends: a contact the server refused (its own words), an
 * association waiting for that contact (refused by the outbox), a dismissed creation's dependant,
 * and a change whose send found no server. Read back from the database as stored.
 */
async function storedChanges(): Promise<PendingChange[]> {
  const dbName = `notice-test-${++dbCounter}`;
  const create: Operation = { opId: 'op-create-1', createdAt: 1, kind: 'createContact', email: 'bo@new.example' };
  const assoc: Operation = { opId: 'op-assoc-1', createdAt: 2, kind: 'associate', from: { objectType: 'contacts', id: 'pending:op-create-1' }, to: { objectType: 'deals', id: '32' } };
  const gone: Operation = { opId: 'op-assoc-2', createdAt: 3, kind: 'associate', from: { objectType: 'contacts', id: 'pending:op-never-there' }, to: { objectType: 'deals', id: '33' } };
  const offline: Operation = { opId: 'op-assoc-3', createdAt: 4, kind: 'associate', from: { objectType: 'contacts', id: '11' }, to: { objectType: 'deals', id: '34' } };
  const first = createOutbox({
    dbName,
    timers: false,
    async send(op) {
      if (op.kind === 'createContact') return { outcome: 'refused', status: 400, code: 'VALIDATION_ERROR', message: SERVER_REASON };
      // no server answers: the real client's failure, as the background sends it
      return sendOperation(op, { server: 'http://127.0.0.1:9', token: 't' }, async () => {
        throw new TypeError('fetch failed');
      });
    },
  });
  for (const op of [create, assoc, gone, offline]) await first.submit(op);
  await first.drain();
  await first.close();
  // as stored: read from the database itself (a new outbox instance would start sending at once)
  const db = await openOutboxDb(dbName);
  const entries = await db.getAllFromIndex('ops', 'byOrder');
  db.close();
  return entries.map(changeOf);
}

describe('the outbox\'s reasons, shown in the language chosen when shown', () => {
  it('a stored entry keeps its reason as a notice; the server\'s own reason has none', async () => {
    const [create, assoc, gone, offline] = await storedChanges();
    expect(create).toMatchObject({ state: 'refused', message: SERVER_REASON });
    expect(create!.notice).toBeUndefined();
    expect(assoc).toMatchObject({
      state: 'refused',
      message: `Waits for the record created by operation op-create-1, which the server refused: ${SERVER_REASON}`,
      notice: { kind: 'noticeDependsOnRefused', values: ['op-create-1', SERVER_REASON] },
    });
    expect(gone).toMatchObject({ state: 'refused', notice: { kind: 'noticeDependencyGone', values: ['op-never-there'] } });
    expect(offline).toMatchObject({
      state: 'pending',
      message: 'Cannot reach http://127.0.0.1:9: fetch failed',
      notice: { kind: 'noticeCannotReach', values: ['http://127.0.0.1:9', 'fetch failed'] },
    });
  });

  it('in English (the browser\'s language, or chosen) each notice says exactly what the English message says', async () => {
    const changes = await storedChanges();
    for (const choice of ['browser', 'en'] as const) {
      await applyLanguage(choice, readFiles);
      for (const c of changes) expect(reasonText(c)).toBe(c.message);
    }
  });

  it('with Nederlands chosen the sidebar shows a stored refusal in Dutch, the server\'s reason in it as it was sent', async () => {
    const changes = await storedChanges();
    const state = { thread: { provider: 'gmail' as const, threadId: 't1', subject: 'S', messageIds: [], participants: [] }, view: null, cached: false, loading: false, error: null, changes, confirmed: [], neverLog: [], collapsed: false, unreadable: null };
    const refusedTexts = (container: Element) => [...container.querySelectorAll('.crm-changes li > span')].map((s) => s.textContent);

    await applyLanguage('nl', readFiles);
    const dutch = render(<Sidebar state={state} submit={() => {}} dismiss={() => {}} retry={() => {}} toggle={() => {}} />);
    expect(refusedTexts(dutch.container)).toEqual([
      SERVER_REASON,
      `Wacht op het record dat wijziging op-create-1 aanmaakt, maar die heeft de server geweigerd: ${SERVER_REASON}`,
      'Verwijst naar een record waarvan het aanmaken (wijziging op-never-there) is weggegooid',
    ]);
    expect(noticeText(changes[3]!.notice!)).toBe('http://127.0.0.1:9 is niet bereikbaar: fetch failed');
    dutch.unmount();

    // the same stored entries, shown again after the rep chose English
    await applyLanguage('en', readFiles);
    const english = render(<Sidebar state={state} submit={() => {}} dismiss={() => {}} retry={() => {}} toggle={() => {}} />);
    expect(refusedTexts(english.container)).toEqual([changes[0]!.message, changes[1]!.message, changes[2]!.message]);
  });

  it('a reason that refers to another change\'s own notice is written in the chosen language all through', async () => {
    const chained = { kind: 'noticeDependsOnRefused' as const, values: ['op-b', { kind: 'noticeDependencyGone' as const, values: ['op-a'] }] };
    await applyLanguage('nl', readFiles);
    expect(noticeText(chained)).toBe('Wacht op het record dat wijziging op-b aanmaakt, maar die heeft de server geweigerd: Verwijst naar een record waarvan het aanmaken (wijziging op-a) is weggegooid');
    await applyLanguage('en', readFiles);
    expect(noticeText(chained)).toBe('Waits for the record created by operation op-b, which the server refused: Refers to a record whose creation (operation op-a) was dismissed');
  });

  it('the outbox being full, and a bad server address, come through the background\'s answer as notices', async () => {
    const full = createOutbox({ dbName: `notice-test-${++dbCounter}`, timers: false, maxEntries: 1, send: () => new Promise(() => {}) });
    const op = (n: number): Operation => ({ opId: `op-full-${n}`, createdAt: n, kind: 'associate', from: { objectType: 'contacts', id: '1' }, to: { objectType: 'deals', id: String(n) } });
    await full.submit(op(1));
    const handlers = { submit: async (r: { operation: Operation }) => changeOf(await full.submit(r.operation)), connect: async (r: { server: string }) => normaliseServer(r.server) };
    const fullReply = await serve(handlers as never, { type: 'submit', operation: op(2) }, {});
    const addressReply = await serve(handlers as never, { type: 'connect', server: 'ftp://x.example', token: 't' }, {});
    await full.close();
    expect(fullReply).toMatchObject({ ok: false, error: expect.stringMatching(/^The outbox is full: 1 changes wait/), notice: { kind: 'noticeOutboxFull', values: ['1'] } });
    expect(addressReply).toEqual({ ok: false, error: 'Server address "ftp://x.example" must start with http:// or https://', notice: { kind: 'noticeAddressScheme', values: ['ftp://x.example'] } });

    // what `ask` throws for them, shown by a screen
    const thrown = (reply: unknown) => Object.assign(new Error((reply as { error: string }).error), { notice: (reply as { notice: unknown }).notice });
    await applyLanguage('en', readFiles);
    expect(errorText(thrown(fullReply))).toBe((fullReply as { error: string }).error);
    expect(errorText(thrown(addressReply))).toBe('Server address "ftp://x.example" must start with http:// or https://');
    await applyLanguage('nl', readFiles);
    expect(errorText(thrown(fullReply))).toMatch(/^De wachtrij is vol: 1 wijzigingen wachten/);
    expect(errorText(thrown(addressReply))).toBe('Serveradres "ftp://x.example" moet beginnen met http:// of https://');
  });

  it('only notices of known kinds are read as notices; each kind has its text in both languages', async () => {
    expect(isNotice({ kind: 'noticeRefused', values: [] })).toBe(true);
    expect(isNotice({ kind: 'sidebarRetry', values: [] })).toBe(false);
    expect(isNotice({ kind: 'noticeRefused', values: [1] })).toBe(false);
    expect(isNotice({ kind: 'noticeRefused' })).toBe(false);
    // an entry stored before notices: its text as it is
    expect(reasonText({ message: 'old words', notice: { kind: 'nonsense' } as never })).toBe('old words');
    for (const language of ['en', 'nl'] as const) {
      const messages = parseMessages(await readFiles(language));
      for (const kind of NOTICE_KINDS) expect(messages[kind]?.message, `${language} ${kind}`).toBeTruthy();
    }
  });
});
