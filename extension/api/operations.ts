import type { Operation, RecordRef, SendResult } from '../outbox/operation.ts';
import type { Connection } from '../settings.ts';
import { errorOf, type FetchLike, type Reply, request } from './client.ts';

/** HubSpot's contact → company primary association type (R8). */
const PRIMARY_COMPANY_TYPE = { associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 1 } as const;

const enc = encodeURIComponent;
const recordPath = (ref: RecordRef) => `/crm/v4/objects/${enc(ref.objectType)}/${enc(ref.id)}/associations`;

/** Statuses worth sending again later: timeout, too early, too many, server trouble. Auth too: the rep may sign in again. */
function isTransient(status: number): boolean {
  return status === 401 || status === 403 || status === 408 || status === 425 || status === 429 || status >= 500;
}

function retryAfterMs(reply: Reply): number | undefined {
  const value = reply.headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

function outcomeOf(reply: Reply): SendResult {
  if (reply.status >= 200 && reply.status < 300) return { outcome: 'confirmed', status: reply.status, body: reply.body };
  const { code, message } = errorOf(reply);
  if (isTransient(reply.status)) {
    const after = retryAfterMs(reply);
    return { outcome: 'retry', reason: `${reply.status} ${code}: ${message}`, ...(after !== undefined ? { retryAfterMs: after } : {}) };
  }
  return { outcome: 'refused', status: reply.status, code, message };
}

/** The requests of one operation, in order; a later one may depend on an earlier one's answer. */
async function run(op: Operation, call: (method: string, path: string, body: unknown, step: number) => Promise<Reply>): Promise<SendResult> {
  switch (op.kind) {
    case 'createContact': {
      const properties: Record<string, string> = { email: op.email };
      if (op.firstname) properties.firstname = op.firstname;
      if (op.lastname) properties.lastname = op.lastname;
      const reply = await call('POST', '/crm/v3/objects/contacts', { properties }, 0);
      const result = outcomeOf(reply);
      if (result.outcome === 'confirmed') return { ...result, createdId: String((reply.body as { id: string }).id) };
      // the contact the rep wanted exists (made elsewhere, or by a first attempt whose answer was lost)
      const existing = reply.status === 409 ? /Existing ID: (\d+)/.exec(errorOf(reply).message)?.[1] : undefined;
      if (existing) return { outcome: 'confirmed', status: 200, body: reply.body, createdId: existing };
      return result;
    }
    case 'associate': {
      const path = op.labels
        ? `${recordPath(op.from)}/${enc(op.to.objectType)}/${enc(op.to.id)}`
        : `${recordPath(op.from)}/default/${enc(op.to.objectType)}/${enc(op.to.id)}`;
      return outcomeOf(await call('PUT', path, op.labels, 0));
    }
    case 'setPrimary':
      return outcomeOf(await call('PUT', `${recordPath(op.contact)}/${enc(op.company.objectType)}/${enc(op.company.id)}`, [PRIMARY_COMPANY_TYPE], 0));
    case 'removeLabels': {
      const body = { inputs: [{ from: { id: op.from.id }, to: { id: op.to.id }, types: op.labels }] };
      const reply = await call('POST', `/crm/v4/associations/${enc(op.from.objectType)}/${enc(op.to.objectType)}/batch/labels/archive`, body, 0);
      return batchOutcome(reply);
    }
    case 'remove': {
      const query = op.newPrimaryCompanyId ? `?newPrimaryCompanyId=${enc(op.newPrimaryCompanyId)}` : '';
      return outcomeOf(await call('DELETE', `${recordPath(op.from)}/${enc(op.to.objectType)}/${enc(op.to.id)}${query}`, undefined, 0));
    }
    case 'logEmail': {
      const properties: Record<string, string> = {
        hs_email_subject: op.subject,
        hs_timestamp: op.sentAt ?? new Date(op.createdAt).toISOString(),
        hs_email_direction: 'EMAIL',
      };
      if (op.body) properties.hs_email_text = op.body;
      if (op.threadId) properties.hs_email_thread_id = op.threadId;
      if (op.messageIds.length) properties.hs_email_message_ids = op.messageIds.join(' ');
      const reply = await call('POST', `/api/objects/${enc(op.on.objectType)}/${enc(op.on.id)}/activities`, { type: 'emails', properties }, 0);
      const logged = outcomeOf(reply);
      if (logged.outcome !== 'confirmed') return logged;
      const answer = reply.body as { activity: { id: string }; associations: Array<{ toObjectType: string; toObjectId: number }> };
      const done = new Set(answer.associations.map((a) => `${a.toObjectType}:${a.toObjectId}`));
      const activity: RecordRef = { objectType: 'emails', id: String(answer.activity.id) };
      let step = 1;
      for (const ref of op.alsoAssociate) {
        if (done.has(`${ref.objectType}:${ref.id}`) || (ref.objectType === op.on.objectType && ref.id === op.on.id)) continue;
        const more = outcomeOf(await call('PUT', `${recordPath(activity)}/default/${enc(ref.objectType)}/${enc(ref.id)}`, undefined, step++));
        if (more.outcome === 'refused') return { ...more, message: `The email was logged, but not associated with ${ref.objectType} ${ref.id}: ${more.message}` };
        if (more.outcome === 'retry') return more;
      }
      return { ...logged, createdId: activity.id };
    }
  }
}

/** Batch endpoints answer 204 or 207 with per-input errors. */
function batchOutcome(reply: Reply): SendResult {
  if (reply.status === 207) {
    const errors = (reply.body as { errors?: Array<{ message?: string; subCategory?: string; category?: string }> }).errors ?? [];
    const first = errors[0];
    return { outcome: 'refused', status: 207, code: first?.subCategory ?? first?.category ?? 'BATCH_ERROR', message: first?.message ?? 'The server refused the change' };
  }
  return outcomeOf(reply);
}

/**
 * Sends one operation to the server (X4). Every request carries `Idempotency-Key`: the operation's
 * id for its first request, and `<opId>:<n>` for the n-th follow-up of a multi-request operation
 * (logging an email, then associating it with further records), so each request is applied once
 * however often the operation is sent. Never throws: an unreachable server is `retry`.
 */
export async function sendOperation(op: Operation, connection: Connection, fetchImpl?: FetchLike): Promise<SendResult> {
  try {
    return await run(op, (method, path, body, step) =>
      request(connection, method, path, { ...(body !== undefined ? { body } : {}), idempotencyKey: step === 0 ? op.opId : `${op.opId}:${step}`, ...(fetchImpl ? { fetch: fetchImpl } : {}) }),
    );
  } catch (err) {
    return { outcome: 'retry', reason: `Cannot reach ${connection.server}: ${err instanceof Error ? err.message : String(err)}` };
  }
}
