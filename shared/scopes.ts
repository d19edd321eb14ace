import { z } from 'zod';
import { standardObject } from './objects.ts';

/**
 * The scopes an app token can be given at creation: HubSpot's own scope names, so an app made for
 * HubSpot asks for the same ones here. Activities (emails, calls, notes, meetings, tasks) need the
 * contact scopes, as HubSpot's engagement APIs do. docs/security.md has the table of routes.
 */
export const appScope = z.enum([
  'crm.objects.contacts.read',
  'crm.objects.contacts.write',
  'crm.objects.companies.read',
  'crm.objects.companies.write',
  'crm.objects.deals.read',
  'crm.objects.deals.write',
  'crm.objects.tickets.read',
  'crm.objects.tickets.write',
  'crm.objects.custom.read',
  'crm.objects.custom.write',
  'crm.schemas.contacts.read',
  'crm.schemas.contacts.write',
  'crm.schemas.companies.read',
  'crm.schemas.companies.write',
  'crm.schemas.deals.read',
  'crm.schemas.deals.write',
  'crm.schemas.tickets.read',
  'crm.schemas.tickets.write',
  'crm.schemas.custom.read',
  'crm.schemas.custom.write',
  'crm.objects.owners.read',
  'crm.import',
]);
export type AppScope = z.infer<typeof appScope>;

type ScopeObject = 'contacts' | 'companies' | 'deals' | 'tickets' | 'custom';

/** Which scope family an object type (name or type id, as in a path) belongs to. */
export function scopeObjectOf(objectType: string): ScopeObject {
  const standard = standardObject(objectType);
  if (!standard) return 'custom';
  if (standard.activity) return 'contacts';
  return standard.name as Exclude<ScopeObject, 'custom'>;
}

export function objectScope(objectType: string, access: 'read' | 'write'): AppScope {
  return `crm.objects.${scopeObjectOf(objectType)}.${access}` as AppScope;
}

/** HubSpot's schema scope of an object type (`crm.schemas.deals.write`): changing its properties. */
export function schemaScope(objectType: string, access: 'read' | 'write'): AppScope {
  return `crm.schemas.${scopeObjectOf(objectType)}.${access}` as AppScope;
}

/** Every object read scope: what reading the whole change feed needs. */
export const ALL_OBJECT_READ_SCOPES: AppScope[] = (['contacts', 'companies', 'deals', 'tickets', 'custom'] as const).map((o) => `crm.objects.${o}.read` as AppScope);
