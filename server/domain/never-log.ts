import { COMPANY, CONTACT, EMAIL } from '../../shared/objects.ts';
import { neverLogMatch } from '../../shared/never-log.ts';
import type { WorkspaceSettings } from '../../shared/workspace.ts';
import type { DbOrTx } from '../db/client.ts';
import { ApiError } from '../errors.ts';
import { headerAddresses } from './email-headers.ts';
import type { ObjectType } from './object-types.ts';
import { findRecords } from './records.ts';

/** The properties of a logged email that hold addresses (HubSpot's names); lists are split on `;`, `,` and spaces. */
const ADDRESS_PROPERTIES = ['hs_email_from_email', 'hs_email_to_email', 'hs_email_cc_email', 'hs_email_bcc_email', 'hs_email_sender_email'] as const;

/** The addresses an email's properties name. */
export function emailAddressesOf(properties: Record<string, string | null | undefined>): string[] {
  const listed = ADDRESS_PROPERTIES.flatMap((p) => (properties[p] ?? '').split(/[;,\s]+/));
  const h = headerAddresses(properties.hs_email_headers);
  return [...listed, ...(h ? [...h.from, ...h.to, ...h.cc, ...h.bcc] : [])].filter((a) => a.includes('@'));
}

/** What a record adds to the check: a contact its email, a company its domain (as any address of it). */
export function addressOfRecord(typeId: string, properties: Record<string, string | null>): string | null {
  if (typeId === CONTACT) return properties.email ?? null;
  if (typeId === COMPANY && properties.domain) return `@${properties.domain}`;
  return null;
}

/**
 * B8: refuses an email logging (400 NEVER_LOGGED) when the workspace's never-log list covers one
 * of its addresses: the record it is logged on or associated with (a contact's email, a company's
 * domain) or an address the email names. The answer names the address and the entry; nothing is
 * written (callers check before they write).
 */
export function assertMayLog(settings: WorkspaceSettings, addresses: ReadonlyArray<string | null>, where: string): void {
  const list = settings.neverLogAddresses ?? [];
  if (list.length === 0) return;
  for (const address of addresses) {
    if (!address) continue;
    const entry = neverLogMatch(address, list);
    if (entry === null) continue;
    const shown = address.startsWith('@') ? address.slice(1) : address;
    throw new ApiError('NEVER_LOGGED', `Email with ${shown} is never logged in this workspace (never-log entry "${entry}"); nothing was written`, {
      errors: [{ message: 'on the workspace never-log list', in: where, context: { address: [shown], entry: [entry] } }],
    });
  }
}

/**
 * B8 on the association routes: associating a logged email with a contact or company the
 * never-log list covers is logging that email there, and is refused the same way. Other pairs,
 * and records that do not exist (the association answers that), pass.
 */
export async function assertMayLogBetween(
  db: DbOrTx,
  workspaceId: string,
  settings: WorkspaceSettings,
  from: { type: ObjectType; id: number },
  to: { type: ObjectType; id: number },
): Promise<void> {
  if ((settings.neverLogAddresses ?? []).length === 0) return;
  const [email, other, where] = from.type.typeId === EMAIL ? [from, to, 'path:toId'] : to.type.typeId === EMAIL ? [to, from, 'path:fromId'] : [null, null, ''];
  if (!email || !other || (other.type.typeId !== CONTACT && other.type.typeId !== COMPANY)) return;
  const row = (await findRecords(db, workspaceId, other.type, [other.id])).get(String(other.id));
  if (row) assertMayLog(settings, [addressOfRecord(row.typeId, row.properties)], where);
}
