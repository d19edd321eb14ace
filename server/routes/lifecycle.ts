import { Hono } from 'hono';
import { describeRoute, resolver } from 'hono-openapi';
import { activityBody, activityResponse, TIMELINE_MAX_LIMIT, timelineQuery, timelineResponse, gdprDeleteBody, mergeBody, mergePath, recordPath, restoreResponse, undoMergeResponse } from '../../shared/lifecycle.ts';
import { objectTypeParam, simplePublicObject } from '../../shared/records.ts';
import type { WorkspaceSettings } from '../../shared/workspace.ts';
import type { WriteContext } from '../domain/associations/write.ts';
import { logActivity } from '../domain/lifecycle/activities.ts';
import { ERASED_DETAIL, eraseContact } from '../domain/lifecycle/erase.ts';
import { mergeRecords, undoMerge } from '../domain/lifecycle/merge.ts';
import { restoreRecord } from '../domain/lifecycle/restore.ts';
import { activityTimeline } from '../domain/lifecycle/timeline.ts';
import { resolveObjectType } from '../domain/object-types.ts';
import { getRecord, publicObject } from '../domain/records.ts';
import { actorOf, type AppEnv, type Auth } from '../env.ts';
import { ApiError } from '../errors.ts';
import { REP_MERGES_PER_HOUR, repMergeWait } from '../permissions.ts';
import { validate } from '../validate.ts';

const tags = ['Record lifecycle'];

function writeContext(auth: Auth): WriteContext {
  return { workspaceId: auth.workspaceId, plan: auth.plan, actor: actorOf(auth) };
}

const json = (schema: Parameters<typeof resolver>[0], description: string) => ({ description, content: { 'application/json': { schema: resolver(schema) } } });

/**
 * Restore, merge and its undo, and logging activities (R3, R10, B1, B5). Mounted at `/`: the merge
 * lives at HubSpot's path under /crm/v3/objects, the rest under /api.
 */
export function lifecycleRoutes() {
  return new Hono<AppEnv>()
    .post(
      '/api/objects/:objectType/:id/restore',
      describeRoute({
        summary: 'Restore a deleted record with the associations it had (within 90 days)',
        description:
          'The record comes back with the associations it had when it was deleted, rebuilt from its history and recorded with source OBJECT_RESTORE. Limits and the primary rules still hold: a primary company comes back only where the other record has none now, and an association that cannot come back (a limit, a record deleted since) is listed in `associationsRefused`. Past 90 days: 410 RESTORE_EXPIRED; purged: 410 RECORD_PURGED; a merged record: 409 RECORD_MERGED; a live one: 409 RECORD_NOT_ARCHIVED.',
        tags,
        responses: { 200: json(restoreResponse, 'The restored record and what happened to its associations') },
      }),
      validate('param', recordPath),
      async (c) => {
        const auth = c.get('auth');
        const db = c.get('db');
        const { objectType, id } = c.req.valid('param');
        const type = await resolveObjectType(db, auth.workspaceId, objectType);
        const outcome = await restoreRecord(db, writeContext(auth), type, Number(id));
        return c.json({ restored: publicObject(outcome.row), associationsRestored: outcome.associationsRestored, associationsRefused: outcome.associationsRefused }, 200);
      },
    )
    .post(
      '/api/objects/:objectType/:id/activities',
      describeRoute({
        summary: 'Log an activity (email, call, meeting, note, task) on a record',
        description:
          "Creates the activity and associates it with the record and with only the record's primary company (R10), as the caller's change. Workspace settings `activityAutoAssociate` (open deals or the newest open deal) and `activityAutoAssociateTickets` add the record's open deals and tickets with source JOB (B5); one that cannot be made is listed in `associationsRefused`. An email is logged once per message (B8): with an `hs_email_message_id` the workspace has logged already, the answer is 200 with that email, `existing: true` and no associations made.",
        tags,
        responses: {
          201: json(activityResponse, 'The activity and every association made, with its reason and source'),
          200: json(activityResponse, 'The email of this message logged before (`existing: true`); nothing written'),
        },
      }),
      validate('param', recordPath),
      validate('json', activityBody),
      async (c) => {
        const auth = c.get('auth');
        const db = c.get('db');
        const { objectType, id } = c.req.valid('param');
        const body = c.req.valid('json');
        const type = await resolveObjectType(db, auth.workspaceId, objectType);
        const activityType = await resolveObjectType(db, auth.workspaceId, body.type);
        const outcome = await logActivity(db, writeContext(auth), auth.settings as WorkspaceSettings, { type, id }, activityType, body.properties);
        const answer = { activity: publicObject(outcome.activity), associations: outcome.associations, associationsRefused: outcome.associationsRefused };
        return outcome.existing ? c.json({ ...answer, existing: true }, 200) : c.json(answer, 201);
      },
    )
    .get(
      '/api/objects/:objectType/:id/activities',
      describeRoute({
        summary: "A record's activities (emails, calls, meetings, notes, tasks), newest first, paged",
        description:
          'The live activities associated with the record, newest first by `hs_timestamp` (their creation time when they have none), each with its owner\'s name and the live records it is associated with. `limit` 1 to 100 (default 10); the next page from `paging.next.after`. Unknown record: 404.',
        tags,
        responses: { 200: json(timelineResponse, 'A page of activities') },
      }),
      validate('param', recordPath),
      validate('query', timelineQuery),
      async (c) => {
        const auth = c.get('auth');
        const db = c.get('db');
        const { objectType, id } = c.req.valid('param');
        const query = c.req.valid('query');
        const limit = query.limit === undefined ? 10 : Number(query.limit);
        if (limit < 1 || limit > TIMELINE_MAX_LIMIT) throw new ApiError('VALIDATION_ERROR', `limit must be 1 to ${TIMELINE_MAX_LIMIT}`, { errors: [{ message: `must be 1 to ${TIMELINE_MAX_LIMIT}`, in: 'query:limit' }] });
        const type = await resolveObjectType(db, auth.workspaceId, objectType);
        const record = await getRecord(db, auth.workspaceId, type, id);
        const page = await activityTimeline(db, auth.workspaceId, record.id, { limit, after: query.after });
        return c.json({ results: page.results, ...(page.after ? { paging: { next: { after: page.after } } } : {}) }, 200);
      },
    )
    .post(
      '/api/merges/:mergeId/undo',
      describeRoute({
        summary: 'Undo a merge (B1)',
        description:
          "`mergeId` is the `x-merge-id` header of the merge's answer (also the `sourceId` of its history entries). The survivor gives back the associations it took over, the merged record is live again with the associations it had, recorded with source OBJECT_RESTORE. Only a record's latest merge, and only while the survivor is live: 409 MERGE_NOT_UNDOABLE otherwise.",
        tags,
        responses: { 200: json(undoMergeResponse, 'Both records and what happened to the associations') },
      }),
      validate('param', mergePath),
      async (c) => {
        const auth = c.get('auth');
        const outcome = await undoMerge(c.get('db'), writeContext(auth), c.req.valid('param').mergeId);
        return c.json(
          {
            survivor: publicObject(outcome.survivor),
            restored: publicObject(outcome.restored),
            associationsRemoved: outcome.associationsRemoved,
            associationsRestored: outcome.associationsRestored,
            associationsRefused: outcome.associationsRefused,
            ...(outcome.emailCleared ? { emailCleared: outcome.emailCleared } : {}),
          },
          200,
        );
      },
    )
    .post(
      '/crm/v3/objects/contacts/gdpr-delete',
      describeRoute({
        summary: "Erase a contact for good (HubSpot's GDPR delete)",
        description:
          `The contact (by id, or by email with \`idProperty: "email"\`) and every contact merged into it are deleted, not archived: restore answers 410 RECORD_PURGED and undoing a merge into it 404. Their associations go (recorded on the other side as deleted), and the person's values are removed from the record history, the change feed, import files and refused rows, stored idempotent answers and audit details. The other side's association history keeps that the association existed (action, time, type, id) with the name blanked and the detail "${ERASED_DETAIL}". An audit entry \`record.erased\` names the ids. Unknown contact: 404. See docs/security.md.`,
        tags: ['Objects'],
        responses: { 204: { description: 'Erased' } },
      }),
      validate('json', gdprDeleteBody),
      async (c) => {
        const auth = c.get('auth');
        const db = c.get('db');
        const type = await resolveObjectType(db, auth.workspaceId, 'contacts');
        const { objectId, idProperty } = c.req.valid('json');
        await eraseContact(db, auth, type, { objectId: String(objectId), idProperty: idProperty === 'hs_object_id' ? undefined : idProperty });
        return c.body(null, 204);
      },
    )
    .post(
      '/crm/v3/objects/:objectType/merge',
      describeRoute({
        summary: 'Merge two records of a type (HubSpot\'s merge): `objectIdToMerge` into `primaryObjectId`',
        description:
          "The survivor takes the merged record's associations (history source OBJECT_MERGE: old edges deleted, new ones created); duplicates collapse; the survivor's primary company wins. The merged id keeps answering the survivor on reads. A merge that would pass a limit is refused whole. The answer's `x-merge-id` header names the merge for undo.",
        tags: ['Objects'],
        responses: { 200: json(simplePublicObject, 'The surviving record') },
      }),
      validate('param', objectTypeParam),
      validate('json', mergeBody),
      async (c) => {
        const auth = c.get('auth');
        const db = c.get('db');
        const wait = await repMergeWait(auth);
        if (wait > 0) {
          c.header('retry-after', String(wait));
          throw new ApiError('RATE_LIMITED', `A rep makes at most ${REP_MERGES_PER_HOUR} merges an hour; retry after ${wait} s, or ask an admin`, { errors: [{ message: 'rep merge limit', in: 'permission', code: 'REP_LIMIT' }] });
        }
        const type = await resolveObjectType(db, auth.workspaceId, c.req.valid('param').objectType);
        const { survivor, mergeId } = await mergeRecords(db, writeContext(auth), type, c.req.valid('json'));
        c.header('x-merge-id', mergeId);
        return c.json(publicObject(survivor), 200);
      },
    );
}
