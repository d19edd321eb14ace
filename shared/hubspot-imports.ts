import { z } from 'zod';

// HubSpot's imports API (`/crm/v3/imports`): the `importRequest` a client sends and the answers it
// reads, after HubSpot's published OpenAPI document and its import guide. docs/import.md says which
// of its options we honour and which we refuse.

export const hubspotImportOperation = z.enum(['CREATE', 'UPDATE', 'UPSERT']);
export type HubSpotImportOperation = z.infer<typeof hubspotImportOperation>;

const idColumnType = z.enum(['HUBSPOT_OBJECT_ID', 'HUBSPOT_ALTERNATE_ID']);

/** One column of the file: which object and property it holds, or what it says about associations. */
export const hubspotColumnMapping = z
  .object({
    columnObjectTypeId: z.string().min(1).max(100).describe('The object the column belongs to (`0-1`, `0-2`, `2-…`)'),
    columnName: z.string().max(1000).describe("The column's header cell"),
    propertyName: z.string().max(100).nullable().optional().describe('The property it fills; null for an association label column'),
    columnType: z.enum(['HUBSPOT_OBJECT_ID', 'HUBSPOT_ALTERNATE_ID', 'FLEXIBLE_ASSOCIATION_LABEL', 'ASSOCIATION_KEYS']).nullable().optional(),
    idColumnType: idColumnType.nullable().optional().describe('The older name of columnType for identifier columns'),
    toColumnObjectTypeId: z.string().max(100).nullable().optional().describe('For an association label column: the other object of the association'),
    foreignKeyType: z.object({ associationTypeId: z.number().int(), associationCategory: z.string().max(100) }).strict().nullable().optional(),
    associationIdentifierColumn: z.boolean().nullable().optional(),
  })
  .strict();
export type HubSpotColumnMapping = z.infer<typeof hubspotColumnMapping>;

export const hubspotImportFile = z
  .object({
    fileName: z.string().min(1).max(1000),
    fileFormat: z.enum(['CSV', 'SPREADSHEET']),
    dateFormat: z.enum(['MONTH_DAY_YEAR', 'DAY_MONTH_YEAR', 'YEAR_MONTH_DAY']).optional(),
    fileImportPage: z
      .object({
        hasHeader: z.boolean(),
        columnMappings: z.array(hubspotColumnMapping).min(1).max(1000),
      })
      .strict(),
  })
  .strict();

/** The `importRequest` form field: JSON. */
export const hubspotImportRequest = z
  .object({
    name: z.string().max(1000).optional(),
    importOperations: z.record(z.string().max(100), hubspotImportOperation).optional(),
    dateFormat: z.enum(['MONTH_DAY_YEAR', 'DAY_MONTH_YEAR', 'YEAR_MONTH_DAY']).optional(),
    marketableContactImport: z.boolean().optional(),
    createContactListFromImport: z.boolean().optional(),
    files: z.array(hubspotImportFile).min(1),
  })
  .strict();
export type HubSpotImportRequest = z.infer<typeof hubspotImportRequest>;

export const hubspotImportState = z.enum(['STARTED', 'PROCESSING', 'DONE', 'FAILED', 'CANCELED', 'DEFERRED', 'REVERTED']);

/** HubSpot's `PublicImportResponse`. */
export const publicImportResponse = z.object({
  id: z.string(),
  state: hubspotImportState,
  createdAt: z.string(),
  updatedAt: z.string(),
  metadata: z.object({
    objectLists: z.array(z.object({ listId: z.string(), objectType: z.string() })),
    counters: z.record(z.string(), z.number()),
    fileIds: z.array(z.string()),
  }),
  importRequestJson: z.record(z.string(), z.unknown()).optional(),
  importSource: z.enum(['API', 'CRM_UI', 'IMPORT', 'MOBILE_ANDROID', 'MOBILE_IOS', 'SALESFORCE']).optional(),
  importName: z.string().optional(),
  optOutImport: z.boolean(),
  mappedObjectTypeIds: z.array(z.string()),
});
export type PublicImportResponse = z.infer<typeof publicImportResponse>;

const nextPage = z.object({ after: z.string(), link: z.string().optional() });

export const publicImportPage = z.object({
  results: z.array(publicImportResponse),
  paging: z.object({ next: nextPage.optional(), prev: z.object({ before: z.string(), link: z.string().optional() }).optional() }).optional(),
});

/** HubSpot's `ActionResponse` (the answer to a cancel). */
export const actionResponse = z.object({
  status: z.enum(['PENDING', 'PROCESSING', 'CANCELED', 'COMPLETE']),
  requestedAt: z.string().optional(),
  startedAt: z.string(),
  completedAt: z.string(),
  links: z.record(z.string(), z.string()).optional(),
});

/** HubSpot's `PublicImportError`. */
export const publicImportError = z.object({
  id: z.string(),
  createdAt: z.number(),
  errorType: z.string(),
  errorMessage: z.string().optional(),
  extraContext: z.string().optional(),
  invalidValue: z.string().optional(),
  invalidValueToDisplay: z.string().optional(),
  knownColumnNumber: z.number().optional(),
  objectType: z.string().optional(),
  objectTypeId: z.string().optional(),
  sourceData: z.object({
    rowData: z.array(z.string()),
    additionalRowData: z.array(z.string()),
    containsEncryptedProperties: z.boolean(),
    lineNumber: z.number(),
    fileId: z.number(),
    pageName: z.string().optional(),
  }),
});
export type PublicImportError = z.infer<typeof publicImportError>;

export const publicImportErrorPage = z.object({
  results: z.array(publicImportError),
  paging: z.object({ next: nextPage.optional() }).optional(),
});

/** `{importId}`: HubSpot's import ids are integers (ours: the import's number). */
export const hubspotImportIdParam = z.object({ importId: z.string().regex(/^\d{1,15}$/, 'an import id is a whole number') });

const limit = (max: number, fallback: number) => z.coerce.number().int().min(1).max(max).default(fallback);
const cursor = z.string().regex(/^\d{1,15}$/, 'a paging cursor from paging.next.after').optional();

export const hubspotImportListQuery = z.object({ after: cursor, before: cursor, limit: limit(100, 10) });

const flag = z.enum(['true', 'false']).transform((v) => v === 'true').optional();
export const hubspotImportErrorsQuery = z.object({ after: cursor, limit: limit(500, 100), includeErrorMessage: flag, includeRowData: flag });
