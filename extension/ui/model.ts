import type { CompanionThreadResponse } from '../../shared/companion.ts';
import type { Participant } from '../mail/types.ts';
import type { PendingChange } from '../messaging.ts';
import { reasonText } from '../notice.ts';
import type { Operation, PENDING_PREFIX as PendingPrefix, RecordRef } from '../outbox/operation.ts';

/** What the sidebar builds operations from: pure functions of the view and the outbox. */

// the outbox's prefix, by type only: importing its value would bring zod into the content script
const PENDING_PREFIX: typeof PendingPrefix = 'pending:';

export type NewOp<K extends Operation['kind']> = Omit<Extract<Operation, { kind: K }>, 'opId' | 'createdAt'>;

export function makeOp<K extends Operation['kind']>(fields: NewOp<K>): Operation {
  return { opId: crypto.randomUUID(), createdAt: Date.now(), ...fields } as unknown as Operation;
}

export const refKey = (ref: { objectType: string; id: string }) => `${ref.objectType}:${ref.id}`;

/** A display name split the way HubSpot stores it: the last word is the last name. */
export function splitName(name: string): { firstname?: string; lastname?: string } {
  const words = name.trim().replace(/^"|"$/g, '').split(/\s+/).filter(Boolean);
  if (words.length === 0) return {};
  if (words.length === 1) return { firstname: words[0]! };
  return { firstname: words.slice(0, -1).join(' '), lastname: words[words.length - 1]! };
}

/** The createContact change for an address still in the outbox (pending, or refused). */
export function creationOf(email: string, changes: readonly PendingChange[]): PendingChange | undefined {
  return changes.find((c) => c.op.kind === 'createContact' && c.op.email.toLowerCase() === email.toLowerCase());
}

/**
 * The contact of each participant as an operation can refer to it: the server's id, or
 * `pending:<opId>` while its creation waits in the outbox. Participants with neither are left out.
 */
export function contactRefs(participants: readonly Participant[], view: CompanionThreadResponse | null, changes: readonly PendingChange[]): Map<string, RecordRef> {
  const out = new Map<string, RecordRef>();
  for (const p of participants) {
    const known = view?.participants.find((vp) => vp.email === p.email)?.contact;
    if (known) {
      out.set(p.email, { objectType: 'contacts', id: known.id });
      continue;
    }
    const creation = creationOf(p.email, changes);
    if (creation && creation.state !== 'refused') out.set(p.email, { objectType: 'contacts', id: `${PENDING_PREFIX}${creation.opId}` });
  }
  return out;
}

/** Changes in the outbox that touch a record (as `to` of an association, or as what an email is logged on). */
export function changesFor(ref: RecordRef, changes: readonly PendingChange[]): PendingChange[] {
  const key = refKey(ref);
  return changes.filter((c) => {
    const op = c.op;
    if (op.kind === 'associate' || op.kind === 'remove' || op.kind === 'removeLabels') return refKey(op.to) === key;
    return false;
  });
}

/** The state of a set of changes as one word: refused wins, then pending; null when none. The reason in the language shown now (call it while rendering). */
export function stateOf(changes: readonly PendingChange[]): { state: 'pending' | 'refused'; message?: string } | null {
  const refused = changes.find((c) => c.state === 'refused');
  const message = refused && reasonText(refused);
  if (refused) return { state: 'refused', ...(message ? { message } : {}) };
  return changes.length ? { state: 'pending' } : null;
}
