import { COMPANY, CONTACT, DEAL, TICKET } from './standard-objects.ts';

/**
 * A record's name, wherever one is shown or written down: history entries (R20), index columns
 * (R19), the companion's sidebar and search (X2, X3). One rule, so the same record never has two
 * names:
 * - contacts: first and last name, else the email address;
 * - companies: the name, else the domain;
 * - deals: the deal name; tickets: the subject, else the content;
 * - activities: the email's subject, the call's or meeting's title, the note's body, the task's subject;
 * - custom objects: their primary display property.
 * A value that is empty or only white space counts as missing, and a name never starts or ends
 * with white space. A record with none of these has no name (null): callers show its id.
 *
 * The database spells the same rule as `crm_record_name(type_id, properties, display_property)`
 * (migration 0015) for the statements that write names in bulk; test/record-name.test.ts keeps the
 * two giving the same answers.
 */

/** Per type, the candidates in order: a property, or properties joined by one space. */
const CANDIDATES: Readonly<Record<string, ReadonlyArray<string | readonly string[]>>> = {
  [CONTACT]: [['firstname', 'lastname'], 'email'],
  [COMPANY]: ['name', 'domain'],
  [DEAL]: ['dealname'],
  [TICKET]: ['subject', 'content'],
  '0-49': ['hs_email_subject'],
  '0-48': ['hs_call_title'],
  '0-47': ['hs_meeting_title'],
  '0-46': ['hs_note_body'],
  '0-27': ['hs_task_subject'],
};

type Properties = Readonly<Record<string, string | null | undefined>>;

/** A value as a name takes it: trimmed (JavaScript's white space, as the SQL function lists it), null when nothing is left. */
function present(value: string | null | undefined): string | null {
  const trimmed = value?.trim();
  return trimmed ? trimmed : null;
}

function candidatesOf(typeId: string, displayProperty: string | null | undefined): ReadonlyArray<string | readonly string[]> {
  return CANDIDATES[typeId] ?? (displayProperty ? [displayProperty] : []);
}

/** The name of a record of `typeId` with these properties; `displayProperty` is a custom object's primary display property. */
export function recordName(typeId: string, properties: Properties, displayProperty?: string | null): string | null {
  for (const candidate of candidatesOf(typeId, displayProperty)) {
    const value = typeof candidate === 'string' ? present(properties[candidate]) : present(candidate.map((p) => present(properties[p])).filter((v) => v !== null).join(' '));
    if (value !== null) return value;
  }
  return null;
}

/** The properties a record's name is made of: what a reader must ask for to show it. */
export function nameProperties(typeId: string, displayProperty?: string | null): string[] {
  return candidatesOf(typeId, displayProperty).flatMap((c) => (typeof c === 'string' ? [c] : [...c]));
}
