import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CompanionThreadResponse } from '../../shared/companion.ts';
import type { MailThread } from '../mail/types.ts';
import type { CompanionRequest, TabThread } from '../messaging.ts';
import { type Ask, createThreadSession } from './session.ts';
import { listenToTab, type MessageEvent, THREAD_WAIT_MS } from './tab-listener.ts';

type Listener = Parameters<MessageEvent['addListener']>[0];

const thread: MailThread = { provider: 'gmail', threadId: 't1', subject: 'Route export', messageIds: ['m1'], participants: [{ email: 'ann@known.example', name: 'Ann', roles: ['from'] }] };
const view: CompanionThreadResponse = {
  participants: [{ email: 'ann@known.example', name: 'Ann', contact: { id: '11', name: 'Ann Known', primaryCompany: null }, proposedCompany: null }],
  summaries: {},
  recommendations: [],
  logDefaults: [{ objectType: 'contacts', id: '11' }],
};

/** A webmail tab: a real thread session behind the real tab listener; the background's thread read answers when the test says so. */
function tabWithSlowRead() {
  let answerRead: (() => void) | null = null;
  const background = (async (request: CompanionRequest) => {
    if (request.type === 'threadView') {
      await new Promise<void>((resolve) => (answerRead = resolve));
      return { view, asOf: null };
    }
    if (request.type === 'cachedThreadView') return null;
    throw new Error(`no ${request.type} in this test`);
  }) as Ask;
  const session = createThreadSession(background);
  const listeners = new Set<Listener>();
  listenToTab({ addListener: (l) => void listeners.add(l), removeListener: (l) => void listeners.delete(l) }, session);
  /** The popup's question; the answer, once the tab gives it. */
  const ask = () =>
    new Promise<TabThread>((resolve) => {
      for (const l of listeners) l({ type: 'currentThread' }, {}, (response) => resolve(response as TabThread));
    });
  return { session, ask, answerRead: () => answerRead?.() };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe("the tab's answer to the popup (X3)", () => {
  it("X3: asked while the thread's read is under way, it answers once the people are in", async () => {
    const tab = tabWithSlowRead();
    tab.session.onMailEvent({ type: 'threadOpened', thread });
    expect(tab.session.getState().loading).toBe(true);
    let answer: TabThread | null = null;
    void tab.ask().then((a) => (answer = a));
    await vi.advanceTimersByTimeAsync(THREAD_WAIT_MS / 2);
    expect(answer).toBeNull();
    tab.answerRead();
    await vi.advanceTimersByTimeAsync(0);
    expect(answer!.thread?.threadId).toBe('t1');
    expect(answer!.view?.participants[0]!.contact?.id).toBe('11');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('X3: a read that does not come in: it answers with what it has after THREAD_WAIT_MS', async () => {
    const tab = tabWithSlowRead();
    tab.session.onMailEvent({ type: 'threadOpened', thread });
    let answer: TabThread | null = null;
    void tab.ask().then((a) => (answer = a));
    await vi.advanceTimersByTimeAsync(THREAD_WAIT_MS - 1);
    expect(answer).toBeNull();
    await vi.advanceTimersByTimeAsync(1);
    expect(answer).toEqual({ thread, view: null });
  });

  it('X3: nothing loading: it answers at once', async () => {
    const tab = tabWithSlowRead();
    expect(await tab.ask()).toEqual({ thread: null, view: null });
  });
});
