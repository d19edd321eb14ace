import { type SQL, sql } from 'drizzle-orm';
import type { Auth } from '../../env.ts';

/**
 * What a principal may see, for recommendations. The one place that decides it: every record a
 * recommendation reads (source, candidates, the records its reasons name) goes through
 * `visible()`. Today every rep sees the whole workspace; a narrower rule (owner, team) goes here.
 */
export interface Scope {
  workspaceId: string;
  /** The signed-in user (their own address is never a thread participant), null for app tokens. */
  userId: number | null;
  /** Workspace settings: internal domains and never-log addresses (B8). */
  internalDomains: string[];
  neverLogAddresses: string[];
  /** R18: whether a company missing for a domain would be created with the contact. */
  autoCreateCompanies: boolean;
}

export function scopeOf(auth: Auth): Scope {
  const s = auth.settings as { internalDomains?: string[]; neverLogAddresses?: string[]; autoCreateCompaniesByDomain?: boolean };
  return {
    workspaceId: auth.workspaceId,
    userId: auth.principal.kind === 'user' ? auth.principal.userId : null,
    internalDomains: s.internalDomains ?? [],
    neverLogAddresses: s.neverLogAddresses ?? [],
    autoCreateCompanies: s.autoCreateCompaniesByDomain === true,
  };
}

/** SQL condition: the record under `alias` is live and the scope may see it. */
export function visible(_scope: Scope, alias: string): SQL {
  const r = sql.raw(alias);
  return sql`${r}.archived_at is null and ${r}.merged_into is null`;
}
