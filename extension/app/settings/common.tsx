import type { ComponentChildren } from 'preact';
import { z } from 'zod';
import { formatDate } from '../../format.ts';
import { t } from '../../i18n.ts';
import { Dialog } from '../Dialog.tsx';
import { errorText } from '../../notice.ts';

/** What a failed request says to the admin: the server's own message (it names what was wrong and where). */
export function failureText(err: unknown): string {
  return errorText(err);
}

/** A 204 answer. */
export const noContent = z.unknown();

/** An outcome line under a form: polite for what went well, an alert for what was refused. */
export type Outcome = { kind: 'ok' | 'error'; text: string } | null;

export function OutcomeLine({ outcome }: { outcome: Outcome }) {
  // both regions stay in the page so screen readers announce what appears in them
  return (
    <>
      <p class="crm-done crm-settings-outcome" role="status">
        {outcome?.kind === 'ok' ? outcome.text : ''}
      </p>
      <p class="crm-error crm-settings-outcome" role="alert">
        {outcome?.kind === 'error' ? outcome.text : ''}
      </p>
    </>
  );
}

/** Numbers in the text language. */
export { formatNumber } from '../../format.ts';
export const formatDateTime = (iso: string) => formatDate(iso, 'dateTime');

/** A confirmation in the app's modal dialog (Dialog.tsx). */
export function ConfirmDialog(props: { title: string; children: ComponentChildren; confirm: string; onConfirm(): void; onClose(): void }) {
  return (
    <Dialog title={props.title} onClose={props.onClose} class="crm-settings-dialog">
      <div>{props.children}</div>
      <p>
        <button type="button" class="crm-button crm-danger" onClick={props.onConfirm}>
          {props.confirm}
        </button>
        <button type="button" class="crm-button" onClick={props.onClose}>
          {t('settingsCancel')}
        </button>
      </p>
    </Dialog>
  );
}

/** A token shown once, with a copy button. */
export function TokenOnce({ label, token }: { label: string; token: string }) {
  const copy = () => void navigator.clipboard.writeText(token);
  return (
    <div class="crm-settings-token">
      <label>
        {label}
        <input type="text" readOnly value={token} onFocus={(e) => (e.target as HTMLInputElement).select()} />
      </label>
      <button type="button" class="crm-button" onClick={copy}>
        {t('settingsCopy')}
      </button>
      <p class="crm-muted">{t('settingsTokenOnce')}</p>
    </div>
  );
}
