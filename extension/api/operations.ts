import { z } from 'zod';
import { apiPaths } from '../../shared/api-paths.ts';
import { batchLabelsArchiveBody, batchRefusalsResponse, defaultAssociationResponse, labelsAssociationResponse, type labelsBody } from '../../shared/associations.ts';
import { errorStatus } from '../../shared/errors.ts';
import { revertResult } from '../../shared/history.ts';
import { type activityBody, activityResponse } from '../../shared/lifecycle.ts';
import { type createRecordBody, duplicateContactContext, simplePublicObject, type updateRecordBody } from '../../shared/records.ts';
import type { Operation, RecordRef, SendResult } from '../outbox/operation.ts';
import { notice } from '../notice.ts';
import type { Connection } from '../settings.ts';
import { type ApiClient, ApiFailure, createApiClient, type FetchLike } from './client.ts';

/** HubSpot's contact → company primary association type (R8). */
const PRIMARY_COMPANY_TYPE = { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 1 } as const;

/** A 204: no body. */
const noContent = z.undefined();

/** Statuses worth sending again later: none at all, timeout, too early, too many, server trouble. Auth too: the rep may sign in again. */
function isTransient(status: number): boolean {
  return status === 0 || status === 401 || status === 403 || status === 408 || status === 425 || status === 429 || status >= 500;
}

/** What a failed request comes to: `retry` later, or `refused` with the server's code and reason. */
function outcomeOf(failure: ApiFailure): Exclude<SendResult, { outcome: 'confirmed' }> {
  if (isTransient(failure.status)) {
    const reason = failure.status === 0 ? failure.message : `${failure.status} ${failure.code}: ${failure.message}`;
    // no answer: the client's own words (a notice); an answer: the server's status, code and reason as they are
    const said = failure.status === 0 ? failure.notice : undefined;
    return { outcome: 'retry', reason, ...(said ? { notice: said } : {}), ...(failure.retryAfterMs !== undefined ? { retryAfterMs: failure.retryAfterMs } : {}) };
  }
  return { outcome: 'refused', status: failure.status, code: failure.code, message: failure.message };
}

/** The contact whose email a createContact found taken, from the 409's `context` (server: duplicateContact). */
function existingContactId(failure: ApiFailure): string | undefined {
  if (failure.code !== 'CONFLICT') return undefined;
  const context = duplicateContactContext.safeParse(failure.context);
  return context.success ? context.data.id[0] : undefined;
}

type Call = <S extends z.ZodType>(method: 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body: unknown, schema: S) => Promise<z.output<S>>;

/** The requests of one operation, in order; a later one may depend on an earlier one's answer. A failed request throws its ApiFailure. */
async function run(op: Operation, call: Call, followUp: Call): Promise<SendResult> {
  switch (op.kind) {
    case 'createContact': {
      const properties: Record<string, string> = { email: op.email };
      if (op.firstname) properties.firstname = op.firstname;
      if (op.lastname) properties.lastname = op.lastname;
      try {
        const created = await call('POST', apiPaths.createRecord('contacts'), { properties } satisfies z.input<typeof createRecordBody>, simplePublicObject);
        return { outcome: 'confirmed', createdId: created.id };
      } catch (err) {
        // the contact the rep wanted exists (made elsewhere, or by a first attempt whose answer was lost)
        const existing = err instanceof ApiFailure ? existingContactId(err) : undefined;
        if (existing !== undefined) return { outcome: 'confirmed', createdId: existing };
        throw err;
      }
    }
    case 'associate':
      if (op.labels) await call('PUT', apiPaths.association(op.from, op.to), op.labels satisfies z.input<typeof labelsBody>, labelsAssociationResponse);
      else await call('PUT', apiPaths.associateDefault(op.from, op.to), undefined, defaultAssociationResponse);
      return { outcome: 'confirmed' };
    case 'setPrimary':
      await call('PUT', apiPaths.association(op.contact, op.company), [PRIMARY_COMPANY_TYPE] satisfies z.input<typeof labelsBody>, labelsAssociationResponse);
      return { outcome: 'confirmed' };
    case 'removeLabels': {
      const body = { inputs: [{ from: { id: op.from.id }, to: { id: op.to.id }, types: op.labels }] } satisfies z.input<typeof batchLabelsArchiveBody>;
      // 204 when applied; 207 names the refused input
      const refusals = await call('POST', apiPaths.batchArchiveLabels(op.from.objectType, op.to.objectType), body, batchRefusalsResponse.optional());
      const first = refusals?.errors?.[0];
      if (first) return { outcome: 'refused', status: errorStatus[first.subCategory], code: first.subCategory, message: first.message };
      return { outcome: 'confirmed' };
    }
    case 'remove':
      await call('DELETE', apiPaths.association(op.from, op.to, op.newPrimaryCompanyId ? { newPrimaryCompanyId: op.newPrimaryCompanyId } : {}), undefined, noContent);
      return { outcome: 'confirmed' };
    case 'createAssociated': {
      const body = { properties: op.properties, associations: [{ to: { id: op.with.id }, types: op.types }] } satisfies z.input<typeof createRecordBody>;
      const created = await call('POST', apiPaths.createRecord(op.objectType), body, simplePublicObject);
      return { outcome: 'confirmed', createdId: created.id };
    }
    case 'updateRecord':
      await call('PATCH', apiPaths.updateRecord(op.record.objectType, op.record.id), { properties: op.properties } satisfies z.input<typeof updateRecordBody>, simplePublicObject);
      return { outcome: 'confirmed' };
    case 'revert':
      await call('POST', apiPaths.revertHistoryEntry(op.entryId, op.newPrimaryCompanyId ? { newPrimaryCompanyId: op.newPrimaryCompanyId } : {}), undefined, revertResult);
      return { outcome: 'confirmed' };
    case 'logEmail': {
      let first: string | undefined;
      for (const [i, properties] of emailProperties(op).entries()) {
        const send = i === 0 ? call : followUp;
        const answer = await send('POST', apiPaths.logActivity(op.on), { type: 'emails', properties } satisfies z.input<typeof activityBody>, activityResponse);
        first ??= answer.activity.id;
        // a message logged before (B8) keeps the associations it has
        if (answer.existing) continue;
        const refused = await associateMore(op, answer, followUp);
        if (refused) return refused;
      }
      return { outcome: 'confirmed', ...(first ? { createdId: first } : {}) };
    }
    case 'logActivity': {
      const answer = await call('POST', apiPaths.logActivity(op.on), { type: op.type, properties: op.properties } satisfies z.input<typeof activityBody>, activityResponse);
      return { outcome: 'confirmed', createdId: answer.activity.id };
    }
  }
}

/** HubSpot's name parts of an address for hs_email_headers: the shown name split at its first space. */
function headerAddress(a: { email: string; name: string }) {
  const name = a.name.trim();
  const space = name.indexOf(' ');
  return { email: a.email, firstName: space < 0 ? name : name.slice(0, space), lastName: space < 0 ? '' : name.slice(space + 1).trim() };
}

/** The properties of each email a logEmail makes: one per message when the thread's messages were read, else one for the thread. */
export function emailProperties(op: Extract<Operation, { kind: 'logEmail' }>): Array<Record<string, string>> {
  const loggedAt = new Date(op.createdAt).toISOString();
  if (op.messages && op.messages.length > 0) {
    return op.messages.map((m) => {
      const properties: Record<string, string> = {
        hs_email_subject: op.subject,
        hs_timestamp: m.sentAt ?? loggedAt,
        hs_email_direction: m.outgoing ? 'EMAIL' : 'INCOMING_EMAIL',
        hs_email_message_id: m.id,
        hs_email_headers: JSON.stringify({ from: m.from ? headerAddress(m.from) : null, to: m.to.map(headerAddress), cc: m.cc.map(headerAddress), bcc: [] }),
      };
      if (m.text) properties.hs_email_text = m.text;
      if (op.threadId) properties.hs_email_thread_id = op.threadId;
      return properties;
    });
  }
  const properties: Record<string, string> = { hs_email_subject: op.subject, hs_timestamp: op.sentAt ?? loggedAt, hs_email_direction: 'EMAIL' };
  if (op.body) properties.hs_email_text = op.body;
  if (op.threadId) properties.hs_email_thread_id = op.threadId;
  if (op.messageIds.length) properties.hs_email_message_ids = op.messageIds.join(' ');
  return [properties];
}

/** Associates a logged email with the further records the rep chose; a refusal names the record. */
async function associateMore(op: Extract<Operation, { kind: 'logEmail' }>, answer: z.output<typeof activityResponse>, followUp: Call): Promise<SendResult | null> {
  const done = new Set(answer.associations.map((a) => `${a.toObjectType}:${a.toObjectId}`));
  const activity: RecordRef = { objectType: 'emails', id: answer.activity.id };
  for (const ref of op.alsoAssociate) {
    if (done.has(`${ref.objectType}:${ref.id}`) || (ref.objectType === op.on.objectType && ref.id === op.on.id)) continue;
    try {
      await followUp('PUT', apiPaths.associateDefault(activity, ref), undefined, defaultAssociationResponse);
    } catch (err) {
      if (!(err instanceof ApiFailure)) throw err;
      const more = outcomeOf(err);
      if (more.outcome === 'refused') return { ...more, message: `The email was logged, but not associated with ${ref.objectType} ${ref.id}: ${more.message}` };
      return more;
    }
  }
  return null;
}

/**
 * Sends one operation to the server (X4). Every request carries `Idempotency-Key`: the operation's
 * id for its first request, and `<opId>:<n>` for the n-th follow-up of a multi-request operation
 * (logging an email, then associating it with further records), so each request is applied once
 * however often the operation is sent. Never throws: an unreachable server is `retry`.
 */
export async function sendOperation(op: Operation, connection: Connection, fetchImpl?: FetchLike): Promise<SendResult> {
  const client: ApiClient = createApiClient(connection, fetchImpl ? { fetch: fetchImpl } : {});
  let step = 0;
  const callWith =
    (key: () => string): Call =>
    (method, path, body, schema) =>
      client.request(path, { method, schema, idempotencyKey: key(), ...(body !== undefined ? { body } : {}) });
  try {
    return await run(
      op,
      callWith(() => op.opId),
      callWith(() => `${op.opId}:${++step}`),
    );
  } catch (err) {
    if (err instanceof ApiFailure) return outcomeOf(err);
    const detail = err instanceof Error ? err.message : String(err);
    return { outcome: 'retry', reason: `Sending to ${connection.server} failed: ${detail}`, notice: notice('noticeSendFailed', connection.server, detail) };
  }
}
