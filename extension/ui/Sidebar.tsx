import type { Recommendation } from '../../shared/recommendations.ts';
import { isNeverLogged } from '../settings.ts';
import type { Operation, RecordRef } from '../outbox/operation.ts';
import { ContactActivity } from './ContactActivity.tsx';
import { type LogChoice, LogEmail, type LogMessage } from './LogEmail.tsx';
import { t } from '../i18n.ts';
import { noticeText, reasonText } from '../notice.ts';
import type { MailThread } from '../mail/types.ts';
import type { MessageToLog } from '../outbox/operation.ts';
import { contactRefs, creationOf, makeOp, refKey, splitName } from './model.ts';
import { ParticipantCard } from './ParticipantCard.tsx';
import type { PairLabel, SearchHit } from '../api/reads.ts';
import { RecommendationList } from './RecommendationList.tsx';
import type { SessionState } from './session.ts';
import { Unreadable } from './Unreadable.tsx';
import { PersonActions } from './PersonActions.tsx';
import { CreateFromThread } from './CreateFromThread.tsx';
import type { StageStarts } from '../api/stages.ts';

export interface SidebarProps {
  state: SessionState;
  submit(op: Operation): void;
  dismiss(opId: string): void;
  retry(opId: string): void;
  toggle(): void;
  /** Searches the CRM: offered when the thread cannot be read. */
  search?(q: string): Promise<SearchHit[]>;
  /** Where a new deal and ticket start: the create form's stage. */
  stageStarts?(): Promise<StageStarts>;
  /** The labels of a pair: a person's "Edit labels". */
  pairLabels?(fromType: string, toType: string): Promise<PairLabel[]>;
}

/** Records "log this email" offers: the thread's contacts, what the server proposes (logDefaults), then the recommendations. */
function logChoices(state: SessionState, contacts: Map<string, RecordRef>): LogChoice[] {
  const { view, thread } = state;
  const names = new Map<string, string>();
  for (const p of view?.participants ?? []) {
    if (p.contact) names.set(`contacts:${p.contact.id}`, p.contact.name);
    if (p.contact?.primaryCompany) names.set(`companies:${p.contact.primaryCompany.id}`, p.contact.primaryCompany.name);
  }
  for (const s of Object.values(view?.summaries ?? {})) {
    for (const d of s.openDeals) names.set(`deals:${d.id}`, d.name);
    for (const t of s.openTickets) names.set(`tickets:${t.id}`, t.name);
  }
  for (const r of view?.recommendations ?? []) names.set(`${r.objectType}:${r.id}`, r.name);
  const out = new Map<string, LogChoice>();
  // the workspace's never-log list (absent from older servers): nobody on it is ticked beforehand
  const policy = view?.neverLog ?? [];
  for (const p of thread?.participants ?? []) {
    const ref = contacts.get(p.email);
    const excluded = isNeverLogged(p.email, policy);
    if (ref) out.set(refKey(ref), { ref, name: p.name || p.email, preselected: !excluded, ...(excluded ? { note: t('sidebarLogPolicy') } : {}) });
  }
  for (const d of view?.logDefaults ?? []) {
    const key = refKey(d);
    if (!out.has(key)) out.set(key, { ref: d, name: names.get(key) ?? key, preselected: true });
  }
  for (const r of (view?.recommendations ?? []).slice(0, 5)) {
    const key = refKey(r);
    if (!out.has(key)) out.set(key, { ref: { objectType: r.objectType, id: r.id }, name: r.name, preselected: false });
  }
  return [...out.values()];
}

/** The thread's messages as the log section lists them: sender and send time, or the ids alone when the page does not read them one by one. */
function logMessages(thread: MailThread): LogMessage[] {
  if (thread.messages) return thread.messages.map((m) => ({ id: m.id, sender: m.from ? m.from.name || m.from.email : '', sentAt: m.sentAt }));
  return [];
}

/** The messages "Log this thread" sends: those the server has not logged (B8); sent by the rep when the sender is no participant (the rep's own or a colleague's). */
function messagesToLog(thread: MailThread, logged: Readonly<Record<string, unknown>>): MessageToLog[] | undefined {
  if (!thread.messages) return undefined;
  const outside = new Set(thread.participants.map((p) => p.email));
  return thread.messages
    .filter((m) => !logged[m.id])
    .map((m) => ({ id: m.id, from: m.from, to: m.to, cc: m.cc, sentAt: m.sentAt, outgoing: m.from ? !outside.has(m.from.email) : false, text: m.text }));
}

/** The primary companies of the thread's known contacts, each once. */
function primaryCompanies(view: NonNullable<SessionState['view']>): RecordRef[] {
  const ids = new Set<string>();
  for (const p of view.participants) if (p.contact?.primaryCompany) ids.add(p.contact.primaryCompany.id);
  return [...ids].map((id) => ({ objectType: 'companies', id }));
}

/** The companion's sidebar beside an open thread (X2). Everything shown is text: Preact escapes it. */
export function Sidebar({ state, submit, dismiss, retry, toggle, search = () => Promise.resolve([]), stageStarts = () => Promise.resolve({ deals: null, tickets: null }), pairLabels = () => Promise.resolve([]) }: SidebarProps) {
  const { thread, view, changes, confirmed } = state;
  if (!thread) {
    if (!state.unreadable) return null;
    return (
      <aside class="crm-sidebar" data-testid="crm-sidebar" data-state="unreadable" data-collapsed={state.collapsed ? 'true' : 'false'} data-ready="false" data-source="none">
        <header class="crm-header">
          <span class="crm-title">{t('sidebarTitle')}</span>
          <span class="crm-subject" title={state.unreadable.subject}>
            {state.unreadable.subject}
          </span>
          <button type="button" class="crm-toggle" aria-expanded={!state.collapsed} onClick={toggle}>
            {state.collapsed ? t('sidebarShow') : t('sidebarHide')}
          </button>
        </header>
        {state.collapsed ? null : <Unreadable key={state.unreadable.threadId} subject={state.unreadable.subject} search={search} />}
      </aside>
    );
  }
  const contacts = contactRefs(thread.participants, view, changes);
  const contactList = [...contacts.values()];
  const blocked = thread.participants.find((p) => isNeverLogged(p.email, state.neverLog));
  const threadLogs = changes.filter((c) => c.op.kind === 'logEmail' && c.op.threadId === thread.threadId);

  const createContact = (email: string, name: string) => submit(makeOp<'createContact'>({ kind: 'createContact', email, ...splitName(name) }));
  const associate = (rec: Recommendation) => {
    for (const from of contactList) submit(makeOp<'associate'>({ kind: 'associate', from, to: { objectType: rec.objectType, id: rec.id } }));
  };
  const logged = view?.logged ?? {};
  const log = (chosen: RecordRef[]) => {
    const on = chosen.find((r) => r.objectType === 'contacts') ?? chosen[0]!;
    const messages = messagesToLog(thread, logged);
    submit(
      makeOp<'logEmail'>({
        kind: 'logEmail',
        on,
        alsoAssociate: chosen.filter((r) => refKey(r) !== refKey(on)),
        subject: thread.subject,
        threadId: thread.threadId,
        messageIds: thread.messageIds,
        ...(messages ? { messages } : {}),
      }),
    );
  };
  const known = contactList.flatMap((ref) => {
    const summary = view?.summaries[ref.id];
    return summary ? [{ ...ref, name: summary.name }] : [];
  });
  const refused = changes.filter((c) => c.state === 'refused');

  return (
    <aside class="crm-sidebar" data-testid="crm-sidebar" data-state="thread" data-collapsed={state.collapsed ? 'true' : 'false'} data-loading={state.loading ? 'true' : 'false'} data-ready={view && !state.cached ? 'true' : 'false'} data-source={view ? (state.cached ? 'cache' : 'server') : 'none'}>
      <header class="crm-header">
        <span class="crm-title">{t('sidebarTitle')}</span>
        <span class="crm-subject" title={thread.subject}>
          {thread.subject}
        </span>
        <button type="button" class="crm-toggle" aria-expanded={!state.collapsed} onClick={toggle}>
          {state.collapsed ? t('sidebarShow') : t('sidebarHide')}
        </button>
      </header>
      {state.collapsed ? null : (
        <div class="crm-body">
          {state.error ? (
            <p class="crm-error" role="alert">
              {state.errorNotice ? noticeText(state.errorNotice) : state.error}
            </p>
          ) : null}
          {state.loading && !view ? <p class="crm-muted">{t('sidebarLoading')}</p> : null}
          <section>
            <h2>{t('sidebarPeople')}</h2>
            {thread.participants.length === 0 ? <p class="crm-muted">{t('sidebarNobody')}</p> : null}
            <ul class="crm-people">
              {thread.participants.map((p) => {
                const known = view?.participants.find((vp) => vp.email === p.email) ?? null;
                const id = known?.contact?.id;
                return (
                  <ParticipantCard
                    key={p.email}
                    participant={p}
                    known={known}
                    summary={id ? (view?.summaries[id] ?? null) : null}
                    creation={creationOf(p.email, changes)}
                    created={confirmed.some((op) => op.kind === 'createContact' && op.email === p.email)}
                    onCreate={() => createContact(p.email, p.name || known?.name || '')}
                    actions={id && view ? <PersonActions contact={{ objectType: 'contacts', id }} name={p.name || known?.name || p.email} companies={view.summaries[id]?.companies ?? []} totalCompanies={view.summaries[id]?.counts.companies ?? 0} deals={view.summaries[id]?.openDeals} tickets={view.summaries[id]?.openTickets} changes={changes} submit={submit} search={search} pairLabels={pairLabels} /> : null}
                  />
                );
              })}
            </ul>
          </section>
          {view ? (
            <CreateFromThread
              key={thread.threadId}
              subject={thread.subject}
              contacts={contactList}
              companies={primaryCompanies(view)}
              changes={changes}
              submit={submit}
              stageStarts={stageStarts}
            />
          ) : null}
          {view ? (
            <section>
              <h2>{t('sidebarRecommended')}</h2>
              <RecommendationList recommendations={view.recommendations} contacts={contactList} changes={changes} confirmed={confirmed} onAssociate={associate} />
            </section>
          ) : null}
          {view && known.length > 0 ? (
            <section aria-labelledby="crm-activity-title">
              <h2 id="crm-activity-title">{t('sidebarActivityTitle')}</h2>
              <ul>
                {known.map((c) => (
                  <ContactActivity
                    key={c.id}
                    contact={c}
                    activity={view.activity?.[c.id] ?? null}
                    changes={changes.filter((ch) => ch.op.kind === 'logActivity' && ch.op.on.id === c.id)}
                    submit={(op) => submit(makeOp<'logActivity'>(op))}
                  />
                ))}
              </ul>
            </section>
          ) : null}
          {view ? (
            <LogEmail
              key={thread.threadId}
              choices={logChoices(state, contacts)}
              blockedBy={blocked ? t('sidebarLogNeverLog', blocked.email) : null}
              messages={logMessages(thread)}
              logged={logged}
              changes={threadLogs}
              confirmed={confirmed}
              onLog={log}
            />
          ) : null}
          {refused.length > 0 ? (
            <section class="crm-changes">
              <h2>{t('sidebarRefusedChanges')}</h2>
              <ul>
                {refused.map((c) => (
                  <li key={c.opId}>
                    <span>{reasonText(c) ?? t('sidebarRefusedNoReason')}</span>
                    <button type="button" class="crm-link" onClick={() => retry(c.opId)}>
                      {t('sidebarRetry')}
                    </button>
                    <button type="button" class="crm-link" onClick={() => dismiss(c.opId)}>
                      {t('sidebarDismiss')}
                    </button>
                  </li>
                ))}
              </ul>
            </section>
          ) : null}
        </div>
      )}
    </aside>
  );
}
