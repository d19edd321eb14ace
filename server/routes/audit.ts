import { Hono } from 'hono';
import { describeRoute, resolver } from 'hono-openapi';
import { auditPage, auditQuery } from '../../shared/audit.ts';
import { readAudit } from '../domain/audit.ts';
import type { AppEnv } from '../env.ts';
import { validate } from '../validate.ts';
import { nextLink } from './history.ts';

/** /api/audit: who changed what (record changes and admin actions), for admins. */
export function auditRoutes() {
  return new Hono<AppEnv>().get(
    '/audit',
    describeRoute({
      summary: 'The audit trail, newest first (admins only)',
      description:
        'Record changes (created, updated, archived, restored, merged) and admin actions (users, tokens, plan, settings, schemas, labels, limits), each with its actor: a user or an app token, with the name it had then. Filters combine; follow `paging.next.after` for older entries. Reps and app tokens get 403.',
      tags: ['Admin'],
      responses: { 200: { description: 'Entries, newest first', content: { 'application/json': { schema: resolver(auditPage) } } } },
    }),
    validate('query', auditQuery),
    async (c) => {
      const auth = c.get('auth');
      const page = await readAudit(c.get('db'), auth.workspaceId, c.req.valid('query'));
      const paging = page.after !== null ? { paging: { next: { after: page.after, link: nextLink(c, page.after) } } } : {};
      return c.json({ results: page.results, ...paging }, 200);
    },
  );
}
