import { type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import { COMPANY, CONTACT } from '../../../shared/objects.ts';
import { col } from '../../db/rows.ts';
import { openSql as isOpenSql } from '../lifecycle/open.ts';
import { type Scope, visible } from './access.ts';
import { CAPS, engages, hasNameIndex, hasStatus, LEGAL_FORMS, STOP_TOKENS, WEIGHTS } from './signals.ts';

/**
 * The recommendation statements: one statement of CTEs per question, every table read filtered
 * by workspace first. They compute one weight per signal and candidate (see signals.ts); ranking.ts
 * turns the rows into reasons.
 */

/**
 * A record's searchable name, exactly as the records_name_* GIN indexes write it (schema/records.ts):
 * the planner only uses an expression index for the very same expression.
 */
export function nameVector(alias: string): SQL {
  const p = `${alias}.properties`;
  const parts = ['firstname', 'lastname', 'name', 'dealname', 'subject', 'email', 'domain'].map((k) => `coalesce(${p}->>'${k}', '')`);
  return sql.raw(`to_tsvector('simple'::regconfig, ${parts.join(" || ' ' || ")})`);
}

/** A constant weight as a SQL literal (never a parameter, so its type is always float8). */
function num(x: number): SQL {
  return sql.raw(`${Number(x)}::float8`);
}

/** A constant count as a SQL literal. */
function int(x: number): SQL {
  if (!Number.isInteger(x)) throw new Error(`not an integer: ${x}`);
  return sql.raw(String(x));
}

/**
 * An object type id as a SQL literal: statements are prepared once per shape and type, and a
 * literal type lets the planner pick the per-type partial indexes in a cached (generic) plan.
 */
function lit(typeId: string): SQL {
  if (!/^\d+-\d+$/.test(typeId)) throw new Error(`not an object type id: ${typeId}`);
  return sql.raw(`'${typeId}'`);
}

/** `1 / log2(2 + n)` in float8 (numeric logarithms are slow): what one shared record or token carried by n candidates says. */
function specificity(n: SQL | string): SQL {
  return sql`(0.6931471805599453::float8 / ln(2::float8 + ${typeof n === 'string' ? sql.raw(n) : n}))`;
}

/** True when a deal or ticket under `alias` is open (the workspace's closed stages); null for types without a status. */
function openSql(scope: Scope, typeId: string, alias: string): SQL | null {
  return hasStatus(typeId) ? isOpenSql(scope.workspaceId, typeId, alias) : null;
}

const stopList = sql.raw(`array[${STOP_TOKENS.map((t) => `'${t}'`).join(', ')}]::text[]`);

/** Lexemes of a text as the name index has them, minus particles, digits and one-letter ones. */
function tokensOf(text: SQL): SQL {
  return sql`select t as token from unnest(tsvector_to_array(to_tsvector('simple'::regconfig, ${text}))) t
    where length(t) >= 2 and t !~ '^[0-9]+$' and t <> all(${stopList}) limit ${int(CAPS.tokens)}`;
}

/** Candidates of `target` carrying each token of `tok`, with how many carry it (capped). */
function tokenHits(scope: Scope, tok: string, target: string, excludeId: number | null): SQL {
  return sql`select k.token, x.id, count(*) over (partition by k.token)::int as hits
    from ${sql.raw(tok)} k cross join lateral (
      select r.id from records r
      where r.workspace_id = ${scope.workspaceId} and r.type_id = ${lit(target)}
        and ${nameVector('r')} @@ quote_literal(k.token)::tsquery and ${visible(scope, 'r')}
        ${excludeId === null ? sql`` : sql`and r.id <> ${excludeId}`}
      limit ${int(CAPS.tokenHits + 1)}) x`;
}

/** Status and recency weights of a candidate row `r` with evidence `e` (a column name). */
function statusRecency(scope: Scope, target: string, now: string): SQL {
  const open = openSql(scope, target, 'r');
  const decay = sql`power(0.5::float8, greatest(0, extract(epoch from (${now}::timestamptz - r.updated_at))::float8 / 86400) / ${num(WEIGHTS.recencyHalfLifeDays)})`;
  return sql`
    ${open ? sql`case when ${open} then (case when e > 0 then e * ${num(WEIGHTS.open)} else ${num(WEIGHTS.fill / 2)} end) else 0 end` : sql`0`}::float8 as w_status,
    ((case when e > 0 then e * ${num(WEIGHTS.recency)} else ${num(WEIGHTS.fill)} end) * ${decay})::float8 as w_recency,
    (extract(epoch from (${now}::timestamptz - r.updated_at))::float8 / 86400) as age_days,
    ${open ?? sql`null`} as open`;
}

/**
 * Where a domain comes from: the email address of the source contact or of the source's
 * contacts (`email`), the source company's own domain (`company`), or the domain of the
 * source's companies (`companies`).
 */
const domainSource = z.enum(['email', 'company', 'companies']);

export interface SourceDomain {
  exact: string;
  registrable: string | null;
  from: z.output<typeof domainSource>;
}

export interface RecordQuery {
  sourceId: number;
  sourceType: string;
  target: string;
  limit: number;
  /** The source's name text (name signal). */
  nameText: string;
  domains: SourceDomain[];
  /** Search text typed by the rep: filters and re-ranks. */
  q: string | null;
  now: string;
}

/** One row per recommended record, best first (ranking.ts reads them). Weights are float8. */
export const candidateRow = z.object({
  id: col.id,
  type_id: col.text,
  properties: col.properties,
  w_shared: z.number(),
  /** Per type of shared record: how many, and the properties of the two most specific. */
  shared_detail: col.list(z.object({ t: col.text, n: z.number().int(), names: col.list(col.properties) })),
  w_participants: z.number(),
  participant_emails: col.list(col.text),
  primary_of: col.list(col.text),
  w_domain: z.number(),
  domain: col.textOrNull,
  domain_from: domainSource.nullable(),
  domain_exact: col.bool.nullable(),
  domain_via: col.properties.nullable(),
  w_name: z.number(),
  name_tokens: col.list(col.text),
  w_company_name: z.number(),
  company_name: col.textOrNull,
  company_matched: col.textOrNull,
  w_colleagues: z.number(),
  colleague_company: col.textOrNull,
  colleague_n: z.number().int().nullable(),
  colleague_names: col.list(col.properties),
  w_subject: z.number(),
  subject_tokens: col.list(col.text),
  w_signature: z.number(),
  signature_tokens: col.list(col.text),
  w_query: z.number(),
  w_status: z.number(),
  w_recency: z.number(),
  w_engagement: z.number(),
  /** How many other records of the source's type the candidate is on (capped). */
  engaged: z.number().int(),
  age_days: z.number(),
  open: col.bool.nullable(),
  /** Thread: already associated with every contact of the thread (only kept to pick what logging associates). */
  linked_all: col.bool.nullable(),
  score: z.number(),
});
export type CandidateRow = z.output<typeof candidateRow>;

/** Domain evidence for one target type, from the companies `dc` that carry the source's domains. */
function domainCte(scope: Scope, target: string, sourceId: number | null, neighbours: string | null, shared: string | null): SQL | null {
  const ws = scope.workspaceId;
  const notNeighbour = neighbours ? sql`and not exists (select 1 from ${sql.raw(neighbours)} n where n.id = dc.id)` : sql``;
  const factor = (exact: SQL) => sql`(case when ${exact} then 1 else ${num(WEIGHTS.registrableFactor)} end)`;
  if (target === COMPANY) {
    return sql`select dc.id, max(${factor(sql`dc.exact`)} * case when dc.src = 'email' then ${num(WEIGHTS.domainCompany)} else ${num(WEIGHTS.domainSibling)} end)::float8 as w,
        (array_agg(dc.domain order by dc.exact desc))[1] as domain, (array_agg(dc.src order by dc.src desc))[1] as src, bool_or(dc.exact) as exact, null::jsonb as via
      from dc where ${sourceId === null ? sql`true` : sql`dc.id <> ${sourceId}`} group by dc.id`;
  }
  if (target === CONTACT) {
    return sql`select x.id, max(case when sd.src = 'company' then ${num(WEIGHTS.domainContact)} else ${num(WEIGHTS.domainColleague)} * ${specificity('x.n')} end)::float8 as w,
        (array_agg(sd.exact))[1] as domain, (array_agg(sd.src order by sd.src))[1] as src, true as exact, null::jsonb as via
      from sd cross join lateral (
        -- offset 0 keeps the lookup on the email-domain index: a cached plan must never walk
        -- every contact newest-first looking for this domain
        select z.id, z.n from (
          select c.id, count(*) over ()::int as n from records c
          where c.workspace_id = ${ws} and c.type_id = ${lit(CONTACT)} and lower(split_part(c.properties->>'email', '@', 2)) = sd.exact and ${visible(scope, 'c')}
          offset 0) z
        order by z.id desc limit ${int(CAPS.fanOut)}) x
      where true ${sourceId === null ? sql`` : sql`and x.id <> ${sourceId}`}
        -- a colleague already reached through a shared record is counted there, not twice
        ${shared ? sql`and (sd.src = 'company' or not exists (select 1 from ${sql.raw(shared)} s where s.id = x.id))` : sql``}
      group by x.id`;
  }
  if (!hasStatus(target)) return null;
  return sql`select x.id, max(${num(WEIGHTS.domainRecord)} * ${factor(sql`dc.exact`)} * ${specificity('x.fan')})::float8 as w,
      (array_agg(dc.domain))[1] as domain, 'email' as src, bool_or(dc.exact) as exact, (array_agg(dc.props))[1] as via
    from dc cross join lateral (
      select y.id, count(*) over ()::int as fan from (
        select distinct b.to_id as id from associations b
        where b.workspace_id = ${ws} and b.from_id = dc.id and b.to_type = ${lit(target)}
        order by b.to_id desc limit ${int(CAPS.fanOut)}) y) x
    where dc.src = 'email' ${notNeighbour}
    group by x.id`;
}

/** The source domains as a table `sd(exact, registrable, src)`. */
function sdCte(domains: SourceDomain[]): SQL {
  const rows = domains.map((d) => ({ exact: d.exact, registrable: d.registrable, src: d.from }));
  // the limit also tells the planner how short the list is (a set-returning function counts as 100 rows)
  return sql`sd as materialized (select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as d(exact text, registrable text, src text) limit ${int(CAPS.sourceDomains)})`;
}

/** Companies carrying the source domains `sd`: the exact domain, else its registrable one. */
function domainCompanies(scope: Scope): SQL {
  const ws = scope.workspaceId;
  return sql`
    dcx as materialized (
      select sd.exact as domain, sd.src, true as exact, c.id, c.properties as props from sd
      cross join lateral (
        select c.id, c.properties from records c
        where c.workspace_id = ${ws} and c.type_id = ${lit(COMPANY)} and lower(c.properties->>'domain') = sd.exact and ${visible(scope, 'c')}
        limit ${int(CAPS.fanOut)}) c),
    dcr as materialized (
      select sd.registrable as domain, sd.src, false as exact, c.id, c.properties as props from sd
      cross join lateral (
        select c.id, c.properties from records c
        where c.workspace_id = ${ws} and c.type_id = ${lit(COMPANY)} and lower(c.properties->>'domain') = sd.registrable and ${visible(scope, 'c')}
        limit ${int(CAPS.fanOut)}) c
      where sd.registrable is not null and not exists (select 1 from dcx where dcx.domain = sd.exact)),
    dc as materialized (select * from dcx union all select * from dcr)`;
}

/**
 * Engagement: how many records of `sourceType` (other than `excludeId`) the candidate in column
 * `candidate` is on, counted up to CAPS.engagement, as a lateral subquery answering `n`.
 */
function engagementCount(scope: Scope, candidate: string, sourceType: string, excludeId: number | null): SQL {
  return sql`(
    select count(*)::int as n from (
      select distinct x.to_id from associations x
      where x.workspace_id = ${scope.workspaceId} and x.from_id = ${sql.raw(candidate)} and x.to_type = ${lit(sourceType)} ${excludeId === null ? sql`` : sql`and x.to_id <> ${excludeId}`}
      limit ${int(CAPS.engagement)}) y)`;
}

/**
 * Two hops from the records in `nb(id, type)`: every record of `target` associated with one of them,
 * weighted per path by the specificity of the shared record. Of a hub (an account with hundreds of
 * tickets or contacts) only CAPS.fanOut targets count, at the hub's low specificity: there every
 * target ties on evidence and only engagement, status and recency order them, so the ones kept are
 * the best by those same measures (the key people when recommending contacts for a deal or ticket,
 * then open, then recently updated) among the newest CAPS.hubPool, never just the newest ids.
 * `engagedOn`: the source's type when the engagement multiplier applies (signals.ts `engages`).
 * Makes `hopall<s>`, `hop<s>` and `shared<s>(id, w)`.
 */
function sharedCtes(scope: Scope, s: string, nb: string, target: string, excludeId: number | null, engagedOn: string | null = null): SQL[] {
  const ws = scope.workspaceId;
  const t = (name: string) => sql.raw(`${name}${s}`);
  const open = openSql(scope, target, 'r');
  return [
    sql`${t('hopall')} as materialized (
      select n.id as via, n.type as via_type, x.id as cand, count(*) over (partition by n.id)::int as fan
      from ${sql.raw(nb)} n cross join lateral (
        select distinct b.to_id as id from associations b
        where b.workspace_id = ${ws} and b.from_id = n.id and b.to_type = ${lit(target)}
        order by b.to_id desc limit ${int(CAPS.hubPool)}) x)`,
    // of a hub, one record read (and with engagement, one index probe) per target of the pool
    sql`${t('hop')} as materialized (
      select via, via_type, cand, fan from ${t('hopall')} where fan <= ${int(CAPS.fanOut)}
      union all
      select via, via_type, cand, fan from (
        select h.via, h.via_type, h.cand, h.fan,
          row_number() over (partition by h.via order by ${engagedOn ? sql`g.n desc,` : sql``} ${open ? sql`coalesce(${open}, false) desc,` : sql``} r.updated_at desc, h.cand desc) as k
        from ${t('hopall')} h cross join lateral (
          select r.updated_at, r.properties from records r
          where r.workspace_id = ${ws} and r.id = h.cand and r.type_id = ${lit(target)} and ${visible(scope, 'r')} limit 1) r
        ${engagedOn ? sql`cross join lateral ${engagementCount(scope, 'h.cand', engagedOn, excludeId)} g` : sql``}
        where h.fan > ${int(CAPS.fanOut)}) z
      where z.k <= ${int(CAPS.fanOut)})`,
    sql`${t('shared')} as materialized (
      select cand as id, (sum(${specificity('fan')}) * ${num(WEIGHTS.shared)})::float8 as w
      from ${t('hop')} ${excludeId === null ? sql`` : sql`where cand <> ${excludeId}`} group by cand)`,
  ];
}

const legalForms = sql.raw(`'\\m(${LEGAL_FORMS.join('|')})\\M\\.?'`);

/**
 * Evidence from related companies `cq(id, props)` for deals and tickets (`target`), both only for
 * records not associated with that company (those count as shared records or by domain):
 * - `cin<s>(id, w, company, matched)`: the record's name contains the company's name (its words in
 *   order, legal form left out) or its domain;
 * - `col<s>(id, w, company, n, people)`: the record is associated with other contacts of the company
 *   (colleagues; `notColleague` leaves out the source contact or the thread's participants).
 */
function companyCtes(scope: Scope, s: string, cq: string, target: string, notColleague: SQL): SQL[] {
  const ws = scope.workspaceId;
  const t = (name: string) => sql.raw(`${name}${s}`);
  const unlinked = (co: SQL, id: SQL) =>
    sql`not exists (select 1 from associations z where z.workspace_id = ${ws} and z.from_id = ${id} and z.to_type = ${lit(COMPANY)} and z.to_id = ${co})`;
  return [
    sql`${t('cinq')} as materialized (
      select q.co, q.company, q.matched, q.tsq from (
        select cq.id as co, cq.props->>'name' as company, cq.props->>'name' as matched,
          phraseto_tsquery('simple'::regconfig, regexp_replace(lower(cq.props->>'name'), ${legalForms}, ' ', 'g')) as tsq
        from ${sql.raw(cq)} cq where coalesce(cq.props->>'name', '') <> ''
        union all
        select cq.id, coalesce(cq.props->>'name', lower(cq.props->>'domain')), lower(cq.props->>'domain'), plainto_tsquery('simple'::regconfig, lower(cq.props->>'domain'))
        from ${sql.raw(cq)} cq where coalesce(cq.props->>'domain', '') <> '') q
      where numnode(q.tsq) > 0)`,
    sql`${t('cinh')} as materialized (
      select q.co, q.company, q.matched, x.id, count(*) over (partition by q.co, q.matched)::int as hits
      from ${t('cinq')} q cross join lateral (
        select r.id from records r
        where r.workspace_id = ${ws} and r.type_id = ${lit(target)} and ${nameVector('r')} @@ q.tsq and ${visible(scope, 'r')}
        limit ${int(CAPS.fanOut + 1)}) x
      where ${unlinked(sql`q.co`, sql`x.id`)})`,
    sql`${t('cin')} as materialized (
      select id, max(${num(WEIGHTS.companyInName)} * ${specificity('hits')})::float8 as w,
        (array_agg(company order by hits, co))[1] as company, (array_agg(matched order by hits, co))[1] as matched
      from ${t('cinh')} where hits <= ${int(CAPS.fanOut)} group by id)`,
    sql`${t('colp')} as materialized (
      select cq.id as co, cq.props->>'name' as company, p.id as person from ${sql.raw(cq)} cq
      cross join lateral (
        select b.to_id as id from associations b
        join records c on c.workspace_id = b.workspace_id and c.id = b.to_id
        where b.workspace_id = ${ws} and b.from_id = cq.id and b.to_type = ${lit(CONTACT)} and ${visible(scope, 'c')} and ${notColleague}
        order by b.to_id desc limit ${int(CAPS.fanOut)}) p)`,
    sql`${t('colh')} as materialized (
      select c.co, min(c.company) as company, x.id, array_agg(distinct c.person) as people, count(*) over (partition by c.co)::int as fan
      from ${t('colp')} c cross join lateral (
        select distinct b.to_id as id from associations b
        where b.workspace_id = ${ws} and b.from_id = c.person and b.to_type = ${lit(target)}
        limit ${int(CAPS.colleagueRecords)}) x
      where ${unlinked(sql`c.co`, sql`x.id`)}
      group by c.co, x.id)`,
    sql`${t('col')} as materialized (
      select id, max(${num(WEIGHTS.colleagues)} * ${specificity('fan')})::float8 as w,
        (array_agg(company order by fan, co))[1] as company, (array_agg(cardinality(people) order by fan, co))[1] as n,
        (array_agg(to_jsonb(people[1:2]) order by fan, co))[1] as people
      from ${t('colh')} group by id)`,
  ];
}

/** The company evidence columns of `ev`, from `ci` (cin) and `co` (col) when `joined`. */
function companyColumns(joined: boolean): SQL {
  return joined
    ? sql`coalesce(ci.w, 0)::float8 as w_company_name, ci.company as company_name, ci.matched as company_matched,
        coalesce(co.w, 0)::float8 as w_colleagues, co.company as colleague_company, co.n as colleague_n, co.people as colleague_ids`
    : sql`0::float8 as w_company_name, null::text as company_name, null::text as company_matched,
        0::float8 as w_colleagues, null::text as colleague_company, null::int as colleague_n, null::jsonb as colleague_ids`;
}

/** The properties of the records in the jsonb array `ids` (the two colleagues a reason names), for the reason only. */
function peopleOf(scope: Scope, ids: SQL): SQL {
  return sql`(select json_agg(v.properties order by v.id desc) from records v
    where v.workspace_id = ${scope.workspaceId} and v.id in (select x::bigint from jsonb_array_elements_text(coalesce(${ids}, '[]'::jsonb)) x) and ${visible(scope, 'v')})`;
}

/**
 * What a recommended record shares, for its reason only (so computed for the top rows alone):
 * per type of shared record, how many, and the two most specific ones' properties.
 */
function sharedDetail(scope: Scope, hop: string, id: SQL): SQL {
  return sql`(select json_agg(json_build_object('t', x.via_type, 'n', x.n, 'names',
        (select json_agg(v.properties order by array_position(x.ids, v.id)) from records v
          where v.workspace_id = ${scope.workspaceId} and v.id = any(x.ids) and ${visible(scope, 'v')})) order by x.n desc, x.via_type)
      from (
        select h.via_type, count(*)::int as n, (array_agg(h.via order by h.fan, h.via desc))[1:2] as ids
        from ${sql.raw(hop)} h where h.cand = ${id} group by h.via_type) x)`;
}

/** The one statement that ranks records of `target` for a record (R5, B7). */
export function recordStatement(scope: Scope, q: RecordQuery): SQL {
  const ws = scope.workspaceId;
  const src = q.sourceId;
  const named = hasNameIndex(q.target) && q.nameText.trim() !== '';
  const searching = q.q !== null && q.q !== '' && hasNameIndex(q.target);
  const dom = q.domains.length > 0 ? domainCte(scope, q.target, src, 'nb', 'shared') : null;
  const companies = hasStatus(q.target);
  const ctes: SQL[] = [
    sql`nb as materialized (
      select a.to_id as id, min(a.to_type) as type from associations a
      where a.workspace_id = ${ws} and a.from_id = ${src}
      group by a.to_id order by min(a.to_type) = ${lit(COMPANY)} desc, a.to_id desc limit ${int(CAPS.neighbours)})`,
    sql`assoc as materialized (
      select distinct a.to_id as id from associations a
      where a.workspace_id = ${ws} and a.from_id = ${src} and a.to_type = ${lit(q.target)})`,
    ...sharedCtes(scope, '', 'nb', q.target, src, engages(q.sourceType, q.target) ? q.sourceType : null),
  ];
  if (companies) {
    // the related companies: the source itself when it is one, else its companies
    ctes.push(sql`cq as materialized (
      select r.id, r.properties as props from records r
      where r.workspace_id = ${ws} and r.type_id = ${lit(COMPANY)} and ${visible(scope, 'r')}
        and r.id in (${q.sourceType === COMPANY ? sql`select ${src}::bigint` : sql`select id from nb where type = ${lit(COMPANY)} order by id desc limit ${int(CAPS.companies)}`}))`);
    ctes.push(...companyCtes(scope, '', 'cq', q.target, sql`b.to_id <> ${src}`));
  }
  if (dom) {
    ctes.push(sdCte(q.domains));
    ctes.push(domainCompanies(scope));
    ctes.push(sql`dom as materialized (${dom})`);
  }
  if (named) {
    ctes.push(sql`tok as materialized (${tokensOf(sql`${q.nameText}`)})`);
    ctes.push(sql`nh as materialized (${tokenHits(scope, 'tok', q.target, src)})`);
    ctes.push(sql`nm as materialized (select id, (sum(${specificity('hits')}) * ${num(WEIGHTS.name)})::float8 as w, array_agg(token order by hits) as tokens from nh where hits <= ${int(CAPS.tokenHits)} group by id)`);
  }
  if (searching) {
    ctes.push(sql`qq as materialized (select to_tsquery('simple'::regconfig, string_agg(quote_literal(t) || ':*', ' & ')) as q from unnest(tsvector_to_array(to_tsvector('simple'::regconfig, ${q.q}))) t)`);
    ctes.push(sql`qh as materialized (
      select r.id from records r, qq
      where r.workspace_id = ${ws} and r.type_id = ${lit(q.target)} and ${nameVector('r')} @@ qq.q and ${visible(scope, 'r')} and r.id <> ${src}
      limit ${int(CAPS.queryHits)})`);
  } else {
    ctes.push(sql`fill as materialized (
      select r.id from records r
      where r.workspace_id = ${ws} and r.type_id = ${lit(q.target)} and ${visible(scope, 'r')} and r.id <> ${src}
      order by r.id desc limit ${q.limit * 2 + 10})`);
  }
  const sources = [sql`select id from shared`];
  if (dom) sources.push(sql`select id from dom`);
  if (named) sources.push(sql`select id from nm`);
  if (companies) sources.push(sql`select id from cin`, sql`select id from col`);
  sources.push(searching ? sql`select id from qh` : sql`select id from fill`);
  // the best candidates by evidence only go on to be read and scored (hub neighbourhoods reach
  // thousands); when searching, the records that match the text first
  ctes.push(sql`cand as materialized (
    select u.id from (${sql.join(sources, sql` union `)}) u
    left join shared s on s.id = u.id
    ${dom ? sql`left join dom d on d.id = u.id` : sql``}
    ${named ? sql`left join nm m on m.id = u.id` : sql``}
    ${companies ? sql`left join cin ci on ci.id = u.id left join col co on co.id = u.id` : sql``}
    ${searching ? sql`left join qh on qh.id = u.id` : sql``}
    order by ${searching ? sql`(qh.id is not null) desc,` : sql``}
      coalesce(s.w, 0) ${dom ? sql`+ coalesce(d.w, 0)` : sql``} ${named ? sql`+ coalesce(m.w, 0)` : sql``} ${companies ? sql`+ coalesce(ci.w, 0) + coalesce(co.w, 0)` : sql``} desc, u.id desc
    limit ${int(CAPS.candidates)})`);
  ctes.push(sql`ev as materialized (
    select r.id, r.type_id, r.properties, r.updated_at,
      coalesce(s.w, 0)::float8 as w_shared,
      ${dom ? sql`coalesce(d.w, 0)::float8` : sql`0::float8`} as w_domain,
      ${dom ? sql`d.domain, d.src as domain_from, d.exact as domain_exact, d.via as domain_via` : sql`null::text as domain, null::text as domain_from, null::boolean as domain_exact, null::jsonb as domain_via`},
      ${
        !named
          ? sql`0::float8 as w_name, null::text[] as name_tokens`
          : companies && q.sourceType === COMPANY
            ? // the source company's name found whole in the record's name says it once, not per word too
              sql`(case when ci.id is null then coalesce(m.w, 0) else 0 end)::float8 as w_name, case when ci.id is null then m.tokens end as name_tokens`
            : sql`coalesce(m.w, 0)::float8 as w_name, m.tokens as name_tokens`
      },
      ${companyColumns(companies)},
      ${searching ? sql`(case when qh.id is not null then ${num(WEIGHTS.query)} else 0 end)::float8` : sql`0::float8`} as w_query
    from cand c
    cross join lateral (select * from records r where r.workspace_id = ${ws} and r.id = c.id and r.type_id = ${lit(q.target)} limit 1) r
    left join shared s on s.id = c.id
    ${dom ? sql`left join dom d on d.id = c.id` : sql``}
    ${named ? sql`left join nm m on m.id = c.id` : sql``}
    ${companies ? sql`left join cin ci on ci.id = c.id left join col co on co.id = c.id` : sql``}
    ${searching ? sql`left join qh on qh.id = c.id cross join qq` : sql``}
    where ${visible(scope, 'r')} and not exists (select 1 from assoc where assoc.id = c.id)
      ${searching ? sql`and ${nameVector('r')} @@ qq.q` : sql``})`);
  ctes.push(sql`scored as materialized (
    select *, ${statusRecency(scope, q.target, q.now)}
    from (select ev.*, (w_shared + w_domain + w_name + w_company_name + w_colleagues + w_query) as e from ev) r)`);
  if (engages(q.sourceType, q.target)) {
    // engagement: how many other records of the source's type the candidate is on, as a multiplier
    // of their evidence, counted (one index probe each) only for the candidates it could lift into
    // the top `limit`: at most e * engagement more than their score without it, so one below the
    // limit-th score by more than that can never get there. The top rows are then the same whatever
    // the limit, also in a large account where hundreds of contacts tie on the company.
    ctes.push(sql`pre as materialized (
      select s.* from scored s, (
        select coalesce(min(v), 0) as bar from (select e + w_status + w_recency as v from scored order by (e > 0) desc, v desc limit ${q.limit}) x) b
      where s.e + s.w_status + s.w_recency + s.e * ${num(WEIGHTS.engagement)} >= b.bar)`);
    ctes.push(sql`top as materialized (
      select *, (e + w_status + w_recency + w_engagement)::float8 as score from (
        select pre.*, g.n as engaged,
          (case when pre.e > 0 and g.n > 0 then pre.e * ${num(WEIGHTS.engagement)} * least(1::float8, ln(1::float8 + g.n) / ln(${num(1 + CAPS.engagement)})) else 0 end)::float8 as w_engagement
        from pre cross join lateral ${engagementCount(scope, 'pre.id', q.sourceType, src)} g) z
      order by (e > 0) desc, score desc, id desc limit ${q.limit})`);
  } else {
    ctes.push(sql`top as materialized (
      select *, 0::float8 as w_engagement, 0 as engaged, (e + w_status + w_recency)::float8 as score from scored
      order by (e > 0) desc, e + w_status + w_recency desc, id desc limit ${q.limit})`);
  }
  return sql`with ${sql.join(ctes, sql`, `)}
    select top.id, top.type_id, top.properties, top.w_shared, ${sharedDetail(scope, 'hop', sql`top.id`)} as shared_detail,
      0::float8 as w_participants, null::json as participant_emails, null::json as primary_of,
      top.w_domain, top.domain, top.domain_from, top.domain_exact, top.domain_via,
      top.w_name, to_json(top.name_tokens) as name_tokens,
      top.w_company_name, top.company_name, top.company_matched, top.w_colleagues, top.colleague_company, top.colleague_n, ${peopleOf(scope, sql`top.colleague_ids`)} as colleague_names,
      0::float8 as w_subject, null::json as subject_tokens, 0::float8 as w_signature, null::json as signature_tokens,
      top.w_query, top.w_status, top.w_recency, top.w_engagement, top.engaged, top.age_days, top.open, null::boolean as linked_all, top.score
    from top order by (top.e > 0) desc, top.score desc, top.id desc`;
}

/** The source record of a record recommendation, with the domains around it, in one round trip. */
export function sourceStatement(scope: Scope, id: number, typeId: string): SQL {
  const ws = scope.workspaceId;
  return sql`
    select r.id, r.type_id, r.properties,
      (select json_agg(e) from (
        select distinct lower(c.properties->>'email') as e from associations a
        join records c on c.workspace_id = a.workspace_id and c.id = a.to_id
        where a.workspace_id = ${ws} and a.from_id = r.id and a.to_type = ${lit(CONTACT)} and c.properties->>'email' is not null and ${visible(scope, 'c')}
        limit ${int(CAPS.sourceDomains * 5)}) x) as contact_emails,
      (select json_agg(d) from (
        select distinct lower(c.properties->>'domain') as d from associations a
        join records c on c.workspace_id = a.workspace_id and c.id = a.to_id
        where a.workspace_id = ${ws} and a.from_id = r.id and a.to_type = ${lit(COMPANY)} and c.properties->>'domain' is not null and ${visible(scope, 'c')}
        limit ${int(CAPS.sourceDomains)}) x) as company_domains
    from records r
    where r.workspace_id = ${ws} and r.id = ${id} and r.type_id = ${typeId} and ${visible(scope, 'r')}`;
}

export interface ThreadParticipantInput {
  email: string;
  /** Company lookup key of the address's domain; null for personal addresses. */
  exact: string | null;
  registrable: string | null;
}

export interface ThreadQuery {
  participants: ThreadParticipantInput[];
  /** The signed-in user: their own address is never a participant. */
  userId: number | null;
  subject: string;
  /** The signatures of others' messages in the thread ('' when none was read). */
  signature: string;
  targets: string[];
  limit: number;
  now: string;
}

const participantRecord = z.object({ email: col.text, id: col.id, properties: col.properties });

/** The single row the thread statement answers. */
export const threadRow = z.object({
  me: col.textOrNull,
  contacts: col.list(participantRecord),
  primaries: col.list(participantRecord),
  domain_companies: col.list(z.object({ key: col.text, domain: col.text, exact: col.bool, id: col.id, properties: col.properties })),
  recommendations: col.list(candidateRow),
});

/**
 * The one statement for an email thread (X2): the participants' contacts and primary companies,
 * the companies their domains bring, and the companies, deals and tickets the thread most likely
 * belongs to: linked to participants (more participants, more weight), through the participants'
 * companies, by domain, by subject, and companies named in a signature.
 */
export function threadStatement(scope: Scope, q: ThreadQuery): SQL {
  const ws = scope.workspaceId;
  const rows = q.participants.map((p) => ({ email: p.email, exact: p.exact, registrable: p.registrable }));
  const domains = [...new Map(q.participants.filter((p) => p.exact).map((p) => [p.exact, { exact: p.exact, registrable: p.registrable, src: 'email' }])).values()];
  const subject = q.subject.trim() !== '';
  // a signature names the sender's company: evidence for companies only
  const signature = q.signature.trim() !== '' && q.targets.includes(COMPANY) && hasNameIndex(COMPANY);
  const ctes: SQL[] = [
    sql`pe as materialized (select lower(email) as email, exact, registrable from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(email text, exact text, registrable text))`,
    sql`me as materialized (select lower(u.email) as email from users u where u.workspace_id = ${ws} and u.id = ${q.userId ?? -1})`,
    sql`pl as materialized (select * from pe where pe.email not in (select email from me))`,
    // lateral lookups: one index probe per participant, whatever the planner guesses about the list
    sql`pc as materialized (
      select pl.email, c.id, c.properties from pl
      cross join lateral (
        select c.id, c.properties from records c
        where c.workspace_id = ${ws} and c.type_id = ${lit(CONTACT)} and lower(c.properties->>'email') = pl.email
          and c.properties->>'email' is not null and ${visible(scope, 'c')}
        limit 1) c)`,
    sql`links as materialized (
      select pc.email, a.to_id as id, a.to_type as type, bool_or(a.type_id = 1) as is_primary
      from pc cross join lateral (
        select a.to_id, a.to_type, a.type_id from associations a
        where a.workspace_id = ${ws} and a.from_id = pc.id and a.to_type in (${sql.join([...new Set([COMPANY, ...q.targets])].map((t) => lit(t)), sql`, `)})
        limit ${int(CAPS.neighbours)}) a
      group by pc.email, a.to_id, a.to_type)`,
    sql`pcomp as materialized (select distinct id, type from links where type = ${lit(COMPANY)})`,
    sql`direct as materialized (
      select id, type, (count(*) * ${num(WEIGHTS.participant)} + count(*) filter (where is_primary) * ${num(WEIGHTS.primaryCompany)})::float8 as w, count(distinct email)::int as n,
        json_agg(email order by email) as emails, json_agg(email order by email) filter (where is_primary) as primary_of
      from links group by id, type)`,
    sql`sd as materialized (select * from jsonb_to_recordset(${JSON.stringify(domains)}::jsonb) as d(exact text, registrable text, src text))`,
    domainCompanies(scope),
  ];
  if (subject) ctes.push(sql`tok as materialized (${tokensOf(sql`${q.subject}`)})`);
  if (signature) ctes.push(sql`stok as materialized (${tokensOf(sql`${q.signature}`)})`);
  if (q.targets.some(hasStatus)) {
    // the related companies: the participants' companies and the companies of their domains
    ctes.push(sql`cqt as materialized (
      select r.id, r.properties as props from records r
      where r.workspace_id = ${ws} and r.type_id = ${lit(COMPANY)} and ${visible(scope, 'r')}
        and r.id in (select id from (select id from pcomp union select id from dc) u order by id desc limit ${int(CAPS.companies)}))`);
  }
  const perType: SQL[] = [];
  for (const target of q.targets) {
    const s = `_${target.replace('-', '_')}`;
    const t = (name: string) => sql.raw(`${name}${s}`);
    const sources: SQL[] = [sql`select id from direct where type = ${lit(target)}`];
    if (target !== COMPANY) {
      ctes.push(...sharedCtes(scope, s, 'pcomp', target, null));
      sources.push(sql`select id from ${t('shared')}`);
    }
    const dom = domainCte(scope, target, null, 'pcomp', target === COMPANY ? null : `shared${s}`);
    if (dom) {
      ctes.push(sql`${t('dom')} as materialized (${dom})`);
      sources.push(sql`select id from ${t('dom')}`);
    }
    if (subject && hasNameIndex(target)) {
      ctes.push(sql`${t('sh')} as materialized (${tokenHits(scope, 'tok', target, null)})`);
      ctes.push(sql`${t('sj')} as materialized (select id, (sum(${specificity('hits')}) * ${num(WEIGHTS.subject)})::float8 as w, array_agg(token order by hits) as tokens from ${t('sh')} where hits <= ${int(CAPS.tokenHits)} group by id)`);
      sources.push(sql`select id from ${t('sj')}`);
    }
    const sig = signature && target === COMPANY;
    if (sig) {
      ctes.push(sql`${t('gh')} as materialized (${tokenHits(scope, 'stok', target, null)})`);
      // named: every word of the company's name is in a signature ("Other Logistics" is not named
      // by "Quillfeather Logistics"), however common one of them is
      ctes.push(sql`${t('sg')} as materialized (
        select h.id, (sum(${specificity('h.hits')}) * ${num(WEIGHTS.signature)})::float8 as w, array_agg(h.token order by h.hits) as tokens
        from ${t('gh')} h
        cross join lateral (select array(${tokensOf(sql`r.properties->>'name'`)}) as words from records r where r.workspace_id = ${scope.workspaceId} and r.id = h.id) n
        where h.token = any(n.words)
        group by h.id, n.words
        having count(distinct h.token) = cardinality(n.words))`);
      sources.push(sql`select id from ${t('sg')}`);
    }
    const companies = hasStatus(target);
    if (companies) {
      // colleagues: the company's contacts other than the thread's own (their records count as participants')
      ctes.push(...companyCtes(scope, s, 'cqt', target, sql`b.to_id not in (select id from pc)`));
      sources.push(sql`select id from ${t('cin')}`, sql`select id from ${t('col')}`);
    }
    const shared = target !== COMPANY;
    const subj = subject && hasNameIndex(target);
    ctes.push(sql`${t('cand')} as materialized (
      select u.id from (${sql.join(sources, sql` union `)}) u
      left join direct p on p.id = u.id and p.type = ${lit(target)}
      ${shared ? sql`left join ${t('shared')} s on s.id = u.id` : sql``}
      ${dom ? sql`left join ${t('dom')} d on d.id = u.id` : sql``}
      ${subj ? sql`left join ${t('sj')} j on j.id = u.id` : sql``}
      ${sig ? sql`left join ${t('sg')} g on g.id = u.id` : sql``}
      ${companies ? sql`left join ${t('cin')} ci on ci.id = u.id left join ${t('col')} co on co.id = u.id` : sql``}
      order by coalesce(p.w, 0) ${shared ? sql`+ coalesce(s.w, 0)` : sql``} ${dom ? sql`+ coalesce(d.w, 0)` : sql``} ${subj ? sql`+ coalesce(j.w, 0)` : sql``} ${sig ? sql`+ coalesce(g.w, 0)` : sql``} ${companies ? sql`+ coalesce(ci.w, 0) + coalesce(co.w, 0)` : sql``} desc, u.id desc
      limit ${int(CAPS.candidates)})`);
    ctes.push(sql`${t('ev')} as materialized (
      select r.id, r.type_id, r.properties, r.updated_at,
        coalesce(p.w, 0)::float8 as w_participants, p.emails as participant_emails, p.primary_of,
        (coalesce(p.n, 0) > 0 and p.n >= (select count(*) from pc)) as linked_all,
        ${companyColumns(companies)},
        ${shared ? sql`coalesce(s.w, 0)::float8 as w_shared` : sql`0::float8 as w_shared`},
        ${dom ? sql`coalesce(d.w, 0)::float8 as w_domain, d.domain, d.src as domain_from, d.exact as domain_exact, d.via as domain_via` : sql`0::float8 as w_domain, null::text as domain, null::text as domain_from, null::boolean as domain_exact, null::jsonb as domain_via`},
        ${subj ? sql`coalesce(j.w, 0)::float8 as w_subject, j.tokens as subject_tokens` : sql`0::float8 as w_subject, null::text[] as subject_tokens`},
        ${sig ? sql`coalesce(g.w, 0)::float8 as w_signature, g.tokens as signature_tokens` : sql`0::float8 as w_signature, null::text[] as signature_tokens`}
      from ${t('cand')} c
      cross join lateral (select * from records r where r.workspace_id = ${ws} and r.id = c.id and r.type_id = ${lit(target)} limit 1) r
      left join direct p on p.id = c.id and p.type = ${lit(target)}
      ${shared ? sql`left join ${t('shared')} s on s.id = c.id` : sql``}
      ${dom ? sql`left join ${t('dom')} d on d.id = c.id` : sql``}
      ${subj ? sql`left join ${t('sj')} j on j.id = c.id` : sql``}
      ${sig ? sql`left join ${t('sg')} g on g.id = c.id` : sql``}
      ${companies ? sql`left join ${t('cin')} ci on ci.id = c.id left join ${t('col')} co on co.id = c.id` : sql``}
      where ${visible(scope, 'r')})`);
    perType.push(sql`select *, ${statusRecency(scope, target, q.now)}
      from (select ev.*, (w_participants + w_shared + w_domain + w_subject + w_signature + w_company_name + w_colleagues) as e from ${t('ev')} ev) r`);
  }
  ctes.push(sql`scored as materialized (${sql.join(perType, sql` union all `)})`);
  const hopTargets = q.targets.filter((t) => t !== COMPANY);
  const threadSharedDetail =
    hopTargets.length === 0
      ? sql`null::json`
      : sql`(case top.type_id ${sql.join(hopTargets.map((t) => sql`when ${lit(t)} then ${sharedDetail(scope, `hop_${t.replace('-', '_')}`, sql`top.id`)}`), sql` `)} end)`;
  // a record already associated with every contact of the thread is no recommendation; the best
  // one of each type is still read, for what logging the email associates (thread.ts)
  ctes.push(sql`top as materialized (
    (select *, (e + w_status + w_recency)::float8 as score from scored where e > 0 and not linked_all
      order by e + w_status + w_recency desc, id desc limit ${q.limit})
    union all
    (select distinct on (type_id) *, (e + w_status + w_recency)::float8 as score from scored where e > 0 and linked_all
      order by type_id, e + w_status + w_recency desc, id desc))`);
  return sql`with ${sql.join(ctes, sql`, `)}
    select
      (select email from me) as me,
      (select json_agg(json_build_object('email', email, 'id', id, 'properties', properties)) from pc) as contacts,
      (select json_agg(json_build_object('email', l.email, 'id', c.id, 'properties', c.properties))
        from links l join records c on c.workspace_id = ${ws} and c.id = l.id
        where l.is_primary and l.type = ${lit(COMPANY)} and ${visible(scope, 'c')}) as primaries,
      (select json_agg(json_build_object('key', k.exact, 'domain', dc.domain, 'exact', dc.exact, 'id', dc.id, 'properties', dc.props) order by dc.exact desc, dc.id)
        from dc join sd k on dc.domain = k.exact or dc.domain = k.registrable) as domain_companies,
      (select json_agg(x order by x.score desc, x.id desc) from (
        select top.id, top.type_id, top.properties, top.w_shared,
          ${threadSharedDetail} as shared_detail,
          top.w_participants, top.participant_emails, top.primary_of,
          top.w_domain, top.domain, top.domain_from, top.domain_exact, top.domain_via,
          0::float8 as w_name, null::json as name_tokens, top.w_subject, to_json(top.subject_tokens) as subject_tokens, top.w_signature, to_json(top.signature_tokens) as signature_tokens,
          top.w_company_name, top.company_name, top.company_matched, top.w_colleagues, top.colleague_company, top.colleague_n, ${peopleOf(scope, sql`top.colleague_ids`)} as colleague_names,
          0::float8 as w_query, top.w_status, top.w_recency, 0::float8 as w_engagement, 0 as engaged, top.age_days, top.open, top.linked_all, top.score
        from top) x) as recommendations`;
}
