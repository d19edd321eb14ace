import { z } from 'zod';
import { objectTypeRef } from './objects.ts';

// CSV imports (R16, R17) and the automatic association by domain job (R18): the API's contract.

export const importMode = z.enum(['create', 'update', 'create_and_update']);
export type ImportMode = z.infer<typeof importMode>;

export const importState = z.enum(['queued', 'running', 'done', 'failed', 'undone']);
export type ImportState = z.infer<typeof importState>;

/**
 * A column's target: `<objectType>.<property>` (`contacts.email`, `companies.domain`,
 * `contacts.hs_object_id` for the Record ID), `associations.<objectType>.<hs_object_id|email|domain>`
 * (associate with existing records; several values separated by `;`), `association_label` (label
 * names separated by `;`), or null to ignore the column.
 */
export const columnTarget = z.string().max(300).nullable();

/** The `options` part of `POST /api/imports`. */
export const importOptions = z
  .object({
    objectType: objectTypeRef.describe('The object each row is: contacts, companies, deals, tickets or a custom object'),
    mode: importMode.default('create_and_update').describe('create: only new records; update: only existing ones; create_and_update: both'),
    columnMapping: z
      .record(z.string().max(1000), columnTarget)
      .refine((m) => Object.keys(m).length <= 1000, 'at most 1,000 columns')
      .optional()
      .describe('Header → target, for headers that do not map by themselves (at most 1,000)'),
    withObjectType: objectTypeRef.optional().describe('The second object of a two-object file (e.g. companies in a contacts file); found from the headers when left out'),
  })
  .strict();
export type ImportOptions = z.infer<typeof importOptions>;

/** `POST /api/imports/mapping`: the import's options and the file's header, to see the mapping before importing. */
export const mappingPreviewBody = importOptions.safeExtend({
  header: z.array(z.string().max(1000)).min(1).max(1000).describe("The file's first row, as its cells"),
});
export type MappingPreviewBody = z.infer<typeof mappingPreviewBody>;

export const mappingPreview = z.object({
  objectType: z.string(),
  mode: importMode,
  /** The second object of a two-object file, or null. */
  withObjectType: z.string().nullable(),
  /** Object types that association columns point at. */
  associatedObjectTypes: z.array(z.string()),
  columns: z.array(z.object({ header: z.string(), target: z.string().nullable() })),
});
export type MappingPreview = z.infer<typeof mappingPreview>;

export const importError = z.object({
  /** The row as a spreadsheet numbers it: the header is row 1. */
  row: z.number(),
  column: z.string().nullable(),
  code: z.string(),
  message: z.string(),
});
export type ImportError = z.infer<typeof importError>;

export const importView = z.object({
  id: z.string(),
  state: importState,
  objectType: z.string(),
  mode: importMode,
  fileName: z.string().nullable(),
  rowsTotal: z.number(),
  rowsDone: z.number(),
  created: z.record(z.string(), z.number()),
  updated: z.record(z.string(), z.number()),
  associations: z.number(),
  errorCount: z.number(),
  /** Every refused row (the first 10,000; errors.csv has them all). */
  errors: z.array(importError),
  columns: z.array(z.object({ header: z.string(), target: z.string().nullable() })),
  failure: z.string().optional(),
  createdAt: z.string(),
  finishedAt: z.string().optional(),
  undoneAt: z.string().optional(),
});
export type ImportView = z.infer<typeof importView>;

/** Who started an import: a user (by name), or an app token. */
export const importStarter = z.discriminatedUnion('source', [
  z.object({ source: z.literal('USER'), userId: z.string(), name: z.string().nullable() }),
  z.object({ source: z.literal('API'), tokenId: z.string().nullable() }),
]);

/** One import in `GET /api/imports` (newest first). */
export const importListItem = z.object({
  id: z.string(),
  state: importState,
  /** The file's object type (its API name), null when that type is gone. */
  objectType: z.string().nullable(),
  fileName: z.string().nullable(),
  startedBy: importStarter,
  /** Why a failed import stopped (`CANCELED: …` when it was canceled). */
  failure: z.string().optional(),
  createdAt: z.string(),
});
export type ImportListItem = z.infer<typeof importListItem>;
export const importList = z.object({ results: z.array(importListItem) });

export const importIdParam = z.object({ id: z.uuid() });

export const autoDomainJobView = z.object({
  id: z.string(),
  state: importState,
  contactsTotal: z.number(),
  contactsDone: z.number(),
  associations: z.number(),
  companiesCreated: z.number(),
  errorCount: z.number(),
  createdAt: z.string(),
  finishedAt: z.string().optional(),
});
