import { describe, expect, test } from 'vitest';
import { type Deviation, DEVIATIONS } from './fixtures/hubspot-openapi/deviations.ts';
import { useTestApp } from './helpers/app.ts';
import { Conformance, type DocOperation, loadDocument, toJsonSchema } from './helpers/openapi-conformance.ts';

/**
 * X5: every operation of HubSpot's published OpenAPI documents (test/fixtures/hubspot-openapi,
 * source in its README) run against the server, in an order that makes each request valid: the
 * request (path and query parameters, body) is checked against the document first, then the answer
 * must have a status the document lists and a body its schema accepts. Deliberate differences and
 * routes not built yet are in fixtures/hubspot-openapi/deviations.ts, and are checked to still
 * differ in exactly the known way.
 */

const FILES = [
  'contacts.json',
  'companies.json',
  'deals.json',
  'tickets.json',
  'emails.json',
  'associations.json',
  'associationsSchema.json',
  'schemas.json',
  'pipelines.json',
  'crmOwners.json',
  'properties.json',
  'imports.json',
];
const docs = FILES.map(loadDocument);
const conformance = new Conformance(docs);
const operations = new Map<string, DocOperation>(docs.flatMap((d) => d.operations.map((o) => [`${d.file} ${o.key}`, o] as const)));

/** The association schema's operations, also under the prefix HubSpot's client uses for them. */
const SCHEMA_PREFIX = '/crm/associations/v4';
const OTHER_SCHEMA_PREFIX = '/crm/v4/associations';

interface Request {
  params?: Record<string, string>;
  /** An array is sent as the document says (HubSpot's: the name repeated). */
  query?: Record<string, string | string[]>;
  body?: unknown;
  /** A multipart body: the document's form fields. */
  form?: Record<string, string | File>;
}

interface Step {
  doc: string;
  /** `METHOD /path` as the document has it. */
  op: string;
  /** Replaces the document's path prefix (the association schema's second prefix). */
  prefix?: [string, string];
  request: () => Request;
  /** What later steps need from the answer. */
  keep?: (body: any) => void;
}

interface Outcome {
  status: number;
  contentType: string | null;
  body: any;
}

// ids and names the steps make and use
const s: Record<string, string> = {};

// ------------------------------------------------------------------------------------------------
// objects v3: the same sequence for each standard object and an activity type
// ------------------------------------------------------------------------------------------------

interface ObjectSpec {
  doc: string;
  /** The path segment the document uses (`contacts`, `0-3`). */
  segment: string;
  idParam: string;
  properties: (n: number) => Record<string, string>;
  change: Record<string, string>;
  /** The upsert's `idProperty` and, for input n, its value (an id when the type has no unique property). */
  upsert: (n: number) => { idProperty: string; id: string; properties: Record<string, string> };
  merge: boolean;
  /** The create's associations (default none). */
  associations?: () => unknown[];
  /** Association types the single read asks for. */
  readAssociations?: string[];
}

const OBJECTS: ObjectSpec[] = [
  {
    doc: 'companies.json',
    segment: 'companies',
    idParam: 'companyId',
    properties: (n) => ({ name: `Conformance Co ${n}`, domain: `co${n}.conformance.example` }),
    change: { industry: 'COMPUTER_SOFTWARE' },
    upsert: (n) => ({ idProperty: 'domain', id: `upsert${n}.conformance.example`, properties: { name: `Upserted Co ${n}` } }),
    merge: true,
  },
  {
    doc: 'contacts.json',
    segment: 'contacts',
    idParam: 'contactId',
    properties: (n) => ({ email: `conformance${n}@conformance.example`, firstname: `Conformance ${n}`, lastname: 'Tester' }),
    change: { jobtitle: 'Engineer' },
    upsert: (n) => ({ idProperty: 'email', id: `upsert${n}@conformance.example`, properties: { firstname: `Upserted ${n}` } }),
    merge: true,
    // made with its company, read back with it (v3 associations in a record)
    associations: () => [{ to: { id: s['companies:0']! }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 279 }] }],
    readAssociations: ['companies'],
  },
  {
    doc: 'deals.json',
    segment: '0-3',
    idParam: 'dealId',
    properties: (n) => ({ dealname: `Conformance deal ${n}`, amount: String(100 * (n + 1)), pipeline: 'default', dealstage: 'appointmentscheduled' }),
    change: { amount: '999' },
    upsert: (n) => ({ idProperty: 'hs_object_id', id: s[`0-3:${n}`]!, properties: { dealname: `Upserted deal ${n}` } }),
    merge: true,
  },
  {
    doc: 'tickets.json',
    segment: 'tickets',
    idParam: 'ticketId',
    properties: (n) => ({ subject: `Conformance ticket ${n}`, hs_pipeline: '0', hs_pipeline_stage: '1' }),
    change: { hs_ticket_priority: 'HIGH' },
    upsert: (n) => ({ idProperty: 'hs_object_id', id: s[`tickets:${n}`]!, properties: { subject: `Upserted ticket ${n}` } }),
    merge: true,
  },
  {
    doc: 'emails.json',
    segment: 'emails',
    idParam: 'emailId',
    properties: (n) => ({ hs_timestamp: new Date(Date.UTC(2026, 0, 1 + n)).toISOString(), hs_email_subject: `Conformance email ${n}`, hs_email_direction: 'EMAIL' }),
    change: { hs_email_subject: 'Changed subject' },
    upsert: (n) => ({ idProperty: 'hs_object_id', id: s[`emails:${n}`]!, properties: { hs_email_subject: `Upserted email ${n}` } }),
    merge: false,
  },
];

const base = (o: ObjectSpec) => `/crm/v3/objects/${o.segment}`;
const one = (o: ObjectSpec) => `${base(o)}/{${o.idParam}}`;
const ids = (o: ObjectSpec) => [0, 1, 2, 3].map((n) => s[`${o.segment}:${n}`]!);

function objectSteps(o: ObjectSpec): Step[] {
  const id = (n: number) => s[`${o.segment}:${n}`]!;
  return [
    {
      doc: o.doc,
      op: `POST ${base(o)}`,
      request: () => ({ body: { properties: o.properties(0), associations: o.associations?.() ?? [] } }),
      keep: (b) => (s[`${o.segment}:0`] = b.id),
    },
    {
      doc: o.doc,
      op: `POST ${base(o)}/batch/create`,
      request: () => ({ body: { inputs: [1, 2, 3].map((n) => ({ properties: o.properties(n), associations: [] })) } }),
      keep: (b) => {
        const made = (b.results as Array<{ id: string; properties: Record<string, string> }>).sort((x, y) => Number(x.id) - Number(y.id));
        made.forEach((r, i) => (s[`${o.segment}:${i + 1}`] = r.id));
      },
    },
    {
      doc: o.doc,
      op: `GET ${one(o)}`,
      request: () => ({
        params: { [o.idParam]: id(0) },
        query: { properties: Object.keys(o.properties(0)), archived: 'false', ...(o.readAssociations ? { associations: o.readAssociations } : {}) },
      }),
      // the exploded arrays (the name repeated) ask for each property and association type
      keep: (b) => {
        expect(b.properties).toMatchObject(o.properties(0));
        for (const type of o.readAssociations ?? []) expect(b.associations?.[type]?.results?.length, type).toBeGreaterThan(0);
      },
    },
    { doc: o.doc, op: `GET ${base(o)}`, request: () => ({ query: { limit: '2', properties: Object.keys(o.properties(0)).join(','), archived: 'false' } }) },
    { doc: o.doc, op: `PATCH ${one(o)}`, request: () => ({ params: { [o.idParam]: id(0) }, body: { properties: o.change } }) },
    {
      doc: o.doc,
      op: `POST ${base(o)}/batch/read`,
      request: () => ({ query: { archived: 'false' }, body: { inputs: [{ id: id(1) }, { id: id(2) }], properties: Object.keys(o.properties(0)), propertiesWithHistory: [] } }),
    },
    { doc: o.doc, op: `POST ${base(o)}/batch/update`, request: () => ({ body: { inputs: [{ id: id(1), properties: o.change }, { id: id(2), properties: o.change }] } }) },
    { doc: o.doc, op: `POST ${base(o)}/batch/upsert`, request: () => ({ body: { inputs: [o.upsert(1), o.upsert(2)] } }) },
    {
      doc: o.doc,
      op: `POST ${base(o)}/search`,
      request: () => ({
        body: {
          filterGroups: [{ filters: [{ propertyName: 'hs_object_id', operator: 'IN', values: [id(0), id(1)] }] }],
          properties: Object.keys(o.properties(0)),
          sorts: ['hs_object_id'],
          limit: 10,
          after: '0',
        },
      }),
    },
    ...(o.merge ? [{ doc: o.doc, op: `POST ${base(o)}/merge`, request: () => ({ body: { primaryObjectId: id(2), objectIdToMerge: id(3) } }) }] : []),
  ];
}

function objectArchiveSteps(o: ObjectSpec): Step[] {
  return [
    { doc: o.doc, op: `DELETE ${one(o)}`, request: () => ({ params: { [o.idParam]: ids(o)[1]! } }) },
    { doc: o.doc, op: `POST ${base(o)}/batch/archive`, request: () => ({ body: { inputs: [{ id: ids(o)[2]! }] } }) },
  ];
}

// ------------------------------------------------------------------------------------------------
// associations v4 and the association schema (labels, limits) under both prefixes
// ------------------------------------------------------------------------------------------------

const A = 'associations.json';
const contact = (n: number) => s[`contacts:${n}`]!;
const company = (n: number) => s[`companies:${n}`]!;
const deal = (n: number) => s[`0-3:${n}`]!;

const associationSteps: Step[] = [
  {
    doc: A,
    op: 'PUT /crm/v4/objects/{fromObjectType}/{fromObjectId}/associations/default/{toObjectType}/{toObjectId}',
    request: () => ({ params: { fromObjectType: 'contacts', fromObjectId: contact(0), toObjectType: 'companies', toObjectId: company(0) } }),
  },
  {
    doc: A,
    op: 'PUT /crm/v4/objects/{objectType}/{objectId}/associations/{toObjectType}/{toObjectId}',
    request: () => ({
      params: { objectType: 'contacts', objectId: contact(0), toObjectType: 'deals', toObjectId: deal(0) },
      body: [{ associationCategory: 'USER_DEFINED', associationTypeId: Number(s.dealLabel) }],
    }),
  },
  {
    doc: A,
    op: 'POST /crm/v4/associations/{fromObjectType}/{toObjectType}/batch/associate/default',
    request: () => ({ params: { fromObjectType: 'contacts', toObjectType: 'companies' }, body: { inputs: [{ from: { id: contact(0) }, to: { id: company(2) } }] } }),
  },
  {
    doc: A,
    op: 'POST /crm/v4/associations/{fromObjectType}/{toObjectType}/batch/create',
    request: () => ({
      params: { fromObjectType: 'contacts', toObjectType: 'deals' },
      body: { inputs: [{ from: { id: contact(0) }, to: { id: deal(2) }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 4 }, { associationCategory: 'USER_DEFINED', associationTypeId: Number(s.dealLabel) }] }] },
    }),
  },
  {
    doc: A,
    op: 'GET /crm/v4/objects/{objectType}/{objectId}/associations/{toObjectType}',
    request: () => ({ params: { objectType: 'contacts', objectId: contact(0), toObjectType: 'deals' }, query: { limit: '10' } }),
  },
  {
    doc: A,
    op: 'POST /crm/v4/associations/{fromObjectType}/{toObjectType}/batch/read',
    request: () => ({ params: { fromObjectType: 'contacts', toObjectType: 'companies' }, body: { inputs: [{ id: contact(0) }] } }),
  },
  {
    doc: A,
    op: 'POST /crm/v4/associations/{fromObjectType}/{toObjectType}/batch/labels/archive',
    request: () => ({
      params: { fromObjectType: 'contacts', toObjectType: 'deals' },
      body: { inputs: [{ from: { id: contact(0) }, to: { id: deal(2) }, types: [{ associationCategory: 'USER_DEFINED', associationTypeId: Number(s.dealLabel) }] }] },
    }),
  },
  {
    doc: A,
    op: 'DELETE /crm/v4/objects/{objectType}/{objectId}/associations/{toObjectType}/{toObjectId}',
    request: () => ({ params: { objectType: 'contacts', objectId: contact(0), toObjectType: 'deals', toObjectId: deal(0) } }),
  },
  {
    doc: A,
    op: 'POST /crm/v4/associations/{fromObjectType}/{toObjectType}/batch/archive',
    request: () => ({ params: { fromObjectType: 'contacts', toObjectType: 'deals' }, body: { inputs: [{ from: { id: contact(0) }, to: [{ id: deal(2) }] }] } }),
  },
  {
    doc: A,
    op: 'POST /crm/v4/associations/usage/high-usage-report/{userId}',
    request: () => ({ params: { userId: s.ownerUserId! } }),
  },
];

const AS = 'associationsSchema.json';

function associationSchemaSteps(prefix: string): Step[] {
  const p: [string, string] | undefined = prefix === SCHEMA_PREFIX ? undefined : [SCHEMA_PREFIX, prefix];
  const tag = prefix === SCHEMA_PREFIX ? 'a' : 'b';
  return [
    {
      doc: AS,
      prefix: p,
      op: `POST ${SCHEMA_PREFIX}/{fromObjectType}/{toObjectType}/labels`,
      request: () => ({ params: { fromObjectType: 'contacts', toObjectType: 'companies' }, body: { label: `Conformance ${tag}`, name: `conformance_${tag}`, inverseLabel: `Conformance ${tag} inverse` } }),
      keep: (b) => (s[`label:${tag}`] = String(b.results[0].typeId)),
    },
    {
      doc: AS,
      prefix: p,
      op: `PUT ${SCHEMA_PREFIX}/{fromObjectType}/{toObjectType}/labels`,
      request: () => ({ params: { fromObjectType: 'contacts', toObjectType: 'companies' }, body: { associationTypeId: Number(s[`label:${tag}`]), label: `Conformance ${tag} renamed`, inverseLabel: `Conformance ${tag} inverse renamed` } }),
    },
    { doc: AS, prefix: p, op: `GET ${SCHEMA_PREFIX}/{fromObjectType}/{toObjectType}/labels`, request: () => ({ params: { fromObjectType: 'contacts', toObjectType: 'companies' } }) },
    {
      doc: AS,
      prefix: p,
      op: `DELETE ${SCHEMA_PREFIX}/{fromObjectType}/{toObjectType}/labels/{associationTypeId}`,
      request: () => ({ params: { fromObjectType: 'contacts', toObjectType: 'companies', associationTypeId: s[`label:${tag}`]! } }),
    },
    {
      doc: AS,
      prefix: p,
      op: `POST ${SCHEMA_PREFIX}/definitions/configurations/{fromObjectType}/{toObjectType}/batch/create`,
      request: () => ({ params: { fromObjectType: 'contacts', toObjectType: 'deals' }, body: { inputs: [{ category: 'HUBSPOT_DEFINED', typeId: 4, maxToObjectIds: 50 }] } }),
    },
    {
      doc: AS,
      prefix: p,
      op: `POST ${SCHEMA_PREFIX}/definitions/configurations/{fromObjectType}/{toObjectType}/batch/update`,
      request: () => ({ params: { fromObjectType: 'contacts', toObjectType: 'deals' }, body: { inputs: [{ category: 'HUBSPOT_DEFINED', typeId: 4, maxToObjectIds: 40 }] } }),
    },
    { doc: AS, prefix: p, op: `GET ${SCHEMA_PREFIX}/definitions/configurations/{fromObjectType}/{toObjectType}`, request: () => ({ params: { fromObjectType: 'contacts', toObjectType: 'deals' } }) },
    { doc: AS, prefix: p, op: `GET ${SCHEMA_PREFIX}/definitions/configurations/all`, request: () => ({}) },
    {
      doc: AS,
      prefix: p,
      op: `POST ${SCHEMA_PREFIX}/definitions/configurations/{fromObjectType}/{toObjectType}/batch/purge`,
      request: () => ({ params: { fromObjectType: 'contacts', toObjectType: 'deals' }, body: { inputs: [{ category: 'HUBSPOT_DEFINED', typeId: 4 }] } }),
    },
  ];
}

// ------------------------------------------------------------------------------------------------
// custom object schemas, pipelines, owners, properties, imports
// ------------------------------------------------------------------------------------------------

const SC = 'schemas.json';
const SCHEMAS = '/crm-object-schemas/v3/schemas';
const schemaSteps: Step[] = [
  {
    doc: SC,
    op: `POST ${SCHEMAS}`,
    request: () => ({
      body: {
        name: 'conformance_widgets',
        labels: { singular: 'Widget', plural: 'Widgets' },
        primaryDisplayProperty: 'widget_name',
        requiredProperties: ['widget_name'],
        searchableProperties: ['widget_name'],
        properties: [
          { name: 'widget_name', label: 'Widget name', type: 'string', fieldType: 'text' },
          { name: 'widget_size', label: 'Size', type: 'number', fieldType: 'number' },
        ],
        associatedObjects: ['CONTACT'],
      },
    }),
    keep: (b) => (s.widgetType = b.objectTypeId),
  },
  { doc: SC, op: `GET ${SCHEMAS}`, request: () => ({ query: { archived: 'false' } }) },
  { doc: SC, op: `GET ${SCHEMAS}/{objectType}`, request: () => ({ params: { objectType: s.widgetType! } }) },
  {
    doc: SC,
    op: `POST ${SCHEMAS}/batch/read`,
    request: () => ({ body: { inputs: [s.widgetType!, 'conformance_widgets'], includeAssociationDefinitions: true, includeAuditMetadata: false, includePropertyDefinitions: true } }),
  },
  { doc: SC, op: `PATCH ${SCHEMAS}/{objectType}`, request: () => ({ params: { objectType: s.widgetType! }, body: { labels: { singular: 'Gadget', plural: 'Gadgets' } } }) },
  {
    doc: SC,
    op: `POST ${SCHEMAS}/{objectType}/associations`,
    request: () => ({ params: { objectType: s.widgetType! }, body: { fromObjectTypeId: s.widgetType!, toObjectTypeId: '0-2', name: 'widget_to_company' } }),
    keep: (b) => (s.widgetAssociation = b.id),
  },
  {
    doc: SC,
    op: `DELETE ${SCHEMAS}/{objectType}/associations/{associationIdentifier}`,
    request: () => ({ params: { objectType: s.widgetType!, associationIdentifier: s.widgetAssociation! } }),
  },
];
const schemaArchiveSteps: Step[] = [{ doc: SC, op: `DELETE ${SCHEMAS}/{objectType}`, request: () => ({ params: { objectType: s.widgetType! } }) }];

const PL = 'pipelines.json';
const PIPE = '/crm/v3/pipelines/{objectType}';
const pipelineSteps: Step[] = [
  {
    doc: PL,
    op: `POST ${PIPE}`,
    request: () => ({
      params: { objectType: 'deals' },
      body: {
        label: 'Conformance pipeline',
        displayOrder: 3,
        stages: [
          { label: 'Open', displayOrder: 0, metadata: { probability: '0.2' } },
          { label: 'Won', displayOrder: 1, metadata: { probability: '1.0', isClosed: 'true' } },
        ],
      },
    }),
    keep: (b) => {
      s.pipeline = b.id;
      s.wonStage = b.stages.find((x: { label: string }) => x.label === 'Won').id;
    },
  },
  { doc: PL, op: `GET ${PIPE}`, request: () => ({ params: { objectType: 'deals' } }) },
  { doc: PL, op: `GET ${PIPE}/{pipelineId}`, request: () => ({ params: { objectType: 'deals', pipelineId: s.pipeline! } }) },
  { doc: PL, op: `PATCH ${PIPE}/{pipelineId}`, request: () => ({ params: { objectType: 'deals', pipelineId: s.pipeline! }, body: { label: 'Conformance pipeline (renamed)', displayOrder: 4 } }) },
  {
    doc: PL,
    op: `PUT ${PIPE}/{pipelineId}`,
    request: () => ({
      params: { objectType: 'deals', pipelineId: s.pipeline! },
      query: { validateReferencesBeforeDelete: 'false', validateDealStageUsagesBeforeDelete: 'false' },
      body: {
        label: 'Conformance pipeline (replaced)',
        displayOrder: 4,
        stages: [
          { label: 'Open', displayOrder: 0, metadata: { probability: '0.3' } },
          { label: 'Won', displayOrder: 1, metadata: { probability: '1.0', isClosed: 'true' }, stageId: s.wonStage! },
        ],
      },
    }),
  },
  { doc: PL, op: `GET ${PIPE}/{pipelineId}/audit`, request: () => ({ params: { objectType: 'deals', pipelineId: s.pipeline! } }) },
  {
    doc: PL,
    op: `POST ${PIPE}/{pipelineId}/stages`,
    request: () => ({ params: { objectType: 'deals', pipelineId: s.pipeline! }, body: { label: 'Negotiating', displayOrder: 1, metadata: { probability: '0.6' } } }),
    keep: (b) => (s.stage = b.id),
  },
  { doc: PL, op: `GET ${PIPE}/{pipelineId}/stages`, request: () => ({ params: { objectType: 'deals', pipelineId: s.pipeline! } }) },
  { doc: PL, op: `GET ${PIPE}/{pipelineId}/stages/{stageId}`, request: () => ({ params: { objectType: 'deals', pipelineId: s.pipeline!, stageId: s.stage! } }) },
  {
    doc: PL,
    op: `PATCH ${PIPE}/{pipelineId}/stages/{stageId}`,
    request: () => ({ params: { objectType: 'deals', pipelineId: s.pipeline!, stageId: s.stage! }, body: { label: 'Negotiation', metadata: { probability: '0.7' } } }),
  },
  {
    doc: PL,
    op: `PUT ${PIPE}/{pipelineId}/stages/{stageId}`,
    request: () => ({ params: { objectType: 'deals', pipelineId: s.pipeline!, stageId: s.stage! }, body: { label: 'Negotiation', displayOrder: 2, metadata: { probability: '0.8' } } }),
  },
  { doc: PL, op: `GET ${PIPE}/{pipelineId}/stages/{stageId}/audit`, request: () => ({ params: { objectType: 'deals', pipelineId: s.pipeline!, stageId: s.stage! } }) },
  {
    doc: PL,
    op: `DELETE ${PIPE}/{pipelineId}/stages/{stageId}`,
    request: () => ({ params: { objectType: 'deals', pipelineId: s.pipeline!, stageId: s.stage! }, query: { validateReferencesBeforeDelete: 'true' } }),
  },
  {
    doc: PL,
    op: `DELETE ${PIPE}/{pipelineId}`,
    request: () => ({ params: { objectType: 'deals', pipelineId: s.pipeline! }, query: { validateReferencesBeforeDelete: 'true', validateDealStageUsagesBeforeDelete: 'true' } }),
  },
];

const OW = 'crmOwners.json';
const ownerSteps: Step[] = [
  { doc: OW, op: 'GET /crm/v3/owners', request: () => ({ query: { limit: '10', archived: 'false' } }), keep: (b) => (s.ownerId = b.results[0].id) },
  { doc: OW, op: 'GET /crm/v3/owners/{ownerId}', request: () => ({ params: { ownerId: s.ownerId! }, query: { idProperty: 'id', archived: 'false' } }) },
];

const PR = 'properties.json';
const PROPS = '/crm/v3/properties/{objectType}';
const propertySteps: Step[] = [
  { doc: PR, op: `GET ${PROPS}`, request: () => ({ params: { objectType: 'contacts' }, query: { archived: 'false' } }) },
  { doc: PR, op: `POST ${PROPS}/groups`, request: () => ({ params: { objectType: 'contacts' }, body: { name: 'conformance_group', label: 'Conformance group', displayOrder: 1 } }) },
  { doc: PR, op: `GET ${PROPS}/groups`, request: () => ({ params: { objectType: 'contacts' } }) },
  { doc: PR, op: `GET ${PROPS}/groups/{groupName}`, request: () => ({ params: { objectType: 'contacts', groupName: 'conformance_group' } }) },
  { doc: PR, op: `PATCH ${PROPS}/groups/{groupName}`, request: () => ({ params: { objectType: 'contacts', groupName: 'conformance_group' }, body: { label: 'Conformance group (renamed)', displayOrder: 2 } }) },
  {
    doc: PR,
    op: `POST ${PROPS}`,
    request: () => ({
      params: { objectType: 'contacts' },
      body: {
        name: 'conformance_favourite',
        label: 'Favourite colour',
        type: 'enumeration',
        fieldType: 'select',
        groupName: 'conformance_group',
        options: [
          { label: 'Red', value: 'red', hidden: false, displayOrder: 0 },
          { label: 'Blue', value: 'blue', hidden: false, displayOrder: 1 },
        ],
      },
    }),
  },
  { doc: PR, op: `GET ${PROPS}/{propertyName}`, request: () => ({ params: { objectType: 'contacts', propertyName: 'conformance_favourite' }, query: { archived: 'false' } }) },
  { doc: PR, op: `PATCH ${PROPS}/{propertyName}`, request: () => ({ params: { objectType: 'contacts', propertyName: 'conformance_favourite' }, body: { label: 'Favourite colour (renamed)' } }) },
  {
    doc: PR,
    op: `POST ${PROPS}/batch/create`,
    request: () => ({
      params: { objectType: 'contacts' },
      body: {
        inputs: [
          { name: 'conformance_note_a', label: 'Note A', type: 'string', fieldType: 'text', groupName: 'conformance_group' },
          { name: 'conformance_note_b', label: 'Note B', type: 'string', fieldType: 'textarea', groupName: 'conformance_group' },
        ],
      },
    }),
  },
  {
    doc: PR,
    op: `POST ${PROPS}/batch/read`,
    request: () => ({ params: { objectType: 'contacts' }, body: { inputs: [{ name: 'conformance_note_a' }, { name: 'email' }], archived: false, dataSensitivity: 'non_sensitive' } }),
  },
  { doc: PR, op: `POST ${PROPS}/batch/archive`, request: () => ({ params: { objectType: 'contacts' }, body: { inputs: [{ name: 'conformance_note_a' }, { name: 'conformance_note_b' }] } }) },
  { doc: PR, op: `DELETE ${PROPS}/{propertyName}`, request: () => ({ params: { objectType: 'contacts', propertyName: 'conformance_favourite' } }) },
  { doc: PR, op: `DELETE ${PROPS}/groups/{groupName}`, request: () => ({ params: { objectType: 'contacts', groupName: 'conformance_group' } }) },
];

const IM = 'imports.json';
const importSteps: Step[] = [
  {
    doc: IM,
    op: 'POST /crm/v3/imports',
    request: () => ({
      form: {
        importRequest: JSON.stringify({
          name: 'Conformance import',
          files: [
            {
              fileName: 'people.csv',
              fileFormat: 'CSV',
              fileImportPage: {
                hasHeader: true,
                columnMappings: [
                  { columnObjectTypeId: '0-1', columnName: 'Email', propertyName: 'email', idColumnType: 'HUBSPOT_ALTERNATE_ID' },
                  { columnObjectTypeId: '0-1', columnName: 'First Name', propertyName: 'firstname' },
                ],
              },
            },
          ],
        }),
        files: new File(['Email,First Name\nimported1@conformance.example,Imported One\nnot-an-email,Broken\n'], 'people.csv', { type: 'text/csv' }),
      },
    }),
    keep: (b) => (s.importId = b.id),
  },
  { doc: IM, op: 'GET /crm/v3/imports', request: () => ({ query: { limit: '10' } }) },
  { doc: IM, op: 'GET /crm/v3/imports/{importId}', request: () => ({ params: { importId: s.importId ?? '1' } }) },
  { doc: IM, op: 'GET /crm/v3/imports/{importId}/errors', request: () => ({ params: { importId: s.importId ?? '1' }, query: { includeErrorMessage: 'true', includeRowData: 'true', limit: '10' } }) },
  { doc: IM, op: 'POST /crm/v3/imports/{importId}/cancel', request: () => ({ params: { importId: s.importId ?? '1' } }) },
];

// the GDPR delete, last of the contacts: erases the first contact for good
const gdprStep: Step = { doc: 'contacts.json', op: 'POST /crm/v3/objects/contacts/gdpr-delete', request: () => ({ body: { objectId: `conformance0@conformance.example`, idProperty: 'email' } }) };

// ------------------------------------------------------------------------------------------------
// the sequence: make what later requests name, read, change, associate, then archive
// ------------------------------------------------------------------------------------------------

// a contact→deal label, used by the labelled association requests
const SETUP: Step[] = [
  {
    doc: AS,
    op: `POST ${SCHEMA_PREFIX}/{fromObjectType}/{toObjectType}/labels`,
    request: () => ({ params: { fromObjectType: 'contacts', toObjectType: 'deals' }, body: { label: 'Conformance buyer', name: 'conformance_buyer' } }),
    keep: (b) => (s.dealLabel = String(b.results[0].typeId)),
  },
];

const STEPS: Step[] = [
  ...ownerSteps,
  ...OBJECTS.flatMap(objectSteps),
  ...schemaSteps,
  ...associationSchemaSteps(SCHEMA_PREFIX),
  ...associationSchemaSteps(OTHER_SCHEMA_PREFIX),
  ...associationSteps,
  ...pipelineSteps,
  ...propertySteps,
  ...importSteps,
  ...OBJECTS.flatMap(objectArchiveSteps),
  gdprStep,
  ...schemaArchiveSteps,
];

function operationOf(step: Step): DocOperation {
  const op = operations.get(`${step.doc} ${step.op}`);
  if (!op) throw new Error(`${step.doc} has no operation ${step.op}`);
  return op;
}

/** `METHOD /path` as the server is called: the document's path, with the step's prefix. */
function calledAs(step: Step): string {
  const [method, path] = step.op.split(' ') as [string, string];
  return `${method} ${step.prefix ? step.prefix[1] + path.slice(step.prefix[0].length) : path}`;
}

// one app and workspace for the file: the operations in sequence, then the refusals
const t = useTestApp();

const deviations = new Map<string, Deviation>(DEVIATIONS.filter((d) => d.refusal === undefined).map((d) => [d.operation, d]));

/** A known deviation must still fail in exactly the way listed, so a fixed one is noticed. */
function expectDeviation(deviation: Deviation, out: { status: number; body: any }, errors: string[], seen: string) {
  if (deviation.status !== undefined) {
    expect(out.status, `${deviation.reason}: ${seen}`).toBe(deviation.status);
    if (deviation.message) expect(out.body?.message, seen).toMatch(deviation.message);
    return;
  }
  expect(errors.length, `${deviation.reason}: the answer now conforms; remove the deviation`).toBeGreaterThan(0);
  const unexplained = errors.filter((e) => !deviation.schemaErrors!.some((re) => re.test(e)));
  expect(unexplained, seen).toEqual([]);
  for (const re of deviation.schemaErrors!) expect(errors.some((e) => re.test(e)), `${re} no longer occurs: ${errors.join('; ')}`).toBe(true);
}

describe('HubSpot conformance (X5): every operation of HubSpot’s published documents', () => {
  async function send(step: Step): Promise<Outcome> {
    const op = operationOf(step);
    const req = step.request();
    // the request, checked against the document before it is sent
    expect(conformance.checkParameters(op, 'path', req.params ?? {}).errors, 'path parameters').toEqual([]);
    expect(conformance.checkParameters(op, 'query', req.query ?? {}).errors, 'query parameters').toEqual([]);
    const types = conformance.requestContentTypes(op);
    if (req.form) {
      expect(types).toContain('multipart/form-data');
      const fields = Object.fromEntries(Object.entries(req.form).map(([k, v]) => [k, typeof v === 'string' ? v : 'file']));
      expect(conformance.checkRequest(op, 'multipart/form-data', fields).errors, 'multipart fields').toEqual([]);
    } else if (req.body !== undefined) {
      expect(types).toContain('application/json');
      expect(conformance.checkRequest(op, 'application/json', req.body).errors, 'request body').toEqual([]);
    } else {
      expect(conformance.requestBodyRequired(op), 'the document requires a body').toBe(false);
    }

    let path = calledAs(step).split(' ')[1]!;
    for (const [name, value] of Object.entries(req.params ?? {})) path = path.replace(`{${name}}`, encodeURIComponent(value));
    expect(path).not.toMatch(/[{}]/);
    const query = conformance.queryString(op, req.query ?? {});
    const headers: Record<string, string> = { authorization: `Bearer ${t.token}` };
    let body: BodyInit | undefined;
    if (req.form) {
      const form = new FormData();
      for (const [k, v] of Object.entries(req.form)) form.set(k, v);
      body = form;
    } else if (req.body !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(req.body);
    }
    const res = await t.app.request(`${path}${query ? `?${query}` : ''}`, { method: op.method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await res.text();
    const contentType = res.headers.get('content-type');
    let parsed: unknown = text === '' ? null : text;
    if (text !== '' && contentType?.startsWith('application/json')) parsed = JSON.parse(text);
    return { status: res.status, contentType, body: parsed };
  }

  test('every operation of the documents has exactly one step (the association schema: one per prefix)', () => {
    const covered = STEPS.map((step) => `${step.doc} ${calledAs(step)}`);
    const expected = docs.flatMap((d) =>
      d.operations.flatMap((o) => (d.file === AS ? [`${d.file} ${o.key}`, `${d.file} ${o.method} ${OTHER_SCHEMA_PREFIX}${o.path.slice(SCHEMA_PREFIX.length)}`] : [`${d.file} ${o.key}`])),
    );
    expect([...covered].sort()).toEqual([...expected].sort());
    expect(new Set(covered).size).toBe(covered.length);
    // every deviation names an operation that is run
    for (const d of DEVIATIONS.filter((x) => x.refusal === undefined)) expect(STEPS.map(calledAs), d.operation).toContain(d.operation);
    for (const d of DEVIATIONS) expect(d.reason.length, d.operation).toBeGreaterThan(10);
    for (const d of DEVIATIONS) expect((d.status === undefined) !== (d.schemaErrors === undefined), `${d.operation}: a status or schema errors, one of them`).toBe(true);
  });

  test('setup: a contact→deal label, and the first owner’s user id', async () => {
    for (const step of SETUP) {
      const out = await send(step);
      expect(out.status, JSON.stringify(out.body)).toBe(200);
      step.keep?.(out.body);
    }
    const owners = await t.call('GET', '/crm/v3/owners');
    s.ownerUserId = String(owners.body.results[0].userId);
  });

  for (const step of STEPS) {
    const op = operationOf(step);
    const name = `${calledAs(step)} (${step.doc} ${op.operationId})`;
    test(name, async () => {
      const out = await send(step);
      const check = conformance.checkResponse(op, out.status, out.contentType, out.body);
      const deviation = deviations.get(calledAs(step));
      const seen = `status ${out.status}: ${JSON.stringify(out.body)?.slice(0, 600)}`;
      if (!deviation) {
        expect(check.errors, seen).toEqual([]);
        // a valid request is done whole: not a 207 (some inputs refused), though the document lists it
        expect(out.status, seen).toBeLessThan(300);
        expect(out.status, seen).not.toBe(207);
        step.keep?.(out.body);
        return;
      }
      expectDeviation(deviation, out, check.errors, seen);
      if (deviation.schemaErrors) {
        expect(out.status, seen).toBeLessThan(300);
        expect(out.status, seen).not.toBe(207);
        step.keep?.(out.body);
      }
    });
  }
});

describe('the OpenAPI 3.0 → JSON Schema conversion the check relies on', () => {
  test('drops OpenAPI-only keywords, points references into their document, makes `nullable` a null type', () => {
    const converted = toJsonSchema(
      {
        type: 'object',
        example: null,
        'x-hubspot': true,
        properties: { example: { type: 'string', example: 'x' }, ref: { $ref: '#/components/schemas/Thing' }, maybe: { type: 'string', enum: ['a'], nullable: true } },
      },
      'doc',
    );
    expect(converted).toEqual({
      type: 'object',
      properties: { example: { type: 'string' }, ref: { $ref: 'doc#/$defs/Thing' }, maybe: { type: ['string', 'null'], enum: ['a', null] } },
    });
  });

  test('the documents’ schemas refuse what they do not describe', () => {
    const op = operations.get('contacts.json POST /crm/v3/objects/contacts')!;
    const good = { id: '1', properties: {}, createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z', archived: false };
    expect(conformance.checkResponse(op, 201, 'application/json', good).errors).toEqual([]);
    expect(conformance.checkResponse(op, 201, 'application/json', { ...good, id: 1 }).errors).toEqual(['/id must be string']);
    expect(conformance.checkResponse(op, 201, 'application/json', { ...good, createdAt: 'yesterday' }).errors).toEqual(['/createdAt must match format "date-time"']);
    expect(conformance.checkResponse(op, 200, 'application/json', good).errors).toEqual(['status 200 is not one the document lists (201)']);
    expect(conformance.checkRequest(op, 'application/json', { properties: { email: 'a@b.example' } }).errors).toEqual(["/ must have required property 'associations'"]);
    const list = operations.get('contacts.json GET /crm/v3/objects/contacts')!;
    expect(conformance.checkParameters(list, 'query', { limit: 'ten', colour: 'red' }).errors).toEqual(['query parameter limit: / must be integer', 'query parameter colour is not in the document']);
  });
});

/**
 * Refusals have HubSpot's shape too: a request that cannot be done answers a 4xx whose body the
 * document's `default` answer (its Error schema) accepts, and a batch with some inputs refused
 * answers the 207 the document lists, with its errors in the document's shape.
 */
describe('HubSpot conformance (X5): refusals in the documents’ shapes', () => {
  const ctx: Record<string, string> = {};

  /** `body` is checked against the document, unless it is `{ invalid }` (sent as is, on purpose). */
  async function send(doc: string, key: string, path: string, body?: unknown, token?: string | null) {
    const op = operations.get(`${doc} ${key}`);
    if (!op) throw new Error(`${doc} has no operation ${key}`);
    let sent = body;
    if (body && typeof body === 'object' && 'invalid' in body) {
      sent = body.invalid;
      expect(conformance.checkRequest(op, 'application/json', sent).errors, 'the request is invalid on purpose').not.toEqual([]);
    } else if (body !== undefined) {
      expect(conformance.checkRequest(op, 'application/json', body).errors, 'request body').toEqual([]);
    }
    const out = await t.call(op.method, path, sent, token);
    return { op, key, ...out };
  }

  test('setup: a contact and a company', async () => {
    const contactMade = await t.call('POST', '/crm/v3/objects/contacts', { properties: { email: 'refusals@conformance.example' } });
    const companyMade = await t.call('POST', '/crm/v3/objects/companies', { properties: { name: 'Refusals Co' } });
    expect([contactMade.status, companyMade.status]).toEqual([201, 201]);
    ctx.contact = contactMade.body.id;
    ctx.company = companyMade.body.id;
  });

  /** `expect`: the status, or any 4xx where the documents do not say which. */
  const cases: Array<{ name: string; expect: number | '4xx'; run: () => ReturnType<typeof send> }> = [
    { name: 'no token', expect: 401, run: () => send('contacts.json', 'GET /crm/v3/objects/contacts', '/crm/v3/objects/contacts', undefined, null) },
    { name: 'a record that does not exist', expect: 404, run: () => send('contacts.json', 'GET /crm/v3/objects/contacts/{contactId}', '/crm/v3/objects/contacts/999999999') },
    {
      name: 'a body that is not the document’s',
      expect: 400,
      run: () => send('companies.json', 'PATCH /crm/v3/objects/companies/{companyId}', `/crm/v3/objects/companies/${ctx.company}`, { invalid: { properties: 'name=Renamed' } }),
    },
    {
      name: 'a batch read with an id that does not exist',
      expect: 207,
      run: () => send('contacts.json', 'POST /crm/v3/objects/contacts/batch/read', '/crm/v3/objects/contacts/batch/read', { inputs: [{ id: ctx.contact! }, { id: '999999999' }], properties: ['email'], propertiesWithHistory: [] }),
    },
    {
      name: 'a batch update with an id that does not exist',
      expect: 207,
      run: () =>
        send('companies.json', 'POST /crm/v3/objects/companies/batch/update', '/crm/v3/objects/companies/batch/update', {
          inputs: [
            { id: ctx.company!, properties: { name: 'Refusals Co (renamed)' } },
            { id: '999999999', properties: { name: 'Nobody' } },
          ],
        }),
    },
    {
      name: 'a batch of associations naming a record that does not exist',
      expect: 207,
      run: () =>
        send('associations.json', 'POST /crm/v4/associations/{fromObjectType}/{toObjectType}/batch/create', '/crm/v4/associations/contacts/companies/batch/create', {
          inputs: [
            { from: { id: ctx.contact! }, to: { id: ctx.company! }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 279 }] },
            { from: { id: ctx.contact! }, to: { id: '999999999' }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 279 }] },
          ],
        }),
    },
    { name: 'a pipeline that does not exist', expect: 404, run: () => send('pipelines.json', 'GET /crm/v3/pipelines/{objectType}/{pipelineId}', '/crm/v3/pipelines/deals/no-such-pipeline') },
    { name: 'a custom object type that does not exist', expect: 404, run: () => send('schemas.json', 'GET /crm-object-schemas/v3/schemas/{objectType}', '/crm-object-schemas/v3/schemas/no_such_type') },
    { name: 'an owner that does not exist', expect: 404, run: () => send('crmOwners.json', 'GET /crm/v3/owners/{ownerId}', '/crm/v3/owners/999999999') },
    {
      name: 'a label that does not exist',
      expect: '4xx',
      run: () => send('associationsSchema.json', 'DELETE /crm/associations/v4/{fromObjectType}/{toObjectType}/labels/{associationTypeId}', '/crm/associations/v4/contacts/companies/labels/999999'),
    },
  ];

  test('every refusal the deviations name is a case here', () => {
    for (const d of DEVIATIONS.filter((x) => x.refusal !== undefined)) expect(cases.map((c) => c.name), d.operation).toContain(d.refusal);
  });

  for (const c of cases) {
    test(`${c.name}: ${c.expect} in the document’s shape`, async () => {
      const out = await c.run();
      const seen = `status ${out.status}: ${JSON.stringify(out.body)?.slice(0, 600)}`;
      if (c.expect === '4xx') expect(out.status >= 400 && out.status < 500, seen).toBe(true);
      else expect(out.status, seen).toBe(c.expect);
      const check = out.status === 207 ? conformance.checkResponse(out.op, 207, 'application/json', out.body) : conformance.checkErrorResponse(out.op, out.status, out.body);
      const deviation = DEVIATIONS.find((d) => d.refusal === c.name);
      if (deviation) {
        expect(deviation.operation).toBe(out.key);
        expectDeviation(deviation, out, check.errors, seen);
      } else {
        expect(check.errors, seen).toEqual([]);
      }
    });
  }
});

