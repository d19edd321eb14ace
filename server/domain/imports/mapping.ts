import { COMPANY, CONTACT, DEAL, TICKET } from '../../../shared/objects.ts';
import type { ImportMode } from '../../../shared/imports.ts';
import type { DbOrTx } from '../../db/client.ts';
import { ApiError } from '../../errors.ts';
import { type ObjectType, resolveObjectType } from '../object-types.ts';
import { PROPERTY_NAME } from '../record-properties.ts';

/**
 * Column mapping of an import: each header becomes a target without configuration when it is one
 * of HubSpot's usual import headers or `objectType.property`; `columnMapping` overrides any header.
 * Stored targets: `prop:<typeId>:<property>`, `assoc:<typeId>:<hs_object_id|email|domain>`, `label`.
 */

const MAIN = '$';
/** HubSpot's usual import headers (lower case) → `<objectType>.<property>`; `$` is the file's own object. */
const HUBSPOT_HEADERS: Record<string, string> = {
  'record id': `${MAIN}.hs_object_id`,
  email: 'contacts.email',
  'email address': 'contacts.email',
  'first name': 'contacts.firstname',
  'last name': 'contacts.lastname',
  'phone number': `${MAIN}.phone`,
  'mobile phone number': 'contacts.mobilephone',
  'job title': 'contacts.jobtitle',
  'lifecycle stage': `${MAIN}.lifecyclestage`,
  'contact owner': `${MAIN}.hubspot_owner_id`,
  'street address': `${MAIN}.address`,
  city: `${MAIN}.city`,
  'state/region': `${MAIN}.state`,
  'postal code': `${MAIN}.zip`,
  'country/region': `${MAIN}.country`,
  'company name': 'companies.name',
  'company domain name': 'companies.domain',
  'website url': 'companies.website',
  industry: 'companies.industry',
  'number of employees': 'companies.numberofemployees',
  'annual revenue': 'companies.annualrevenue',
  'deal name': 'deals.dealname',
  'deal stage': 'deals.dealstage',
  pipeline: `${MAIN}.pipeline`,
  amount: 'deals.amount',
  'close date': 'deals.closedate',
  'ticket name': 'tickets.subject',
  'ticket status': 'tickets.hs_pipeline_stage',
  'association label': 'association_label',
  'association labels': 'association_label',
  association_label: 'association_label',
  'associated company ids': 'associations.companies.hs_object_id',
  'associated company id': 'associations.companies.hs_object_id',
  'company record id': 'associations.companies.hs_object_id',
  'associated contact ids': 'associations.contacts.hs_object_id',
  'associated contact id': 'associations.contacts.hs_object_id',
  'contact record id': 'associations.contacts.hs_object_id',
  'associated deal ids': 'associations.deals.hs_object_id',
  'associated deal id': 'associations.deals.hs_object_id',
  'deal record id': 'associations.deals.hs_object_id',
  'associated ticket ids': 'associations.tickets.hs_object_id',
  'associated ticket id': 'associations.tickets.hs_object_id',
  'ticket record id': 'associations.tickets.hs_object_id',
  'associated contact email': 'associations.contacts.email',
  'associated company domain': 'associations.companies.domain',
};

/** The unique properties a record of a type can be found by (R17). */
export function keysOf(typeId: string): Array<'hs_object_id' | 'email' | 'domain'> {
  if (typeId === CONTACT) return ['hs_object_id', 'email'];
  if (typeId === COMPANY) return ['hs_object_id', 'domain'];
  return ['hs_object_id'];
}

/** Columns a new record of a type needs one of (HubSpot's import requirements). */
export function creationColumns(type: ObjectType): string[][] {
  switch (type.typeId) {
    case CONTACT:
      return [['email', 'firstname', 'lastname']];
    case COMPANY:
      return [['name', 'domain']];
    case DEAL:
      return [['dealname']];
    case TICKET:
      return [['subject']];
    default:
      return (type.definition?.requiredProperties ?? []).map((p) => [p]);
  }
}

export interface ResolvedColumns {
  columns: Array<string | null>;
  main: ObjectType;
  second: ObjectType | undefined;
  /** Other object types rows associate with by id, email or domain. */
  linked: ObjectType[];
}

function fail(code: 'UNKNOWN_COLUMN' | 'DUPLICATE_COLUMN' | 'MISSING_REQUIRED_COLUMN' | 'VALIDATION_ERROR', message: string, where: string): never {
  throw new ApiError(code, message, { errors: [{ message, in: where, code }] });
}

/** A header turned into an internal property name: `Favourite Colour` → `favourite_colour`. */
function propertyNameOf(header: string): string {
  return header.trim().toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '');
}

/**
 * Resolves every column of a header to its target, or refuses the file with the column named:
 * a header that appears twice (or two headers with one target), an unknown object type, a third
 * object, a property a custom object does not have, a missing required column.
 */
export async function resolveColumns(db: DbOrTx, workspaceId: string, header: string[], options: { objectType: string; mode: ImportMode; columnMapping?: Record<string, string | null> | undefined; withObjectType?: string | undefined }): Promise<ResolvedColumns> {
  const main = await resolveObjectType(db, workspaceId, options.objectType);
  const mapping = new Map(Object.entries(options.columnMapping ?? {}).map(([k, v]) => [k.trim().toLowerCase(), v]));
  const known = new Set(mapping.keys());
  const typeOf = async (ref: string, where: string) => {
    if (ref === MAIN) return main;
    try {
      return await resolveObjectType(db, workspaceId, ref);
    } catch {
      return fail('UNKNOWN_COLUMN', `${where}: ${ref} is not an object type`, where);
    }
  };
  const seenHeader = new Map<string, number>();
  const seenTarget = new Map<string, number>();
  const columns: Array<string | null> = [];
  const where = (i: number) => `column ${i + 1} ("${header[i]}")`;
  for (const [i, raw] of header.entries()) {
    const name = raw.trim().toLowerCase();
    known.delete(name);
    const mapped = mapping.has(name) ? mapping.get(name)! : undefined;
    if (mapped === null || mapped === '' || (mapped === undefined && name === '')) {
      columns.push(null);
      continue;
    }
    const earlier = seenHeader.get(name);
    if (earlier !== undefined) fail('DUPLICATE_COLUMN', `The header "${raw.trim()}" appears twice: columns ${earlier + 1} and ${i + 1}. Rename one, or ignore it with columnMapping`, where(i));
    seenHeader.set(name, i);
    const spec = mapped ?? HUBSPOT_HEADERS[name] ?? (/^[^.\s]+\.[^.\s]+$/.test(name) || /^associations\.[^.\s]+\.[^.\s]+$/.test(name) ? raw.trim() : `${MAIN}.${propertyNameOf(raw)}`);
    let target: string;
    if (spec.toLowerCase() === 'association_label') target = 'label';
    else if (spec.toLowerCase().startsWith('associations.')) {
      const [, ref = '', by = ''] = spec.split('.');
      const type = await typeOf(ref, where(i));
      if (!(keysOf(type.typeId) as string[]).includes(by)) fail('UNKNOWN_COLUMN', `${where(i)}: ${type.name} records are found by ${keysOf(type.typeId).join(' or ')}, not ${by}`, where(i));
      target = `assoc:${type.typeId}:${by}`;
    } else {
      const dot = spec.indexOf('.');
      const ref = spec.slice(0, dot);
      const property = spec.slice(dot + 1);
      const type = await typeOf(ref, where(i));
      if (!PROPERTY_NAME.test(property) || property.length > 100) fail('UNKNOWN_COLUMN', `${where(i)}: "${property}" is not a property name; map the column with columnMapping`, where(i));
      if (property !== 'hs_object_id' && !type.properties.has(property)) {
        fail('UNKNOWN_COLUMN', `${where(i)}: ${property} is not a property of ${type.name}; map the column with columnMapping or set it to null to ignore it`, where(i));
      }
      target = `prop:${type.typeId}:${property}`;
    }
    const twice = seenTarget.get(target);
    if (twice !== undefined) fail('DUPLICATE_COLUMN', `Columns ${twice + 1} ("${header[twice]}") and ${i + 1} ("${raw}") both map to ${spec}`, where(i));
    seenTarget.set(target, i);
    columns.push(target);
  }
  if (known.size > 0) fail('VALIDATION_ERROR', `columnMapping names headers the file does not have: ${[...known].join(', ')}`, 'options.columnMapping');

  // other object types: the second object, or (only a Record ID column) existing records to associate
  const byType = new Map<string, number[]>();
  columns.forEach((t, i) => {
    if (t?.startsWith('prop:')) {
      const typeId = t.split(':')[1]!;
      if (typeId !== main.typeId) byType.set(typeId, [...(byType.get(typeId) ?? []), i]);
    }
  });
  const withType = options.withObjectType ? await typeOf(options.withObjectType, 'options.withObjectType') : undefined;
  let second: ObjectType | undefined;
  for (const [typeId, idx] of byType) {
    const onlyId = idx.every((i) => columns[i]!.endsWith(':hs_object_id'));
    if (onlyId && typeId !== withType?.typeId) {
      for (const i of idx) columns[i] = `assoc:${typeId}:hs_object_id`;
      continue;
    }
    if (second) fail('VALIDATION_ERROR', `A file holds one or two objects; these columns add a third: ${idx.map((i) => `"${header[i]}"`).join(', ')}`, where(idx[0]!));
    second = await typeOf(typeId, where(idx[0]!));
  }
  if (withType && second?.typeId !== withType.typeId) fail('MISSING_REQUIRED_COLUMN', `withObjectType is ${withType.name}, but no column holds ${withType.name} properties (e.g. ${withType.name}.${keysOf(withType.typeId).at(-1)})`, 'options.withObjectType');
  const linked: ObjectType[] = [];
  for (const t of columns) {
    if (t?.startsWith('assoc:')) {
      const type = await typeOf(t.split(':')[1]!, 'columns');
      if (!linked.some((l) => l.typeId === type.typeId)) linked.push(type);
    }
  }

  const has = (type: ObjectType, property: string) => columns.includes(`prop:${type.typeId}:${property}`);
  const requireOne = (type: ObjectType, groups: string[][], why: string) => {
    for (const group of groups) {
      if (!group.some((p) => has(type, p))) {
        fail('MISSING_REQUIRED_COLUMN', `${why} needs a column of ${group.map((p) => `${type.name}.${p}`).join(' or ')}`, 'header');
      }
    }
  };
  if (options.mode === 'update') requireOne(main, [keysOf(main.typeId)], `Updating ${main.name}`);
  else requireOne(main, creationColumns(main), `Creating ${main.name}`);
  if (second) requireOne(second, [[...new Set([...keysOf(second.typeId).filter((k) => k !== 'hs_object_id'), ...creationColumns(second).flat()])]], `The ${second.name} of each row`);
  if (columns.includes('label') && !second && linked.length === 0) {
    fail('MISSING_REQUIRED_COLUMN', 'An Association Label column needs the other object in the file: its columns, or an associations column', 'header');
  }
  return { columns, main, second, linked };
}
