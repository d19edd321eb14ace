import { type MessageKey, t } from './i18n.ts';

/**
 * A message the background or the outbox writes for the rep (why a change waits, why it was
 * refused, why signing in failed), kept as data, not as a sentence: `kind` is its text's key in
 * `_locales`, `values` fill its placeholders in order. A stored outbox entry keeps its notice, and
 * the screen that shows it writes the sentence at that moment (`noticeText`), in the language the
 * rep chose then. A value is a text shown as it is (a server's refusal, an address) or a notice of
 * its own (the refusal another change met).
 */
export interface Notice {
  kind: NoticeKind;
  values: NoticeValue[];
}
export type NoticeValue = string | Notice;

/** The notices there are; each is a key of `_locales` (the English text is the one the companion always wrote). */
export const NOTICE_KINDS = [
  'noticeNotSignedIn',
  'noticeNotSignedInOptions',
  'noticeSignInNeeded',
  'noticeSignInFailed',
  'noticeNoPermission',
  'noticeCannotReach',
  'noticeSendFailed',
  'noticeDependsOnRefused',
  'noticeDependencyGone',
  'noticeDependsOnLater',
  'noticeRefused',
  'noticeOutboxFull',
  'noticeAddressScheme',
  'noticeAddressNotUrl',
  'noticeAddressCredentials',
] as const satisfies readonly MessageKey[];
export type NoticeKind = (typeof NOTICE_KINDS)[number];

export function notice(kind: NoticeKind, ...values: NoticeValue[]): Notice {
  return { kind, values };
}

/** A value that came from storage or another part of the extension: a notice of a known kind with texts or notices as values. */
export function isNotice(value: unknown): value is Notice {
  if (!value || typeof value !== 'object') return false;
  const { kind, values } = value as Partial<Notice>;
  return (NOTICE_KINDS as readonly unknown[]).includes(kind) && Array.isArray(values) && values.every((v) => typeof v === 'string' || isNotice(v));
}

/** The notice's sentence in the language of the texts shown now; its text values as they are. */
export function noticeText(n: Notice): string {
  return t(n.kind, ...n.values.map((v) => (typeof v === 'string' ? v : noticeText(v))));
}

/** `err` (its `message` the English sentence: logs, and whoever reads no notice) saying its reason as a notice too. */
export function withNotice<E extends Error>(err: E, n: Notice): E & { notice: Notice } {
  return Object.assign(err, { notice: n });
}

/** The notice an error carries, if any (`withNotice`, or an error given one on its way through the extension's messages). */
export function noticeOf(err: unknown): Notice | undefined {
  const n = (err as { notice?: unknown } | null)?.notice;
  return isNotice(n) ? n : undefined;
}

/** What to show for an error: its notice in the language shown now, else its message as it is. */
export function errorText(err: unknown): string {
  const n = noticeOf(err);
  if (n) return noticeText(n);
  return err instanceof Error ? err.message : String(err);
}

/** What to show for a change's reason: its notice in the language shown now, else its text as it is (entries stored before notices, a server's reason). */
export function reasonText(change: { notice?: Notice; message?: string }): string | undefined {
  return change.notice && isNotice(change.notice) ? noticeText(change.notice) : change.message;
}
