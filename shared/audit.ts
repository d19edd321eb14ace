import { z } from 'zod';

/**
 * Who did something: a user (by their token) or an app token. Ids of users and tokens come from
 * one sequence, so an id names one principal. `name` is the name they had at the time.
 */
export const actorKind = z.enum(['user', 'app']);
export type ActorKind = z.infer<typeof actorKind>;
export const auditActor = z.object({ kind: actorKind, id: z.string(), name: z.string() });
export type AuditActor = z.infer<typeof auditActor>;

/**
 * What an audit entry is about. `record.*` come from the record changes (the change feed's
 * rows); the others are admin actions written by `recordAudit`. Machine names: a contract.
 */
export const auditAction = z.enum([
  'record.created',
  'record.updated',
  'record.archived',
  'record.restored',
  'record.merged',
  'record.erased',
  'workspace.created',
  'workspace.renamed',
  'workspace.plan_changed',
  'workspace.settings_changed',
  'user.created',
  'user.updated',
  'user.removed',
  'token.created',
  'token.revoked',
  'schema.created',
  'schema.updated',
  'schema.archived',
  'schema.purged',
  'label.created',
  'label.updated',
  'label.deleted',
  'limits.set',
  'limits.removed',
  'pipeline.created',
  'pipeline.updated',
  'pipeline.archived',
  'pipeline.restored',
  'pipeline_stage.created',
  'pipeline_stage.updated',
  'pipeline_stage.archived',
  'pipeline_stage.restored',
  'property.created',
  'property.updated',
  'property.archived',
  'property_group.created',
  'property_group.updated',
  'property_group.archived',
]);
export type AuditAction = z.infer<typeof auditAction>;

/** A filter text: bounded, and no NUL or lone surrogate (PostgreSQL text cannot hold them). */
const filterText = (max: number) =>
  z
    .string()
    .min(1)
    .max(max, `must be at most ${max} characters`)
    .refine((s) => !s.includes('\u0000') && s.isWellFormed(), 'must not contain NUL characters or lone surrogates');

const id = z.string().regex(/^\d{1,15}$/, 'must be an id (digits)');
const isoTime = z.iso.datetime({ offset: true, message: 'must be an ISO 8601 time, e.g. 2026-05-01T12:00:00Z' });

export const auditQuery = z.object({
  actorKind: actorKind.optional().describe('Only entries by users, or only by app tokens'),
  actorId: id.optional().describe('Only entries by this user or app token'),
  action: z
    .union([z.string(), z.array(z.string())])
    .transform((v) => (Array.isArray(v) ? v : [v]).flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean))
    .pipe(z.array(auditAction).min(1).max(auditAction.options.length))
    .optional()
    .describe('Actions, comma-separated (`record.created,user.created`)'),
  targetType: filterText(100).optional().describe('What the entries are about: an object type (`contacts`, `2-1001`), `user`, `token`, `workspace`, `schema`, `label`, `limit`, `pipeline`, `pipeline_stage`, `property`, `property_group`'),
  targetId: filterText(200).optional().describe('The id of what the entries are about (a record id, a user id, a type id)'),
  occurredAfter: isoTime.optional().describe('Entries at or after this time'),
  occurredBefore: isoTime.optional().describe('Entries before this time'),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  after: id.optional().describe('A cursor from paging.next.after'),
});
export type AuditQuery = z.infer<typeof auditQuery>;

export const auditEntry = z.object({
  id: z.string(),
  occurredAt: z.string(),
  action: auditAction,
  /** Null for changes written before actors were recorded, or with no caller (command-line tools). */
  actor: auditActor.nullable(),
  targetType: z.string(),
  targetId: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
});
export type AuditEntry = z.infer<typeof auditEntry>;

/** Newest first; `paging.next.after` continues with older entries. */
export const auditPage = z.object({
  results: z.array(auditEntry),
  paging: z.object({ next: z.object({ after: z.string(), link: z.string() }) }).optional(),
});
