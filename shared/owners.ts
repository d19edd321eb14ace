import { z } from 'zod';

// Owners: HubSpot's CRM v3 owners API over the workspace's users. An owner's id is its user's id
// (HubSpot's owner ids and user ids differ; here one id names both, so `hubspot_owner_id` values
// and `idProperty=userId` lookups agree).

const booleanQuery = z.enum(['true', 'false']);

export const ownersQuery = z.object({
  email: z.string().max(320).optional().describe('Only the owner with this email address (case-insensitive)'),
  after: z.string().regex(/^\d{1,15}$/, 'must be a cursor from paging.next.after').optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100).describe('1–500, default 100'),
  archived: booleanQuery.optional().describe('`true`: only archived owners (removed users)'),
});
export type OwnersQuery = z.infer<typeof ownersQuery>;

export const ownerParam = z.object({ ownerId: z.string().regex(/^\d{1,15}$/, 'must be an owner id (digits)') });

export const ownerQuery = z.object({
  idProperty: z.enum(['id', 'userId']).default('id').describe('What `ownerId` is: the owner id or the user id (the same number here)'),
  archived: booleanQuery.optional().describe('`true`: only an archived owner (a removed user)'),
});

export const publicOwner = z.object({
  id: z.string(),
  email: z.string(),
  type: z.literal('PERSON'),
  firstName: z.string(),
  lastName: z.string(),
  userId: z.number().optional().describe('The user id; absent while the user is deactivated'),
  userIdIncludingInactive: z.number(),
  createdAt: z.string(),
  updatedAt: z.string(),
  archived: z.boolean(),
  teams: z.array(z.object({ id: z.string(), name: z.string(), primary: z.boolean() })),
});
export type PublicOwner = z.infer<typeof publicOwner>;

export const ownersPage = z.object({
  results: z.array(publicOwner),
  paging: z.object({ next: z.object({ after: z.string(), link: z.string() }) }).optional(),
});
