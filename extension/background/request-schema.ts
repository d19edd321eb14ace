import { z } from 'zod';
import { LANGUAGES } from '../i18n.ts';
import { operation } from '../outbox/operation.ts';

/**
 * The requests the background answers, as zod schemas: the one definition of each request's shape.
 * The background checks every message against them (requests.ts); everyone else takes the type from
 * messaging.ts, which imports it from here as a type only, so the content script ships without zod.
 */

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
  /** Where a new deal and ticket start (the default pipeline's first stage): the sidebar's create form prefills it. */
  z.object({ type: z.literal('stageStarts') }),
  /** The labels of a pair (the sidebar's "Edit labels"). */
  z.object({ type: z.literal('pairLabels'), fromType: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/), toType: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/) }),
  /** A change the rep makes: into the outbox, sent when the server can be reached. */
  z.object({ type: z.literal('submit'), operation }),
  /** Open a record's page (app.html#/{objectType}/{id}) in a new tab: for record names in webmail pages, which may not open it themselves. */
  z.object({ type: z.literal('openRecord'), objectType: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/), id: z.string().regex(/^[1-9][0-9]{0,18}$/) }),
  /** A chosen language's texts (its messages.json): a content script cannot read the extension's files itself. */
  z.object({ type: z.literal('texts'), language: z.enum(LANGUAGES) }),
  z.object({ type: z.literal('dismiss'), opId: z.string().min(1).max(200) }),
  z.object({ type: z.literal('retry'), opId: z.string().min(1).max(200) }),
]);
export type CompanionRequest = z.input<typeof companionRequest>;
/** A request as the handlers get it: checked, defaults filled in. */
export type ParsedRequest = z.infer<typeof companionRequest>;
