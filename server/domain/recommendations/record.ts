import { z } from 'zod';
import { COMPANY, CONTACT } from '../../../shared/objects.ts';
import type { Recommendation } from '../../../shared/recommendations.ts';
import type { DbOrTx } from '../../db/client.ts';
import { col, parseRows } from '../../db/rows.ts';
import { ApiError } from '../../errors.ts';
import type { ObjectType } from '../object-types.ts';
import type { Scope } from './access.ts';
import { companyDomainKey } from './domains.ts';
import { rank } from './ranking.ts';
import { CAPS, nameTextOf } from './signals.ts';
import { runStatement } from '../../db/prepared.ts';
import { candidateRow, recordStatement, type SourceDomain, sourceStatement } from './sql.ts';

export interface RecordRecommendationParams {
  source: ObjectType;
  id: number;
  target: ObjectType;
  limit: number;
  q?: string | null;
  /** Clock of the recency signal (tests fix it). */
  now?: Date;
}

export const sourceRow = z.object({
  id: col.id,
  type_id: col.text,
  properties: col.properties,
  contact_emails: col.list(col.text),
  company_domains: col.list(col.text),
});
type SourceRow = z.output<typeof sourceRow>;

/**
 * The domains a record brings (R18): a contact's own email domain; a company's own domain; for
 * any other record, the email domains of its contacts and the domains of its companies. Personal
 * mail domains never count.
 */
export function sourceDomains(source: SourceRow): SourceDomain[] {
  const out = new Map<string, SourceDomain>();
  const add = (value: string | null | undefined, from: SourceDomain['from']) => {
    const key = companyDomainKey(value);
    if (key && !out.has(key.exact) && out.size < CAPS.sourceDomains) out.set(key.exact, { ...key, from });
  };
  if (source.type_id === CONTACT) add(source.properties.email, 'email');
  else if (source.type_id === COMPANY) add(source.properties.domain, 'company');
  else {
    for (const e of source.contact_emails) add(e, 'email');
    for (const d of source.company_domains) add(d, 'companies');
  }
  return [...out.values()];
}

/** Records of the target type to associate with a record, ranked and explained (R5, B7). */
export async function recommendForRecord(db: DbOrTx, scope: Scope, p: RecordRecommendationParams): Promise<Recommendation[]> {
  const [source] = parseRows('recommendations: the source record', sourceRow, await runStatement(db, sourceStatement(scope, p.id, p.source.typeId)));
  if (!source) {
    throw new ApiError('NOT_FOUND', `No ${p.source.singular} with id ${p.id}`, { errors: [{ message: `record ${p.id} not found`, in: 'path:id' }] });
  }
  const statement = recordStatement(scope, {
    sourceId: source.id,
    sourceType: p.source.typeId,
    target: p.target.typeId,
    limit: p.limit,
    nameText: nameTextOf(p.source.typeId, source.properties),
    domains: sourceDomains(source),
    q: p.q?.trim() || null,
    now: (p.now ?? new Date()).toISOString(),
  });
  const rows = parseRows('recommendations: for a record', candidateRow, await runStatement(db, statement));
  return rank(rows, { nameOf: () => p.target.name, definitionOf: () => p.target.definition }, { query: p.q?.trim() || null, sourceType: p.source.typeId });
}
