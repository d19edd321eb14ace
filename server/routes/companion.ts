import { Hono } from 'hono';
import { describeRoute, resolver } from 'hono-openapi';
import { COMPANION_LIMITS, type ContactActivity, companionThreadBody, companionThreadResponse, contactSummariesBody, contactSummariesResponse } from '../../shared/companion.ts';
import { CHANGES_AFTER_HEADER } from '../../shared/history.ts';
import { contactSummaries } from '../domain/companion.ts';
import { latestChange } from '../domain/history/changes.ts';
import { lastContacted, loggedMessages, recentActivities } from '../domain/lifecycle/timeline.ts';
import { scopeOf } from '../domain/recommendations/access.ts';
import { recommendForThread } from '../domain/recommendations/thread.ts';
import type { AppEnv } from '../env.ts';
import { validate } from '../validate.ts';

const tags = ['Companion'];

/** /api/companion: what the browser companion's sidebar shows, in one request each (X2). */
export function companionRoutes() {
  return new Hono<AppEnv>()
    .post(
      '/companion/contacts',
      describeRoute({
        summary: 'Summaries of contacts: primary company, counts, newest open deals and tickets',
        description: 'Ids that are no live contact of the workspace are left out of `results`.',
        tags,
        responses: { 200: { description: 'One summary per live contact, by id', content: { 'application/json': { schema: resolver(contactSummariesResponse) } } } },
      }),
      validate('json', contactSummariesBody),
      async (c) => {
        const auth = c.get('auth');
        return c.json({ results: await contactSummaries(c.get('db'), auth.workspaceId, c.req.valid('json').ids) }, 200);
      },
    )
    .post(
      '/companion/thread',
      describeRoute({
        summary: "An email thread as the sidebar shows it: the thread's recommendations plus a summary of every participant that is a contact",
        description:
          'The body and answer of `POST /api/recommendations/thread`, plus `summaries` keyed by contact id; `logged`: which of the body\'s `messageIds` are logged already, when and by whom (B8); `activity`: per contact, when it was last contacted and its newest activities; `neverLog`: the workspace\'s never-log addresses and domains.',
        tags,
        responses: {
          200: {
            description: 'Participants, recommendations, log defaults and contact summaries',
            headers: { [CHANGES_AFTER_HEADER]: { description: "The change feed's end (as GET /api/changes/latest answers it) read before the answer: the answer shows every change up to it", schema: { type: 'string' } } },
            content: { 'application/json': { schema: resolver(companionThreadResponse) } },
          },
        },
      }),
      validate('json', companionThreadBody),
      async (c) => {
        const auth = c.get('auth');
        const db = c.get('db');
        const { messageIds, ...body } = c.req.valid('json');
        // read before the answer, so the answer shows every change up to it
        c.header(CHANGES_AFTER_HEADER, await latestChange(db, auth.workspaceId));
        const thread = await recommendForThread(db, scopeOf(auth), body);
        const ids = thread.participants.flatMap((p) => (p.contact ? [p.contact.id] : []));
        const summaries = await contactSummaries(db, auth.workspaceId, ids);
        const logged = await loggedMessages(db, auth.workspaceId, messageIds);
        const contacted = await lastContacted(db, auth.workspaceId, summaries.map((s) => Number(s.id)));
        const recent = await recentActivities(db, auth.workspaceId, summaries.map((s) => Number(s.id)), COMPANION_LIMITS.recentActivities);
        const activity: Record<string, ContactActivity> = {};
        for (const s of summaries) activity[s.id] = { lastContacted: contacted.get(s.id) ?? null, recent: recent.get(s.id) ?? [] };
        const neverLog = Array.isArray(auth.settings.neverLogAddresses) ? auth.settings.neverLogAddresses.filter((a): a is string => typeof a === 'string') : [];
        return c.json({ ...thread, summaries: Object.fromEntries(summaries.map((s) => [s.id, s])), logged: Object.fromEntries(logged), activity, neverLog }, 200);
      },
    );
}
