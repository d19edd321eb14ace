import { z } from 'zod';
import type { Replies, Reply } from '../messaging.ts';
import { operation } from '../outbox/operation.ts';

/** The requests the background answers, as zod schemas: a message is checked before it is handled. */

export const mailThreadSchema = z.object({
  provider: z.enum(['gmail', 'outlook', 'generic']),
  threadId: z.string().max(500),
  subject: z.string().max(5000),
  messageIds: z.array(z.string().max(500)).max(1000),
  participants: z
    .array(z.object({ email: z.string().max(320), name: z.string().max(500), roles: z.array(z.enum(['from', 'to', 'cc', 'bcc'])) }))
    .max(500),
});

export const companionRequest = z.discriminatedUnion('type', [
  /** Connection state and the outbox; `probe` also asks the server whether the token still signs in. */
  z.object({ type: z.literal('status'), probe: z.boolean().default(false) }),
  /** Sign in: checks the token against the server, then stores server and token. */
  z.object({ type: z.literal('connect'), server: z.string().min(1).max(2000), token: z.string().min(1).max(500) }),
  z.object({ type: z.literal('signOut') }),
  /** What the CRM knows of a thread (participants, summaries, recommendations). */
  z.object({ type: z.literal('threadView'), thread: mailThreadSchema }),
  /** The same from the companion's cache alone (null when it cannot answer for every participant): shown until the server's answer. */
  z.object({ type: z.literal('cachedThreadView'), thread: mailThreadSchema }),
  z.object({ type: z.literal('search'), q: z.string().max(200) }),
  /** A change the rep makes: into the outbox, sent when the server can be reached. */
  z.object({ type: z.literal('submit'), operation }),
  z.object({ type: z.literal('dismiss'), opId: z.string().min(1).max(200) }),
  z.object({ type: z.literal('retry'), opId: z.string().min(1).max(200) }),
]);
export type CompanionRequest = z.input<typeof companionRequest>;
type Parsed = z.infer<typeof companionRequest>;


export type Handlers = { [K in Parsed['type']]: (request: Extract<Parsed, { type: K }>, sender: { tabId?: number }) => Promise<Replies[K]> };

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
    const handler = handlers[parsed.data.type] as (r: Parsed, s: { tabId?: number }) => Promise<unknown>;
    return { ok: true, value: await handler(parsed.data, sender) };
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
}

