import { useEffect, useRef, useState } from 'preact/hooks';
import type { ContactActivity as Activity } from '../../shared/companion.ts';
import type { TimelineActivity } from '../../shared/lifecycle.ts';
import { type MessageKey, t } from '../i18n.ts';
import type { PendingChange } from '../messaging.ts';
import type { Operation, RecordRef } from '../outbox/operation.ts';
import { shownTime } from './LogEmail.tsx';
import { stateOf } from './model.ts';

const TYPE_LABEL: Record<TimelineActivity['type'], MessageKey> = {
  emails: 'sidebarActivityEmail',
  calls: 'sidebarActivityCall',
  meetings: 'sidebarActivityMeeting',
  notes: 'sidebarActivityNote',
  tasks: 'sidebarActivityTask',
};

/** The properties that say what an activity was, per type; HTML bodies shown as their text only. */
const TITLE_PROPERTIES: Record<TimelineActivity['type'], string[]> = {
  emails: ['hs_email_subject'],
  calls: ['hs_call_title', 'hs_call_body'],
  meetings: ['hs_meeting_title'],
  notes: ['hs_note_body'],
  tasks: ['hs_task_subject'],
};

/** One line of an activity: a note's HTML is shown as text (Preact escapes it; tags are dropped). */
export function activityTitle(a: TimelineActivity): string {
  for (const name of TITLE_PROPERTIES[a.type]) {
    const value = a.properties[name];
    if (value) return value.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 160);
  }
  return '';
}

export interface ContactActivityProps {
  contact: RecordRef & { name: string };
  activity: Activity | null;
  /** logActivity changes of this contact in the outbox. */
  changes: readonly PendingChange[];
  submit(op: Omit<Extract<Operation, { kind: 'logActivity' }>, 'opId' | 'createdAt'>): void;
}

type Form = 'none' | 'note' | 'task';

/** The day after today as `yyyy-mm-dd`, in the rep's time zone (a follow-up's default due date). */
function tomorrow(): string {
  const d = new Date(Date.now() + 86_400_000);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/**
 * A contact's activity in the sidebar: when it was last contacted (logged emails, calls,
 * meetings), its newest activities, and "Add note" / "Create follow-up task" as small inline forms
 * sent through the outbox (R3).
 */
export function ContactActivity({ contact, activity, changes, submit }: ContactActivityProps) {
  const [form, setForm] = useState<Form>('none');
  const [note, setNote] = useState('');
  const [title, setTitle] = useState('');
  const [due, setDue] = useState(tomorrow);
  const busy = stateOf(changes);
  const id = `crm-activity-${contact.id}`;
  // keyboard: an opened form takes the focus; closing it (Escape, Cancel, saving) gives it back to its button
  const field = useRef<HTMLTextAreaElement & HTMLInputElement>(null);
  const noteButton = useRef<HTMLButtonElement>(null);
  const taskButton = useRef<HTMLButtonElement>(null);
  const closedFrom = useRef<Form>('none');
  useEffect(() => {
    if (form !== 'none') field.current?.focus();
    else if (closedFrom.current !== 'none') (closedFrom.current === 'note' ? noteButton : taskButton).current?.focus();
  }, [form]);
  const close = () => {
    closedFrom.current = form;
    setForm('none');
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape') {
      e.stopPropagation();
      close();
    }
  };
  const recent = activity?.recent ?? [];
  const saveNote = (e: Event) => {
    e.preventDefault();
    if (!note.trim()) return;
    submit({ kind: 'logActivity', on: contact, type: 'notes', properties: { hs_note_body: note.trim(), hs_timestamp: new Date().toISOString() } });
    setNote('');
    close();
  };
  const saveTask = (e: Event) => {
    e.preventDefault();
    const subject = title.trim() || t('sidebarTaskDefaultTitle', contact.name);
    // due at 09:00 on the chosen day, the rep's time
    const at = new Date(`${due}T09:00:00`);
    submit({
      kind: 'logActivity',
      on: contact,
      type: 'tasks',
      properties: { hs_task_subject: subject, hs_task_status: 'NOT_STARTED', hs_task_type: 'TODO', hs_timestamp: Number.isNaN(at.getTime()) ? new Date().toISOString() : at.toISOString() },
    });
    setTitle('');
    close();
  };
  return (
    <li class="crm-activity" data-contact-id={contact.id} aria-labelledby={`${id}-name`}>
      <h3 id={`${id}-name`}>{contact.name}</h3>
      <p class="crm-muted" data-testid="last-contacted">
        {activity?.lastContacted ? t('sidebarLastContacted', shownTime(activity.lastContacted, false)) : t('sidebarNeverContacted')}
      </p>
      {recent.length === 0 ? (
        <p class="crm-muted">{t('sidebarNoActivities')}</p>
      ) : (
        <ol class="crm-timeline">
          {recent.map((a) => (
            <li key={a.id} data-type={a.type}>
              <span class="crm-kind">{t(TYPE_LABEL[a.type])}</span> <span class="crm-muted">{shownTime(a.timestamp, false)}</span>
              <br />
              <span class="crm-activity-title">{activityTitle(a)}</span>
            </li>
          ))}
        </ol>
      )}
      {busy?.state === 'pending' ? <p class="crm-pending">{t('sidebarSaving')}</p> : null}
      {busy?.state === 'refused' ? (
        <p class="crm-refused" role="alert">
          {busy.message ?? ''}
        </p>
      ) : null}
      {form === 'note' ? (
        <form class="crm-inline-form" onSubmit={saveNote} onKeyDown={onKeyDown}>
          <label for={`${id}-note`}>{t('sidebarNoteLabel')}</label>
          <textarea ref={field} id={`${id}-note`} rows={3} maxLength={65_000} value={note} onInput={(e) => setNote((e.target as HTMLTextAreaElement).value)} />
          <div class="crm-actions">
            <button type="submit" class="crm-button crm-primary" disabled={!note.trim()}>
              {t('sidebarSaveNote')}
            </button>
            <button type="button" class="crm-link" onClick={close}>
              {t('sidebarCancel')}
            </button>
          </div>
        </form>
      ) : form === 'task' ? (
        <form class="crm-inline-form" onSubmit={saveTask} onKeyDown={onKeyDown}>
          <label for={`${id}-task`}>{t('sidebarTaskTitleLabel')}</label>
          <input ref={field} id={`${id}-task`} type="text" maxLength={500} placeholder={t('sidebarTaskDefaultTitle', contact.name)} value={title} onInput={(e) => setTitle((e.target as HTMLInputElement).value)} />
          <label for={`${id}-due`}>{t('sidebarTaskDueLabel')}</label>
          <input id={`${id}-due`} type="date" value={due} onInput={(e) => setDue((e.target as HTMLInputElement).value)} />
          <div class="crm-actions">
            <button type="submit" class="crm-button crm-primary">
              {t('sidebarSaveTask')}
            </button>
            <button type="button" class="crm-link" onClick={close}>
              {t('sidebarCancel')}
            </button>
          </div>
        </form>
      ) : (
        <div class="crm-actions">
          <button type="button" class="crm-link" ref={noteButton} onClick={() => setForm('note')}>
            {t('sidebarAddNote')}
          </button>
          <button type="button" class="crm-link" ref={taskButton} onClick={() => setForm('task')}>
            {t('sidebarCreateTask')}
          </button>
        </div>
      )}
    </li>
  );
}
