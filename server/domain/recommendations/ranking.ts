import { EVIDENCE_KINDS, type Reason, type Recommendation } from '../../../shared/recommendations.ts';
import { standardObjectById } from '../../../shared/objects.ts';
import type { ObjectSchemaDefinition } from '../../db/schema/index.ts';
import { displayName } from '../record-name.ts';
import { CAPS } from './signals.ts';
import type { CandidateRow } from './sql.ts';

/**
 * Turns the statements' rows into recommendations: one reason per signal that weighed, with the
 * values its sentence needs (the companion words them) and its weight, and a score that is exactly
 * the sum of the (rounded) reason weights. Records with evidence come before those without.
 */

export interface TargetInfo {
  /** Plural API name of each type id the rows can have. */
  nameOf(typeId: string): string;
  definitionOf?(typeId: string): ObjectSchemaDefinition | undefined;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/** The plural API name of a standard type id (the type id itself for any other). */
const typeName = (typeId: string) => standardObjectById(typeId)?.name ?? typeId;

const names = (typeId: string, list: Array<Record<string, string | null>>) =>
  list.map((p) => displayName(typeId, p)).filter((x): x is string => Boolean(x));

export interface RankContext {
  /** What the rep typed (the query reason quotes it). */
  query?: string | null;
  /** The source record's type (the engagement reason names it). */
  sourceType?: string;
}

function domainReason(row: CandidateRow, weight: number): Reason {
  const domain = row.domain ?? '';
  const registrable = row.domain_exact === false;
  if (row.domain_via) return { kind: 'domain', weight, values: { domain, via: 'company', registrable, company: displayName('0-2', row.domain_via) ?? domain } };
  const via = row.type_id === '0-1' ? (row.domain_from === 'email' ? 'email_domain' : 'company_domain') : 'same_domain';
  return { kind: 'domain', weight, values: { domain, via, registrable, company: null } };
}

/** The reasons of one row, strongest first, weights rounded. */
export function reasonsOf(row: CandidateRow, context: RankContext = {}): Reason[] {
  const out: Reason[] = [];
  const add = (weight: number, make: (w: number) => Reason) => {
    const w = round(weight);
    if (w > 0) out.push(make(w));
  };
  add(row.w_participants, (weight) => ({ kind: 'participants', weight, values: { emails: row.participant_emails, primaryOf: row.primary_of } }));
  add(row.w_shared, (weight) => ({
    kind: 'shared_associations',
    weight,
    values: { shared: row.shared_detail.map(({ t, n, names: props }) => ({ objectType: typeName(t), count: n, names: names(t, props).slice(0, 2) })) },
  }));
  add(row.w_domain, (weight) => domainReason(row, weight));
  add(row.w_name, (weight) => ({ kind: 'name', weight, values: { tokens: row.name_tokens } }));
  add(row.w_company_name, (weight) => ({ kind: 'company_in_name', weight, values: { company: row.company_name ?? row.company_matched ?? '', matched: row.company_matched ?? '' } }));
  add(row.w_colleagues, (weight) => ({
    kind: 'colleagues',
    weight,
    values: { company: row.colleague_company ?? '', count: row.colleague_n ?? 0, names: names('0-1', row.colleague_names).slice(0, 2) },
  }));
  add(row.w_subject, (weight) => ({ kind: 'subject', weight, values: { tokens: row.subject_tokens } }));
  add(row.w_signature, (weight) => ({ kind: 'signature', weight, values: { tokens: row.signature_tokens } }));
  add(row.w_query, (weight) => ({ kind: 'query', weight, values: { query: context.query ?? '' } }));
  add(row.w_status, (weight) => ({ kind: 'status', weight, values: { open: true } }));
  add(row.w_recency, (weight) => ({ kind: 'recency', weight, values: { days: Math.max(0, Math.floor(row.age_days)) } }));
  add(row.w_engagement, (weight) => ({
    kind: 'engagement',
    weight,
    values: { count: row.engaged, atLeast: row.engaged >= CAPS.engagement, objectType: typeName(context.sourceType ?? '') },
  }));
  return out.sort((a, b) => b.weight - a.weight);
}

/** Whether any of the reasons connects the record to its source (the others only order). */
export function hasEvidence(reasons: Reason[]): boolean {
  return reasons.some((r) => EVIDENCE_KINDS.includes(r.kind));
}

/**
 * Rows to recommendations: every one with evidence first, each part sorted by score (highest
 * first), then newest record first.
 */
export function rank(rows: CandidateRow[], target: TargetInfo, context: RankContext = {}): Recommendation[] {
  const recs = rows.map((row) => {
    const reasons = reasonsOf(row, context);
    const score = round(reasons.reduce((s, r) => s + r.weight, 0));
    const fallback = `${standardObjectById(row.type_id)?.singular ?? 'record'} ${row.id}`;
    const name = displayName(row.type_id, row.properties, target.definitionOf?.(row.type_id)) ?? fallback;
    return { objectType: target.nameOf(row.type_id), id: String(row.id), name, score, evidence: hasEvidence(reasons), reasons };
  });
  return recs.sort((a, b) => Number(b.evidence) - Number(a.evidence) || b.score - a.score || Number(b.id) - Number(a.id));
}
