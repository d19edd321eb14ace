/**
 * HubSpot's standard object types and their lookups. No zod here: the companion's content script
 * uses these, and it ships without zod (its size budget); objects.ts adds the schema and
 * re-exports all of this.
 */

/** HubSpot's standard object types, by their public type ids. Activities are objects too. */
export const STANDARD_OBJECTS = [
  { typeId: '0-1', name: 'contacts', singular: 'contact', activity: false },
  { typeId: '0-2', name: 'companies', singular: 'company', activity: false },
  { typeId: '0-3', name: 'deals', singular: 'deal', activity: false },
  { typeId: '0-5', name: 'tickets', singular: 'ticket', activity: false },
  { typeId: '0-48', name: 'calls', singular: 'call', activity: true },
  { typeId: '0-49', name: 'emails', singular: 'email', activity: true },
  { typeId: '0-47', name: 'meetings', singular: 'meeting', activity: true },
  { typeId: '0-46', name: 'notes', singular: 'note', activity: true },
  { typeId: '0-27', name: 'tasks', singular: 'task', activity: true },
] as const;

export type StandardObject = (typeof STANDARD_OBJECTS)[number];
export type StandardObjectName = StandardObject['name'];

export const CONTACT = '0-1';
export const COMPANY = '0-2';
export const DEAL = '0-3';
export const TICKET = '0-5';
export const EMAIL = '0-49';

const byAlias = new Map<string, StandardObject>();
for (const o of STANDARD_OBJECTS) {
  byAlias.set(o.typeId, o);
  byAlias.set(o.name, o);
  byAlias.set(o.singular, o);
}

/** A standard object type by type id, plural or singular name (case-insensitive), or undefined. */
export function standardObject(nameOrId: string): StandardObject | undefined {
  return byAlias.get(nameOrId.toLowerCase());
}

export function standardObjectById(typeId: string): StandardObject | undefined {
  return byAlias.get(typeId);
}

/** Custom object type ids look like `2-123`. */
export const customTypeIdPattern = /^2-\d+$/;
