import type { Replies, Reply } from '../messaging.ts';
import { noticeOf } from '../notice.ts';
import { companionRequest, type ParsedRequest } from './request-schema.ts';

/** One handler per request type, answering that type's reply. */
export type Handlers = { [K in ParsedRequest['type']]: (request: Extract<ParsedRequest, { type: K }>, sender: { tabId?: number }) => Promise<Replies[K]> };

/**
 * The background's answer to one message: checked against the schema (a bad message gets a clear
 * error naming the field), then handed to its handler; a handler's error becomes `{ ok: false }`.
 * Messages that are not ours (no known `type`) answer undefined, so other listeners may answer.
 */
export function isCompanionMessage(handlers: Handlers, message: unknown): boolean {
  const type = (message as { type?: unknown } | null)?.type;
  return typeof type === 'string' && Object.hasOwn(handlers, type);
}

export async function serve(handlers: Handlers, message: unknown, sender: { tabId?: number }): Promise<Reply<unknown> | undefined> {
  if (!isCompanionMessage(handlers, message)) return undefined;
  const type = (message as { type: string }).type;
  const parsed = companionRequest.safeParse(message);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return { ok: false, error: `Invalid ${type} message: ${issue ? `${issue.path.join('.') || '(message)'}: ${issue.message}` : 'bad input'}` };
  }
  try {
    const handler = handlers[parsed.data.type] as (r: ParsedRequest, s: { tabId?: number }) => Promise<unknown>;
    return { ok: true, value: await handler(parsed.data, sender) };
  } catch (err) {
    const notice = noticeOf(err);
    return { ok: false, error: err instanceof Error ? err.message : String(err), ...(notice ? { notice } : {}) };
  }
}

