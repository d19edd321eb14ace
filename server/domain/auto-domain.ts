import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { COMPANY, CONTACT } from '../../shared/objects.ts';
import { normalizeDomain } from '../../shared/records.ts';
import type { DbOrTx, Tx } from '../db/client.ts';
import { col, parseRows } from '../db/rows.ts';
import { workspaces } from '../db/schema/index.ts';
import type { Actor } from '../env.ts';
import { ApiError } from '../errors.ts';
import type { WriteContext } from './associations/write.ts';
import { linkUnlabeled } from './imports/link.ts';
import { objectTypeById } from './object-types.ts';
import { type CompanyDomainKey, companyDomainKey, companyNameForDomain } from './recommendations/domains.ts';
import { insertRecord } from './records.ts';

/**
 * Automatic association by domain (R18): a contact's email domain associates it with the company
 * of that domain, and, when enabled, creates that company first. Personal mail domains and the
 * workspace's excluded domains never match or create a company; a subdomain falls back to its
 * registrable domain when no company has the exact one; of several companies with the domain, the
 * oldest is taken and the history entry says so. History source AUTO_DOMAIN.
 */

export interface AutoDomainSettings {
  associate: boolean;
  create: boolean;
  /** Normalised excluded domains. */
  excluded: string[];
}

export function autoDomainSettings(settings: Record<string, unknown>): AutoDomainSettings {
  const excluded = Array.isArray(settings.autoAssociateExcludedDomains) ? (settings.autoAssociateExcludedDomains as string[]) : [];
  return {
    associate: settings.autoAssociateCompaniesByDomain === true,
    create: settings.autoAssociateCompaniesByDomain === true && settings.autoCreateCompaniesByDomain === true,
    excluded: excluded.map((d) => normalizeDomain(d)).filter((d): d is string => d !== null),
  };
}

export async function readAutoDomainSettings(db: DbOrTx, workspaceId: string): Promise<AutoDomainSettings> {
  const [row] = await db.select({ settings: workspaces.settings }).from(workspaces).where(eq(workspaces.workspaceId, workspaceId));
  return autoDomainSettings(row?.settings ?? {});
}

function isExcluded(domain: string, excluded: readonly string[]): boolean {
  return excluded.some((x) => domain === x || domain.endsWith(`.${x}`));
}

/** What an email's domain (its company lookup key) points at: a company (the oldest of those with the domain), one to create, or nothing. */
export type DomainMatch =
  | { kind: 'none' }
  | { kind: 'found'; companyId: number; domain: string; sharedBy: number; fallback: boolean }
  | { kind: 'create'; domain: string };

const companyDomainRow = z.object({ id: col.id, domain: col.text });

export async function companyForDomain(db: DbOrTx, workspaceId: string, key: CompanyDomainKey, settings: AutoDomainSettings): Promise<DomainMatch> {
  if (isExcluded(key.exact, settings.excluded) || (key.registrable && isExcluded(key.registrable, settings.excluded))) return { kind: 'none' };
  const wanted = key.registrable ? [key.exact, key.registrable] : [key.exact];
  const rows = parseRows(
    'auto-domain: companies with a domain',
    companyDomainRow,
    await db.execute(sql`
      select id, lower(properties->>'domain') as domain from records
      where workspace_id = ${workspaceId} and type_id = ${COMPANY} and archived_at is null and merged_into is null
        and lower(properties->>'domain') in (${sql.join(wanted.map((d) => sql`${d}`), sql`, `)})
      order by created_at, id`),
  );
  for (const domain of wanted) {
    const same = rows.filter((r) => r.domain === domain);
    if (same.length > 0) return { kind: 'found', companyId: same[0]!.id, domain, sharedBy: same.length, fallback: domain !== key.exact };
  }
  return settings.create ? { kind: 'create', domain: key.registrable ?? key.exact } : { kind: 'none' };
}

export interface AutoDomainResult {
  companyId: number;
  /** The company was created for this domain. */
  createdCompany: boolean;
  /** The association was made now (false: it was there already). */
  associated: boolean;
}

/**
 * Associates one contact with the company of its email domain, in the caller's transaction.
 * `actor` is AUTO_DOMAIN (with the job's or import's id as `sourceId` when there is one). Answers
 * null when nothing applies; throws ApiError when the association is refused (a limit).
 */
export async function autoAssociateContact(
  tx: Tx,
  ctx: Omit<WriteContext, 'actor'> & { actor?: Actor },
  contact: { id: number; email: string | null | undefined },
  settings: AutoDomainSettings,
): Promise<AutoDomainResult | null> {
  if (!settings.associate) return null;
  const key = companyDomainKey(contact.email);
  if (!key) return null;
  // two contacts of a new domain at once must not create two companies
  if (settings.create) await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`${ctx.workspaceId}/auto-domain/${key.registrable ?? key.exact}`}))`);
  const match = await companyForDomain(tx, ctx.workspaceId, key, settings);
  if (match.kind === 'none') return null;
  const write: WriteContext = { workspaceId: ctx.workspaceId, plan: ctx.plan, actor: ctx.actor ?? { source: 'AUTO_DOMAIN' } };
  let companyId: number;
  const notes = [`email domain ${key.exact}`];
  if (match.kind === 'create') {
    const type = await objectTypeById(tx, ctx.workspaceId, COMPANY);
    const company = await insertRecord(tx, write, type, { properties: { domain: match.domain, name: companyNameForDomain(match.domain) } });
    companyId = company.id;
    notes.push(`company created for ${match.domain}`);
  } else {
    companyId = match.companyId;
    if (match.fallback) notes.push(`no company has ${key.exact}: matched its registrable domain ${match.domain}`);
    if (match.sharedBy > 1) notes.push(`oldest of ${match.sharedBy} companies with domain ${match.domain}`);
  }
  const [outcome] = await linkUnlabeled(tx, write, [{ a: { id: contact.id, type: CONTACT }, b: { id: companyId, type: COMPANY }, detail: notes.join('; ') }]);
  if (!outcome!.ok) throw outcome!.error;
  return { companyId, createdCompany: match.kind === 'create', associated: outcome!.made };
}

/**
 * The hook of contact writes (create, email change; batch create and update use the many form): called in the
 * writing transaction, after the write. Reads the workspace's settings once for all the contacts
 * and does nothing more when automatic association is off; contacts without a company-like email
 * domain cost no query. Each association runs in its own savepoint: a company at its contact limit
 * does not stop the contact's own write nor the other contacts'.
 */
export async function autoAssociateOnWrite(tx: Tx, ctx: WriteContext, contact: { id: number; email: string | null | undefined }): Promise<void> {
  await autoAssociateManyOnWrite(tx, ctx, [contact]);
}

/** autoAssociateOnWrite for the contacts of one batch write. */
export async function autoAssociateManyOnWrite(tx: Tx, ctx: WriteContext, contacts: ReadonlyArray<{ id: number; email: string | null | undefined }>): Promise<void> {
  const candidates = contacts.filter((c) => companyDomainKey(c.email) !== null);
  if (candidates.length === 0) return;
  const settings = ctx.settings ? autoDomainSettings(ctx.settings) : await readAutoDomainSettings(tx, ctx.workspaceId);
  if (!settings.associate) return;
  for (const contact of candidates) {
    try {
      await tx.transaction((sp) => autoAssociateContact(sp as Tx, { workspaceId: ctx.workspaceId, plan: ctx.plan }, contact, settings));
    } catch (err) {
      if (err instanceof ApiError && err.code === 'ASSOCIATION_LIMIT_EXCEEDED') continue;
      throw err;
    }
  }
}
