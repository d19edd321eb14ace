import { z } from 'zod';
import { associationSpec } from './association-types.ts';

// HubSpot CRM v3 objects and schemas: request and response bodies, field for field.

/** HubSpot stores every property as a string; numbers and booleans are accepted and stored as strings, null clears. */
export const propertyValue = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export const propertiesInput = z
  .record(z.string(), propertyValue)
  .describe('Property values by internal name; a null or empty value clears the property');
export type PropertiesInput = z.infer<typeof propertiesInput>;

/** A record id as clients send it: HubSpot's clients send strings, hand-written calls often numbers. */
export const recordIdInput = z.union([z.string().min(1).max(400), z.number().int().nonnegative()]);

/** One association made while creating a record (HubSpot's PublicAssociationsForObject). */
export const associationForCreate = z.object({
  to: z.object({ id: recordIdInput }),
  types: z.array(associationSpec).max(100).describe('Association types seen from the new record; empty means the default unlabeled type'),
});
export type AssociationForCreate = z.infer<typeof associationForCreate>;

export const createRecordBody = z.object({
  properties: propertiesInput,
  associations: z.array(associationForCreate).max(1000).optional(),
});
export type CreateRecordBody = z.infer<typeof createRecordBody>;

/**
 * The `context` of the 409 CONFLICT that creating a contact whose email exists answers (HubSpot's
 * "Contact already exists. Existing ID: <id>"): the existing contact's id, for a client that
 * wanted that contact anyway.
 */
export const duplicateContactContext = z.object({ id: z.tuple([z.string().regex(/^\d+$/)]) });
export type DuplicateContactContext = z.infer<typeof duplicateContactContext>;

export const updateRecordBody = z.object({ properties: propertiesInput });

/** Record reads: `properties` and `associations` may be repeated or comma-separated. */
const stringList = z.union([z.string(), z.array(z.string())]);
const booleanParam = z.enum(['true', 'false']);
export const readRecordQuery = z.object({
  properties: stringList.optional().describe('Properties to return (comma-separated or repeated)'),
  propertiesWithHistory: stringList.optional().describe('Properties to return with every value they took, newest first (comma-separated or repeated); at most 50 records per request then'),
  associations: stringList.optional().describe('Object types whose associated record ids to return'),
  archived: booleanParam.optional().describe('true: only archived records'),
  idProperty: z.string().max(100).optional().describe('A unique property to look the record up by: `email` (contacts), `domain` (companies)'),
});
export const listRecordsQuery = readRecordQuery.omit({ idProperty: true }).extend({
  limit: z.string().regex(/^\d+$/, 'must be a whole number').optional().describe('Page size, at most 100 (default 10)'),
  after: z.string().max(100).optional().describe('Cursor from `paging.next.after`'),
});
export const updateRecordQuery = z.object({ idProperty: z.string().max(100).optional() });
export const objectTypeParam = z.object({ objectType: z.string().min(1).max(100) });
export const recordParam = objectTypeParam.extend({ id: z.string().min(1).max(400) });

export const batchCreateBody = z.object({
  inputs: z.array(
    z.object({
      properties: propertiesInput,
      associations: z.array(associationForCreate).max(1000).optional(),
      objectWriteTraceId: z.string().optional(),
    }),
  ),
});
export const batchReadBody = z.object({
  inputs: z.array(z.object({ id: recordIdInput })),
  properties: z.array(z.string()).optional(),
  propertiesWithHistory: z.array(z.string()).optional().describe('Properties to return with every value they took, newest first; at most 50 inputs then'),
  idProperty: z.string().max(100).optional(),
});
export const batchReadQuery = z.object({ archived: booleanParam.optional() });
export const batchUpdateBody = z.object({
  inputs: z.array(
    z.object({ id: recordIdInput, properties: propertiesInput, idProperty: z.string().max(100).optional(), objectWriteTraceId: z.string().optional() }),
  ),
});
/** HubSpot's BatchInputSimplePublicObjectBatchInputUpsert: `id` is the value of `idProperty` (hs_object_id when absent). */
export const batchUpsertBody = z.object({
  inputs: z.array(
    z.object({
      id: z.string().min(1).max(400).describe('The value of idProperty that names the record'),
      idProperty: z.string().max(100).optional().describe('hs_object_id, email (contacts), domain (companies) or a unique property of a custom object'),
      properties: propertiesInput,
      objectWriteTraceId: z.string().optional(),
    }),
  ),
});
export const batchArchiveBody = z.object({ inputs: z.array(z.object({ id: recordIdInput })) });

export const filterOperator = z.enum([
  'EQ', 'NEQ', 'LT', 'LTE', 'GT', 'GTE', 'BETWEEN', 'IN', 'NOT_IN', 'HAS_PROPERTY', 'NOT_HAS_PROPERTY', 'CONTAINS_TOKEN', 'NOT_CONTAINS_TOKEN',
]);
export type FilterOperator = z.infer<typeof filterOperator>;
const scalar = z.union([z.string(), z.number(), z.boolean()]);
export const searchFilter = z.object({
  propertyName: z.string().min(1).max(100),
  operator: filterOperator,
  value: scalar.optional(),
  highValue: scalar.optional(),
  values: z.array(scalar).max(1000).optional(),
});
export type SearchFilter = z.infer<typeof searchFilter>;
export const searchSort = z.union([
  z.string().min(1).max(101).describe('`createdate` ascending, `-createdate` descending'),
  z.object({ propertyName: z.string().min(1).max(100), direction: z.enum(['ASCENDING', 'DESCENDING']).optional() }),
]);
export const searchBody = z.object({
  filterGroups: z.array(z.object({ filters: z.array(searchFilter) })).optional(),
  query: z.string().max(3000).optional(),
  sorts: z.array(searchSort).max(5).optional(),
  properties: z.array(z.string()).max(1000).optional(),
  limit: z.number().int().min(0).max(200).optional(),
  after: z.union([z.string().max(20), z.number().int().nonnegative()]).optional(),
});
export type SearchBody = z.infer<typeof searchBody>;

/** HubSpot's SimplePublicObject (dates as ISO strings). */
/** One value a property took (HubSpot's ValueWithTimestamp): "" is a cleared value. */
export const valueWithTimestamp = z.object({
  value: z.string(),
  timestamp: z.string().describe('When the value was written (ISO 8601)'),
  sourceType: z.string().describe('Where the write came from: CRM_UI (a user), API (an app token), IMPORT, MERGE_OBJECTS, RESTORE_OBJECTS, AUTOMATION_PLATFORM (a rule), MIGRATION, UNKNOWN (before the change history)'),
  sourceId: z.string().optional().describe('`userId:<id>` for a user, the token id for an app'),
  sourceLabel: z.string().optional().describe("The app token's name"),
  updatedByUserId: z.number().int().optional(),
});
export type ValueWithTimestamp = z.infer<typeof valueWithTimestamp>;

export const simplePublicObject = z.object({
  id: z.string(),
  properties: z.record(z.string(), z.string().nullable()),
  createdAt: z.string(),
  updatedAt: z.string(),
  archived: z.boolean(),
  archivedAt: z.string().optional(),
  associations: z.record(z.string(), z.object({ results: z.array(z.object({ id: z.string(), type: z.string() })) })).optional(),
  propertiesWithHistory: z.record(z.string(), z.array(valueWithTimestamp)).optional().describe('With `propertiesWithHistory`: each asked property that has or had a value, its values newest first'),
});
export type SimplePublicObject = z.infer<typeof simplePublicObject>;

export const nextPage = z.object({ next: z.object({ after: z.string(), link: z.string().optional() }) });
export const recordPage = z.object({ results: z.array(simplePublicObject), paging: nextPage.optional() });
export const searchResult = recordPage.extend({ total: z.number() });

/** A per-input failure in a batch answer (HubSpot's StandardError). */
export const batchError = z.object({
  status: z.literal('error'),
  category: z.string(),
  subCategory: z.string().optional(),
  message: z.string(),
  context: z.record(z.string(), z.array(z.string())),
  errors: z.array(z.object({ message: z.string(), in: z.string().optional(), code: z.string().optional() })),
  links: z.record(z.string(), z.string()),
});
export type BatchError = z.infer<typeof batchError>;
export const batchResult = z.object({
  status: z.literal('COMPLETE'),
  results: z.array(simplePublicObject),
  startedAt: z.string(),
  completedAt: z.string(),
  numErrors: z.number().optional(),
  errors: z.array(batchError).optional(),
});
/** HubSpot's BatchResponseSimplePublicUpsertObject: each result says whether it was created. */
export const batchUpsertResult = batchResult.extend({ results: z.array(simplePublicObject.extend({ new: z.boolean() })) });

// Custom object schemas (HubSpot's ObjectSchemaEgg, ObjectTypeDefinitionPatch, ObjectSchema).

export const internalName = z.string().regex(/^[a-z][a-z0-9_]*$/i, 'must start with a letter and hold only letters, digits and _').max(100);
export const propertyType = z.enum(['string', 'number', 'date', 'datetime', 'enumeration', 'bool']);
export const schemaLabels = z.object({ singular: z.string().trim().min(1).max(100), plural: z.string().trim().min(1).max(100) });
export const schemaPropertyCreate = z.object({
  name: internalName,
  label: z.string().trim().min(1).max(200),
  type: propertyType,
  fieldType: z.string().min(1).max(50),
  description: z.string().max(1000).optional(),
  groupName: z.string().max(100).optional(),
  options: z
    .array(z.object({ label: z.string().min(1).max(200), value: z.string().min(1).max(200), hidden: z.boolean().optional(), displayOrder: z.number().optional(), description: z.string().optional() }))
    .max(5000)
    .optional(),
  hasUniqueValue: z.boolean().optional(),
  hidden: z.boolean().optional(),
  displayOrder: z.number().optional(),
  formField: z.boolean().optional(),
});
export const objectSchemaEgg = z.object({
  name: internalName,
  labels: schemaLabels,
  description: z.string().max(1000).optional(),
  primaryDisplayProperty: z.string().max(100).optional(),
  secondaryDisplayProperties: z.array(z.string()).max(10).optional(),
  searchableProperties: z.array(z.string()).max(100).optional(),
  requiredProperties: z.array(z.string()).max(1000).default([]),
  properties: z.array(schemaPropertyCreate).min(1).max(1000),
  associatedObjects: z.array(z.string().max(100)).max(100).default([]),
});
export type ObjectSchemaEgg = z.infer<typeof objectSchemaEgg>;
export const objectSchemaPatch = z.object({
  labels: schemaLabels.partial().optional(),
  description: z.string().max(1000).optional(),
  clearDescription: z.boolean().optional(),
  primaryDisplayProperty: z.string().max(100).optional(),
  secondaryDisplayProperties: z.array(z.string()).max(10).optional(),
  searchableProperties: z.array(z.string()).max(100).optional(),
  requiredProperties: z.array(z.string()).max(1000).optional(),
  restorable: z.boolean().optional(),
});
export type ObjectSchemaPatch = z.infer<typeof objectSchemaPatch>;
export const schemaListQuery = z.object({ archived: booleanParam.optional() });

export const schemaPropertyView = z.object({
  name: z.string(),
  label: z.string(),
  type: z.string(),
  fieldType: z.string(),
  description: z.string(),
  groupName: z.string(),
  options: z.array(z.object({ label: z.string(), value: z.string(), hidden: z.boolean(), displayOrder: z.number() })),
  displayOrder: z.number(),
  hidden: z.boolean(),
  hasUniqueValue: z.boolean(),
  formField: z.boolean(),
  calculated: z.boolean(),
  externalOptions: z.boolean(),
  hubspotDefined: z.boolean(),
  archived: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
  modificationMetadata: z.object({ archivable: z.boolean(), readOnlyDefinition: z.boolean(), readOnlyValue: z.boolean() }),
});
export const objectSchemaView = z.object({
  id: z.string(),
  objectTypeId: z.string(),
  fullyQualifiedName: z.string(),
  name: z.string(),
  labels: z.object({ singular: z.string(), plural: z.string() }),
  description: z.string().optional(),
  properties: z.array(schemaPropertyView),
  requiredProperties: z.array(z.string()),
  searchableProperties: z.array(z.string()),
  primaryDisplayProperty: z.string(),
  secondaryDisplayProperties: z.array(z.string()),
  associations: z.array(z.object({ id: z.string(), fromObjectTypeId: z.string(), toObjectTypeId: z.string(), name: z.string().optional() })),
  createdAt: z.string(),
  updatedAt: z.string(),
  archived: z.boolean(),
});

/** `GET /crm/v3/schemas`: the workspace's custom object types. */
export const objectSchemaList = z.object({ results: z.array(objectSchemaView) });
export type ObjectSchemaView = z.infer<typeof objectSchemaView>;
/** HubSpot's AssociationDefinitionEgg: a new association between a custom object and another type. */
export const associationDefinitionEgg = z.object({
  fromObjectTypeId: z.string().min(1).max(100).describe('The custom object of the path (type id or name)'),
  toObjectTypeId: z.string().min(1).max(100).describe('The other object type (type id or name)'),
  name: z.string().regex(/^[A-Za-z0-9_]{1,100}$/, 'must be 1 to 100 letters, digits or underscores').optional().describe('A name unique in the workspace'),
});
export const associationDefinitionView = z.object({
  id: z.string(),
  fromObjectTypeId: z.string(),
  toObjectTypeId: z.string(),
  name: z.string().optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type AssociationDefinitionView = z.infer<typeof associationDefinitionView>;
export const associationDefinitionPath = z.object({
  objectType: z.string().min(1).max(100),
  associationIdentifier: z.string().regex(/^\d{1,9}$/, 'must be an association type id'),
});
/** HubSpot's ObjectSchemaBatchReadRequest. */
export const schemaBatchReadBody = z.object({
  inputs: z.array(z.string().min(1).max(100)).max(100),
  includePropertyDefinitions: z.boolean().optional().describe('Default true'),
  includeAssociationDefinitions: z.boolean().optional().describe('Default true'),
  includeAuditMetadata: z.boolean().optional().describe('Accepted; createdAt and updatedAt are always answered'),
});

/**
 * A company domain as we store it (R17, R18): lower case, without scheme, `www.`, port, path or
 * trailing dot, and an internationalized name in its ASCII (punycode) form, so `bücher.de` typed
 * into a company and `jan@bücher.de` on a contact meet. `https://www.Acme.com/about` → `acme.com`.
 * Answers null when it is not a domain.
 */
export function normalizeDomain(input: string): string | null {
  let d = input.trim().toLowerCase();
  d = d.replace(/^[a-z][a-z0-9+.-]*:\/\//, '');
  d = d.split(/[/?#]/, 1)[0] ?? '';
  d = d.replace(/^[^@]*@/, '').replace(/:\d+$/, '').replace(/\.$/, '');
  d = asciiHost(d) ?? '';
  if (d.startsWith('www.')) d = d.slice(4);
  return isDomainName(d) ? d : null;
}

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
/** Two or more labels, the last one starting with a letter (so never an IP address). */
const DOMAIN_NAME = new RegExp(`^(?:${LABEL}\\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$`);

/** A lower-case ASCII domain name. */
function isDomainName(d: string): boolean {
  return d.length <= 253 && DOMAIN_NAME.test(d);
}

/**
 * A host name in ASCII: as it is when it is ASCII already, else its form by the URL standard's
 * IDNA rules (`bücher.de` → `xn--bcher-kva.de`); null when it has none.
 */
function asciiHost(host: string): string | null {
  if (!/[^\x00-\x7f]/.test(host)) return host;
  try {
    return new URL(`http://${host}/`).hostname;
  } catch {
    return null;
  }
}

const emailAddress = z.email();
/**
 * A contact's email as we store it: trimmed, lower case, and an internationalized domain in its
 * ASCII form (`jan@bücher.de` → `jan@xn--bcher-kva.de`, the form its company's domain has).
 * Answers null when it is not an address.
 */
export function normalizeEmail(input: string): string | null {
  const e = input.trim().toLowerCase();
  const at = e.lastIndexOf('@');
  if (at < 1) return null;
  const local = e.slice(0, at);
  const domain = asciiHost(e.slice(at + 1));
  if (!domain || !isDomainName(domain)) return null;
  const out = `${local}@${domain}`;
  // the part before the @ by the email rules of the API's schemas
  return out.length <= 254 && emailAddress.safeParse(`${local}@example.com`).success ? out : null;
}
