import { z } from 'zod';
import { planSchema } from './plans.ts';
import { appScope } from './scopes.ts';
import { normalizeDomain, normalizeEmail } from './records.ts';
export { neverLogMatch } from './never-log.ts';

/**
 * B8: one entry of the workspace's never-log list: an address (`lee@private.example`) or a domain
 * (`private.example`, which also covers its subdomains), stored in the normal form of a contact's
 * email or a company's domain. A leading `@` before a domain is dropped.
 */
export function neverLogEntryOf(input: string): string | null {
  const text = input.trim().replace(/^@/, '');
  return text.includes('@') ? normalizeEmail(text) : normalizeDomain(text) === text.toLowerCase() ? text.toLowerCase() : null;
}

export const neverLogEntry = z
  .string()
  .max(320)
  .transform((value, ctx) => {
    const entry = neverLogEntryOf(value);
    if (entry === null) ctx.addIssue({ code: 'custom', message: `"${value.slice(0, 80)}" is neither an email address nor a domain name such as private.example` });
    return entry ?? value;
  });

/** Workspace settings an admin may change. Unknown keys are refused, not silently kept. */
export const workspaceSettings = z
  .object({
    autoAssociateCompaniesByDomain: z.boolean().describe('R18: associate contacts with the company of their email domain'),
    autoCreateCompaniesByDomain: z.boolean().describe('R18: create that company first when none exists'),
    autoAssociateExcludedDomains: z
      .array(z.string().max(253).refine((d) => normalizeDomain(d) !== null, 'must be a domain name such as acme.com'))
      .max(1000)
      .describe('R18: email domains (and their subdomains) that never match or create a company; at most 1,000'),
    lifecycleStageSync: z.boolean().describe('R11: a contact moving forward moves its primary company'),
    activityAutoAssociate: z
      .enum(['none', 'open_deals', 'newest_open_deal'])
      .describe("B5: a logged activity also goes to the record's open deals, or only its newest open deal (source Job)"),
    activityAutoAssociateTickets: z.boolean().describe("B5: a logged activity also goes to the record's open tickets (source Job)"),
    primaryCompanyOnRemove: z
      .enum(['promote', 'refuse'])
      .describe(
        "R15: removing a contact's primary company while it has others, without newPrimaryCompanyId: 'promote' (the default, as HubSpot does) makes the most recently associated remaining company primary; 'refuse' answers PRIMARY_COMPANY_REQUIRED",
      ),
    internalDomains: z.array(z.string().min(1).max(253)).max(1000),
    neverLogAddresses: z
      .array(neverLogEntry)
      .max(1000)
      .describe('B8: addresses and domains (with their subdomains) whose email is never logged, on any logging route; at most 1,000'),
  })
  .partial()
  .strict();
export type WorkspaceSettings = z.infer<typeof workspaceSettings>;

/** R15: whether a primary company removed without a named successor hands over to the newest company left (default) or is refused. */
export function promotesOnPrimaryRemove(settings: Record<string, unknown>): boolean {
  return settings.primaryCompanyOnRemove !== 'refuse';
}

export const createWorkspaceBody = z.object({ name: z.string().trim().min(1).max(200), plan: planSchema }).strict();
export const patchWorkspaceBody = z
  .object({ name: z.string().trim().min(1).max(200), plan: planSchema, settings: workspaceSettings })
  .partial()
  .strict()
  // an empty patch (or a body that is not JSON, which reads as one) changes nothing: say so (issue 13)
  .refine((b) => Object.keys(b).length > 0, 'send a JSON body (Content-Type: application/json) with at least one of name, plan, settings');
export const createUserBody = z
  .object({ name: z.string().trim().min(1).max(200), email: z.email().max(320), role: z.enum(['admin', 'rep']) })
  .strict();
export const createTokenBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    scopes: z.array(appScope).max(50).default([]).describe("HubSpot scope names the app token is granted (`crm.objects.contacts.read`, ...); outside them it is refused with 403 naming the missing scope"),
  })
  .strict();
export const patchUserBody = z
  .object({ role: z.enum(['admin', 'rep']), active: z.boolean().describe('false deactivates the user: their tokens are refused until true again') })
  .partial()
  .strict()
  .refine((b) => b.role !== undefined || b.active !== undefined, 'give role or active');
export const workspaceIdParam = z.object({ id: z.uuid() });
export const userIdParam = z.object({ id: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });
export const userView = z.object({
  id: z.number(),
  name: z.string(),
  email: z.string(),
  role: z.enum(['admin', 'rep']),
  instanceOwner: z.boolean(),
  active: z.boolean(),
  createdAt: z.string(),
});
/**
 * Who the caller is (GET /api/me): the signed-in user with their role, or an app token with its
 * scopes; and the workspace. The companion's pages decide from it what to show (the server
 * refuses what a role may not do whatever a page shows).
 */
export const meView = z.object({
  workspace: z.object({ id: z.string(), name: z.string(), plan: planSchema }),
  caller: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('user'), id: z.number(), name: z.string(), role: z.enum(['admin', 'rep']), instanceOwner: z.boolean() }),
    z.object({ kind: z.literal('app'), tokenId: z.number(), name: z.string(), scopes: z.array(z.string()) }),
  ]),
});
export type MeView = z.infer<typeof meView>;

export const tokenView = z.object({
  id: z.number(),
  name: z.string(),
  kind: z.enum(['user', 'app']),
  userId: z.number().nullable(),
  scopes: z.array(appScope),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable().describe('Updated at most once a minute'),
});

export const workspaceView = z.object({
  id: z.string(),
  name: z.string(),
  plan: planSchema,
  // as stored: a list saved before entries were checked is still read (and shown to fix)
  settings: workspaceSettings.extend({ neverLogAddresses: z.array(z.string()).optional() }),
  createdAt: z.string(),
});

/** GET /api/users and GET /api/tokens: the lists. */
export const usersResponse = z.object({ results: z.array(userView) });
export const tokensResponse = z.object({ results: z.array(tokenView) });
