import { z } from 'zod';
import { associationCategory, associationSpec, associationTypeIdValue } from './association-types.ts';
import { errorBody, errorCode } from './errors.ts';
import { LIMITS } from './plans.ts';

/** Record ids arrive as strings or numbers (HubSpot's clients send both). */
/**
 * An id cursor (`paging.next.after`): digits that stay a whole number below 2^53, so it reaches
 * the database as a valid bigint; anything longer is a 400 naming the parameter, never a 500.
 */
export const idCursor = z.string().regex(/^\d{1,16}$/, 'after must be a cursor from paging.next.after').refine((v) => Number.isSafeInteger(Number(v)), 'after must be a cursor from paging.next.after');

export const recordId = z.union([z.string().regex(/^\d{1,15}$/, 'must be a numeric record id'), z.number().int().positive().max(Number.MAX_SAFE_INTEGER)]).transform(Number);
const objectIdRef = z.object({ id: recordId }).loose();

function batchOf<T extends z.ZodType>(item: T) {
  return z.object({ inputs: z.array(item).min(1, 'at least one input').max(LIMITS.batchInputs, `at most ${LIMITS.batchInputs} inputs per call`) });
}

export const associationPath = z.object({
  fromType: z.string().min(1).max(100),
  fromId: recordId,
  toType: z.string().min(1).max(100),
  toId: recordId,
});
export const listPath = z.object({ fromType: z.string().min(1).max(100), fromId: recordId, toType: z.string().min(1).max(100) });
export const pairPath = z.object({ fromType: z.string().min(1).max(100), toType: z.string().min(1).max(100) });

export const listQuery = z.object({
  limit: z.coerce.number().int().min(1).max(LIMITS.associationsPerPage).default(LIMITS.associationsPerPage),
  after: idCursor.optional(),
});
export const deleteQuery = z.object({ newPrimaryCompanyId: recordId.optional() });

export const labelsBody = z.array(associationSpec).max(60);

export const batchDefaultBody = batchOf(z.object({ from: objectIdRef, to: objectIdRef }));
export const batchCreateBody = batchOf(z.object({ from: objectIdRef, to: objectIdRef, types: z.array(associationSpec).max(60) }));
export const batchReadBody = batchOf(z.object({ id: recordId, after: idCursor.optional() }));
export const batchArchiveBody = batchOf(z.object({ from: objectIdRef, to: z.array(objectIdRef).min(1).max(LIMITS.batchInputs), newPrimaryCompanyId: recordId.optional() }));
export const batchLabelsArchiveBody = batchOf(z.object({ from: objectIdRef, to: objectIdRef, types: z.array(associationSpec).min(1).max(60), newPrimaryCompanyId: recordId.optional() }));

export const labelCreateBody = z.object({
  label: z.string().trim().min(1).max(100),
  name: z.string().trim().min(1).max(100).regex(/^[A-Za-z0-9_ -]+$/, 'letters, digits, spaces, dashes and underscores'),
  inverseLabel: z.string().trim().min(1).max(100).optional(),
  /** Ours: a primary-style label holds at most one record per `from` record (R13, B4). */
  primaryStyle: z.boolean().optional(),
});
export const labelUpdateBody = z.object({
  associationTypeId: associationTypeIdValue,
  label: z.string().trim().min(1).max(100),
  inverseLabel: z.string().trim().min(1).max(100).optional(),
});
export const labelDeletePath = pairPath.extend({ typeId: z.coerce.number().int().positive().max(2_147_483_647) });

const limitInput = z.object({ category: associationCategory, typeId: associationTypeIdValue, maxToObjectIds: z.number().int() });
export const limitsBody = batchOf(limitInput);
export const limitsPurgeBody = batchOf(z.object({ category: associationCategory, typeId: associationTypeIdValue }));

// What the v4 association routes answer: the OpenAPI document shows these, the companion parses them.

/** A per-input failure in a batch answer (HubSpot's StandardError), our stable code in `subCategory`. */
export const associationBatchError = z.object({
  status: z.literal('error'),
  category: z.string(),
  subCategory: errorCode,
  message: z.string(),
  /** Which input failed: `fromObjectId`, `toObjectId`, `inputIndex`. */
  context: z.record(z.string(), z.array(z.string())),
  errors: errorBody.shape.errors,
});
export type AssociationBatchError = z.infer<typeof associationBatchError>;

/** HubSpot's batch envelope: every input applied (200, 201), or some refused (207, with `errors`). */
function batchResponseOf<T extends z.ZodType>(result: T) {
  return z.object({
    status: z.literal('COMPLETE'),
    results: z.array(result),
    startedAt: z.string(),
    completedAt: z.string(),
    numErrors: z.number().int().optional(),
    errors: z.array(associationBatchError).optional(),
  });
}

/** PUT .../associations/default/...: the unlabeled type made between two records, both directions. */
export const defaultAssociationResponse = batchResponseOf(z.object({ from: z.object({ id: z.string() }), to: z.object({ id: z.string() }), associationSpec }));
export type DefaultAssociationResponse = z.infer<typeof defaultAssociationResponse>;

/** PUT .../associations/:toType/:toId with labels: the labels between the two records afterwards, seen from `from`. */
export const labelsAssociationResponse = z.object({
  fromObjectTypeId: z.string(),
  fromObjectId: z.number(),
  toObjectTypeId: z.string(),
  toObjectId: z.number(),
  labels: z.array(z.string()),
});
export type LabelsAssociationResponse = z.infer<typeof labelsAssociationResponse>;

/** One associated record with every type between the two, seen from the record read. */
export const associatedRecordTypes = z.object({
  toObjectId: z.number(),
  associationTypes: z.array(z.object({ category: associationCategory, typeId: z.number().int(), label: z.string().nullable() })),
});

/** POST .../batch/read: each record's associations with one object type, one page each; `paging` when it had more. */
export const associationsBatchReadResponse = batchResponseOf(
  z.object({ from: z.object({ id: z.string() }), to: z.array(associatedRecordTypes), paging: z.object({ next: z.object({ after: z.string() }) }).optional() }),
);
export type AssociationsBatchReadResponse = z.infer<typeof associationsBatchReadResponse>;

/** A 207 of a batch that answers nothing on success (204): the inputs that were refused. */
export const batchRefusalsResponse = batchResponseOf(z.never());
/** A batch whose results the caller does not read (limits): what counts is which inputs were refused. */
export const batchOutcomeResponse = batchResponseOf(z.unknown());

/** One association type of a direction with its use (GET /api/associations/{fromType}/{toType}/usage; R4, R14). */
export const associationUsage = z.object({
  typeId: z.number(),
  category: associationCategory,
  label: z.string().nullable().describe('null for the unlabeled type: its limit is the pair limit'),
  inverseLabel: z.string().nullable().describe("a paired label's name seen from the other side"),
  primary: z.boolean().describe('the primary company label, or a primary-style label: one record at most'),
  associations: z.number().describe('associations of this direction that carry the type'),
  limit: z.number().describe("the limit per record: the type's own, else the pair's, else the plan's default"),
  ownLimit: z.number().nullable().describe('the limit an admin set for this type, or null'),
  recordsAbove: z.number().describe('records holding more associations of this type than the limit now (lower limits are not retroactive)'),
});
export type AssociationUsage = z.infer<typeof associationUsage>;
export const associationUsageResponse = z.object({ results: z.array(associationUsage) });

/** An association type of a pair as the labels and limits reads answer it (specWithLabel). */
export const pairTypeView = z.object({ category: associationCategory, typeId: z.number().int(), label: z.string().nullable() });
/** GET /crm/v4/associations/:fromType/:toType/labels: every type from one object type to another (R14). */
export const pairLabelsResponse = z.object({ results: z.array(pairTypeView) });
/** GET .../definitions/configurations/:fromType/:toType: the per-record limits an admin set (R4). */
export const pairLimitsResponse = z.object({ results: z.array(pairTypeView.extend({ userEnforcedMaxToObjectIds: z.number().int() })) });
