import { z } from 'zod';
import { errorCode } from './errors.ts';
import { STANDARD_OBJECTS, type StandardObject } from './objects.ts';
import { propertiesInput, recordIdInput, recordParam, simplePublicObject } from './records.ts';

// Record lifecycle: restore, merge and its undo, activities, lifecycle stages (R3, R10, R11, B1, B5).

/** Deleted (archived) records are restorable this long (SPEC section 4). */
export const RESTORE_WINDOW_DAYS = 90;

/** An association that could not come back, and why (a limit, a record that is gone, a label deleted since). */
export const associationRefusal = z.object({
  toObjectType: z.string().describe('The other record\'s object type by name: `companies`, `deals`, ...'),
  toObjectId: z.number(),
  code: errorCode,
  message: z.string(),
});
export type AssociationRefusal = z.infer<typeof associationRefusal>;

export const recordPath = recordParam.extend({ id: z.string().regex(/^\d{1,15}$/, 'must be a record id') });

export const restoreResponse = z.object({
  restored: simplePublicObject,
  associationsRestored: z.number().describe('Associations (record pairs) brought back'),
  associationsRefused: z.array(associationRefusal),
});
export type RestoreResponse = z.infer<typeof restoreResponse>;

/** HubSpot's PublicMergeInput: `objectIdToMerge` is merged into `primaryObjectId`, which survives. */
export const mergeBody = z.object({ primaryObjectId: recordIdInput, objectIdToMerge: recordIdInput });

/**
 * HubSpot's GDPR delete of a contact (PublicGdprDeleteInput): by id, or by email with
 * `idProperty: "email"`.
 */
export const gdprDeleteBody = z.object({
  objectId: recordIdInput.describe('The contact id, or its email with idProperty `email`'),
  idProperty: z.enum(['hs_object_id', 'email']).optional().describe('`email` to name the contact by its email address'),
});

/** A merge's id: `<merged id>-<survivor id>-<merge time in µs>`, answered in the `x-merge-id` header. */
export const mergeIdPattern = /^(\d{1,15})-(\d{1,15})-(\d{1,20})$/;
export const mergePath = z.object({ mergeId: z.string().regex(mergeIdPattern, 'must be a merge id from the x-merge-id header') });

export const undoMergeResponse = z.object({
  survivor: simplePublicObject,
  restored: simplePublicObject,
  associationsRemoved: z.number().describe('Associations the survivor had taken over from the merged record and gave back'),
  associationsRestored: z.number(),
  associationsRefused: z.array(associationRefusal),
  /** Set when another live contact has the merged contact's email now: the restored contact comes back without it. */
  emailCleared: z.string().optional(),
});
export type UndoMergeResponse = z.infer<typeof undoMergeResponse>;

type ActivityName = Extract<StandardObject, { activity: true }>['name'];
/** HubSpot's engagement types, which are objects too (R3): emails, calls, meetings, notes, tasks. */
export const ACTIVITY_TYPES = STANDARD_OBJECTS.filter((o) => o.activity).map((o) => o.name) as [ActivityName, ...ActivityName[]];
export const activityBody = z.object({ type: z.enum(ACTIVITY_TYPES), properties: propertiesInput.default({}) });

/** Why an activity went to a record: the one it was logged on, that record's primary company (R10), or a rule (B5). */
export const activityReason = z.enum(['logged_on', 'primary_company', 'open_deal', 'newest_open_deal', 'open_ticket']);
export type ActivityReason = z.infer<typeof activityReason>;

export const activityResponse = z.object({
  activity: simplePublicObject,
  associations: z.array(z.object({ toObjectType: z.string(), toObjectId: z.number(), reason: activityReason, source: z.string() })),
  associationsRefused: z.array(associationRefusal),
  /** The email's message was logged before: `activity` is that email and nothing was written (B8). */
  existing: z.boolean().optional(),
});
export type ActivityResponse = z.infer<typeof activityResponse>;

/**
 * HubSpot's lifecycle stages of contacts and companies, in order. `other` closes the list but is
 * no step of the progression: sync (R11) neither moves a company to it nor moves one away from it.
 */
export const LIFECYCLE_STAGES = ['subscriber', 'lead', 'marketingqualifiedlead', 'salesqualifiedlead', 'opportunity', 'customer', 'evangelist', 'other'] as const;
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];

/** The place of a stage in the progression, or undefined for `other`, unknown and empty values. */
export function lifecycleRank(stage: string | null | undefined): number | undefined {
  if (!stage) return undefined;
  const i = LIFECYCLE_STAGES.indexOf(stage.trim().toLowerCase() as LifecycleStage);
  return i < 0 || LIFECYCLE_STAGES[i] === 'other' ? undefined : i;
}

/** A record's activities, newest first (the timeline): `limit` per page (1-100, default 10), `after` from `paging.next.after`. */
export const timelineQuery = z.object({
  limit: z.string().regex(/^\d+$/, 'must be a whole number').optional().describe('Page size, 1 to 100 (default 10)'),
  after: z
    .string()
    .regex(/^-?\d{1,18}_\d{1,15}$/, 'must be a cursor from paging.next.after')
    .optional()
    .describe('Cursor from `paging.next.after`'),
});
export const TIMELINE_MAX_LIMIT = 100;

/** One activity of a timeline: its type (`emails`, `calls`, `meetings`, `notes`, `tasks`), when it happened, its properties and the records it is associated with. */
export const timelineActivity = z.object({
  id: z.string(),
  type: z.enum(ACTIVITY_TYPES),
  /** `hs_timestamp`, or the creation time when it has none. */
  timestamp: z.string(),
  createdAt: z.string(),
  properties: z.record(z.string(), z.string().nullable()),
  /** The owner's name (`hubspot_owner_id`), when the activity has a known owner. */
  ownerName: z.string().nullable(),
  associations: z.array(z.object({ objectType: z.string(), id: z.string(), name: z.string() })),
});
export type TimelineActivity = z.infer<typeof timelineActivity>;

export const timelineResponse = z.object({
  results: z.array(timelineActivity),
  paging: z.object({ next: z.object({ after: z.string() }) }).optional(),
});
export type TimelineResponse = z.infer<typeof timelineResponse>;
