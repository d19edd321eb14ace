import type { Reason, Recommendation } from '../../../shared/recommendations.ts';
import { standardObjectById } from '../../../shared/objects.ts';
import type { ObjectSchemaDefinition } from '../../db/schema/index.ts';
import { displayName } from '../record-name.ts';
import { CAPS } from './signals.ts';
import type { CandidateRow } from './sql.ts';

/**
 * Turns the statements' rows into recommendations: one reason per signal that weighed, with its
 * words and weight, and a score that is exactly the sum of the (rounded) reason weights.
 */

export interface TargetInfo {
  /** Plural API name of each type id the rows can have. */
  nameOf(typeId: string): string;
  definitionOf?(typeId: string): ObjectSchemaDefinition | undefined;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

function noun(typeId: string, n: number): string {
  const std = standardObjectById(typeId);
  if (!std) return n === 1 ? 'record' : 'records';
  return n === 1 ? std.singular : std.name;
}

function nameOrId(typeId: string, props: Record<string, string | null>, definition?: ObjectSchemaDefinition): string | null {
  return displayName(typeId, props, definition);
}

function list(names: string[], max = 2): string {
  const shown = names.slice(0, max).map((n) => n);
  return shown.join(', ') + (names.length > max ? ` and ${names.length - max} more` : '');
}

export function ageWords(days: number): string {
  if (days < 1) return 'today';
  if (days < 2) return 'yesterday';
  if (days < 31) return `${Math.floor(days)} days ago`;
  if (days < 365) return `${Math.floor(days / 30.4)} month${Math.floor(days / 30.4) === 1 ? '' : 's'} ago`;
  const years = Math.floor(days / 365);
  return `${years} year${years === 1 ? '' : 's'} ago`;
}

function sharedDetail(row: CandidateRow): string {
  return row.shared_detail
    .map(({ t, n, names }) => {
      const known = names.map((p) => nameOrId(t, p)).filter((x): x is string => Boolean(x)).slice(0, 2);
      const more = n - known.length;
      const who = known.length > 0 ? `: ${known.join(', ')}${more > 0 ? ` and ${more} more` : ''}` : '';
      return `${n} shared ${noun(t, n)}${who}`;
    })
    .join(' · ');
}

function domainDetail(row: CandidateRow): string {
  const d = row.domain ?? '';
  const how = row.domain_exact === false ? ' (registrable domain)' : '';
  if (row.domain_via) {
    const company = displayName('0-2', row.domain_via) ?? d;
    return `${noun(row.type_id, 1)} of ${company}, which has the domain ${d}${how}`;
  }
  if (row.type_id === '0-1') return row.domain_from === 'email' ? `same email domain ${d}` : `email on the company domain ${d}`;
  return `same domain ${d}${how}`;
}

function quote(tokens: string[]): string {
  return list(tokens.map((t) => `"${t}"`), 3);
}

export interface RankContext {
  /** What the rep typed (the query reason quotes it). */
  query?: string | null;
  /** The source record's type (the engagement reason names it). */
  sourceType?: string;
}

/** The reasons of one row, strongest first, weights rounded. */
export function reasonsOf(row: CandidateRow, context: RankContext = {}): Reason[] {
  const query = context.query ?? null;
  const out: Reason[] = [];
  const add = (kind: Reason['kind'], weight: number, detail: () => string) => {
    const w = round(weight);
    if (w > 0) out.push({ kind, detail: detail(), weight: w });
  };
  add('participants', row.w_participants, () => {
    const emails = row.participant_emails;
    const primary = row.primary_of;
    const base = `linked to ${emails.length} participant${emails.length === 1 ? '' : 's'}: ${list(emails, 3)}`;
    return primary.length > 0 ? `${base}; primary company of ${list(primary, 2)}` : base;
  });
  add('shared_associations', row.w_shared, () => sharedDetail(row));
  add('domain', row.w_domain, () => domainDetail(row));
  add('name', row.w_name, () => `name shares ${quote(row.name_tokens)}`);
  add('subject', row.w_subject, () => `subject mentions ${quote(row.subject_tokens)}`);
  add('query', row.w_query, () => `matches "${query ?? ''}"`);
  add('status', row.w_status, () => 'open');
  add('recency', row.w_recency, () => `updated ${ageWords(row.age_days)}`);
  add('engagement', row.w_engagement, () => `on ${row.engaged >= CAPS.engagement ? `${row.engaged} or more` : row.engaged} other ${noun(context.sourceType ?? '', row.engaged)}`);
  return out.sort((a, b) => b.weight - a.weight);
}

/** Rows to recommendations, sorted by score (highest first), then newest record first. */
export function rank(rows: CandidateRow[], target: TargetInfo, context: RankContext = {}): Recommendation[] {
  const recs = rows.map((row) => {
    const reasons = reasonsOf(row, context);
    const score = round(reasons.reduce((s, r) => s + r.weight, 0));
    const name = nameOrId(row.type_id, row.properties, target.definitionOf?.(row.type_id)) ?? `${noun(row.type_id, 1)} ${row.id}`;
    return { objectType: target.nameOf(row.type_id), id: String(row.id), name, score, reasons };
  });
  return recs.sort((a, b) => b.score - a.score || Number(b.id) - Number(a.id));
}
