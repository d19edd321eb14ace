import { expect } from 'vitest';
import type { PropertyCreate } from '../../shared/properties.ts';

type Call = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>;

/** The group a property of this type goes in when the test does not say: HubSpot's main group of the type. */
const MAIN_GROUP: Record<string, string> = {
  contacts: 'contactinformation',
  companies: 'companyinformation',
  deals: 'dealinformation',
  tickets: 'ticketinformation',
  emails: 'emailinformation',
  calls: 'callinformation',
  meetings: 'meetinginformation',
  notes: 'noteinformation',
  tasks: 'taskinformation',
};

/** A property as a test writes it: a name and a type; the rest HubSpot's usual defaults. */
export type TestProperty = { name: string; type?: PropertyCreate['type'] } & Partial<PropertyCreate>;

const FIELD: Record<string, PropertyCreate['fieldType']> = { string: 'text', number: 'number', date: 'date', datetime: 'date', bool: 'booleancheckbox', enumeration: 'select', phone_number: 'phonenumber' };

/**
 * Defines properties of a standard object type through the Properties API (batch/create), as a
 * workspace would before writing them: a record write naming an undefined property is refused.
 */
export async function defineProperties(call: Call, objectType: string, list: TestProperty[]): Promise<void> {
  const inputs = list.map((p) => {
    const type = p.type ?? 'string';
    return { label: p.name, groupName: MAIN_GROUP[objectType] ?? `${objectType}_information`, fieldType: FIELD[type]!, ...p, type };
  });
  const r = await call('POST', `/crm/v3/properties/${objectType}/batch/create`, { inputs });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
}
