import { z } from 'zod';
import type { ErrorCode } from '../../shared/errors.ts';
import type { ClientErrorCode } from '../api/client.ts';
import type { Notice } from '../notice.ts';

/**
 * A change the rep makes in the companion (X4). The UI never calls the server for a write: it
 * hands an Operation to the background, which keeps it in the outbox until the server confirms it
 * and sends it with `Idempotency-Key: <opId>`, so a retry can never apply it twice.
 *
 * A record the rep created in the companion but the server has not confirmed yet is referred to
 * as `pending:<opId of its createContact or createAssociated>`; the outbox swaps in the real id once it is known.
 */

export const PENDING_PREFIX = 'pending:';

export const recordRef = z.object({
  /** Plural API name: `contacts`, `companies`, `deals`, `tickets`, or a custom object's name. */
  objectType: z.string().min(1),
  /** The server's record id, or `pending:<opId>` for a record created by an operation still queued. */
  id: z.string().min(1),
});
export type RecordRef = z.infer<typeof recordRef>;

const labelRef = z.object({
  associationCategory: z.enum(['HUBSPOT_DEFINED', 'USER_DEFINED']),
  associationTypeId: z.number().int(),
});

const base = {
  /** Made by the client (crypto.randomUUID()); the Idempotency-Key of every request the operation sends. */
  opId: z.string().min(8).max(200),
  /** Epoch milliseconds when the rep acted; the outbox sends in this order. */
  createdAt: z.number(),
};

const address = z.object({ email: z.string(), name: z.string() });

/** One message of a thread to log as its own email (R3): HubSpot's email properties are made of it. */
export const messageToLog = z.object({
  /** hs_email_message_id: the server logs a message once per workspace (B8). */
  id: z.string().min(1).max(1000),
  from: address.nullable(),
  to: z.array(address).default([]),
  cc: z.array(address).default([]),
  /** hs_timestamp: when it was sent (ISO), or null to use the moment the rep logged it. */
  sentAt: z.string().nullable(),
  /** Sent by the rep (hs_email_direction EMAIL) or received (INCOMING_EMAIL). */
  outgoing: z.boolean(),
  /** hs_email_text, already bounded by the mail reader. */
  text: z.string().default(''),
});
export type MessageToLog = z.infer<typeof messageToLog>;

export const operation = z.discriminatedUnion('kind', [
  /** Create a contact; with auto-association by domain on, the server brings its company (R18) as primary (R8). */
  z.object({ ...base, kind: z.literal('createContact'), email: z.string(), firstname: z.string().optional(), lastname: z.string().optional() }),
  /** Associate two records: default (unlabeled) when `labels` is absent, else with those labels. */
  z.object({ ...base, kind: z.literal('associate'), from: recordRef, to: recordRef, labels: z.array(labelRef).optional() }),
  /** Make a company the contact's primary (HubSpot's type id 1); the old primary stays associated (R8). */
  z.object({ ...base, kind: z.literal('setPrimary'), contact: recordRef, company: recordRef }),
  /** Remove labels from an association, keeping the association. */
  z.object({ ...base, kind: z.literal('removeLabels'), from: recordRef, to: recordRef, labels: z.array(labelRef).min(1) }),
  /** Remove an association altogether. */
  z.object({ ...base, kind: z.literal('remove'), from: recordRef, to: recordRef, newPrimaryCompanyId: z.string().optional() }),
  /**
   * Create a record of any type already associated with `with` (R5, R7): one request, so the new
   * record never exists unassociated. `types` are seen from the new record; empty is the default
   * (the server makes a company primary where R7/R8 say so).
   */
  z.object({
    ...base,
    kind: z.literal('createAssociated'),
    objectType: z.string().min(1).max(100),
    properties: z.record(z.string().max(100), z.string().max(65_536)),
    with: recordRef,
    types: z.array(labelRef).default([]),
  }),
  /** Change properties of a record (the record page's header); an empty value clears one. */
  z.object({ ...base, kind: z.literal('updateRecord'), record: recordRef, properties: z.record(z.string().max(100), z.string().max(65_536)) }),
  /** Undo one association change by its history entry (B1); a rep may revert only their own. */
  z.object({ ...base, kind: z.literal('revert'), entryId: z.string().regex(/^\d{1,15}$/), newPrimaryCompanyId: z.string().optional() }),
  /** Log an email as an activity on a record; the server adds the primary company (R10). `alsoAssociate` are further chosen records. */
  z.object({
    ...base,
    kind: z.literal('logEmail'),
    on: recordRef,
    alsoAssociate: z.array(recordRef).default([]),
    subject: z.string(),
    body: z.string().optional(),
    threadId: z.string().optional(),
    messageIds: z.array(z.string()).default([]),
    sentAt: z.string().optional(),
    /** The thread's messages not logged yet, each logged as its own email (R3, B8); absent: one email of the thread. */
    messages: z.array(messageToLog).optional(),
  }),
  /** Log a note or a follow-up task on a record (R3); the server adds the primary company (R10). */
  z.object({
    ...base,
    kind: z.literal('logActivity'),
    on: recordRef,
    type: z.enum(['notes', 'tasks']),
    properties: z.record(z.string(), z.string()),
  }),
]);
export type Operation = z.infer<typeof operation>;
export type OperationKind = Operation['kind'];

/**
 * What sending an operation came to. `confirmed`: the server applied it (or had already: a repeat
 * answers with the first response). `refused`: the server will never accept it as it is (limit,
 * plan, record gone, primary rule): it stays visible with the reason until the rep fixes or
 * dismisses it. `retry`: offline, timeout, 5xx or 429: send again later.
 */
export type SendResult =
  | { outcome: 'confirmed'; /** The id of the record the operation made (a contact, a logged email). */ createdId?: string }
  | { outcome: 'refused'; status: number; code: ErrorCode | ClientErrorCode; message: string }
  | {
      outcome: 'retry';
      /** Why, in English (logs, tests). */
      reason: string;
      /** The same reason as a notice when the companion wrote it: the screens show it in the rep's language. */
      notice?: Notice;
      /** The server's Retry-After (429, 503), in milliseconds. */
      retryAfterMs?: number;
    };
