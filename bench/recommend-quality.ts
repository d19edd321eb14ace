/**
 * Recommendation quality (issue 5): on a generated workspace, hide one association per sampled
 * record, ask for recommendations of the hidden record's type, and see where the hidden record
 * ranks. Reports hit@1, hit@5 and mean reciprocal rank per task and overall, beside two baselines
 * computed in the same run on the same hidden associations:
 *   - domain only: records the email/company domain points at (R18), in no particular order
 *     (its metrics are the expectation over a random order of that set);
 *   - most recent only: every record of the target type not yet associated, newest update first.
 * The hidden association is the one a rep would make now: the source's newest deal or ticket,
 * a contact's company, a deal's company, one random contact of a deal. "with evidence" is the
 * share of samples where anything in the data points at the hidden record (shared records,
 * domain, name): a contact with a personal address and no other association has none.
 *
 *   node bench/recommend-quality.ts [--companies 1500] [--samples 200] [--seed N --sample-seed M] [--debug K]
 *
 * Weights are tried on other seeds (a validation workspace), never tuned on the fixed one.
 */
import { sql } from 'drizzle-orm';
import { COMPANY, CONTACT, DEAL, TICKET } from '../shared/objects.ts';
import { type DbOrTx, openDatabase, type Tx } from '../server/db/client.ts';
import { rowsOf } from '../test/helpers/raw-rows.ts';
import { resolveObjectType } from '../server/domain/object-types.ts';
import type { Scope } from '../server/domain/recommendations/access.ts';
import { recommendForRecord, sourceDomains } from '../server/domain/recommendations/record.ts';
import { bootstrapInstance } from '../server/domain/workspaces.ts';
import { generateWorkspace, loadWorkspace, PAIR_KINDS, type PairKind, pairCount, pgliteTarget, prng, type Workspace } from './recommend-data.ts';

/** The fixed seeds the reported numbers use; `--seed`/`--sample-seed` give a validation workspace to try weights on first. */
const SEED = arg('seed', 20_261_127);
const SAMPLE_SEED = arg('sample-seed', 7);
/** A fixed clock: recency is measured against it, so runs compare across days. */
const NOW = new Date('2026-06-01T00:00:00Z');
const TARGET_HIT5 = 0.9;
/** "Clearly above" a baseline: at least this much more hit@5. */
const MARGIN = 0.15;
const DEBUG = arg('debug', 0);
let debugShown = 0;

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

interface Task {
  name: string;
  source: string;
  target: string;
  /** The sampled (source, hidden) pairs. */
  samples: Array<[number, number]>;
}

function tasks(ws: Workspace, perTask: number): Task[] {
  const rand = prng(SAMPLE_SEED);
  const byA = (kind: PairKind) => {
    const m = new Map<number, number[]>();
    for (const [a, b] of ws.pairs[kind]) m.set(a, [...(m.get(a) ?? []), b]);
    return m;
  };
  const newest = (ids: number[]) => ids.reduce((best, id) => (ws.byId.get(id)!.createdAgo < ws.byId.get(best)!.createdAgo ? id : best));
  const sample = <T>(list: T[]) => {
    const copy = [...list];
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [copy[i], copy[j]] = [copy[j]!, copy[i]!];
    }
    return copy.slice(0, perTask);
  };
  const contactDeals = byA('contactDeal');
  const contactTickets = byA('contactTicket');
  const contactCompanies = byA('contactCompany');
  const dealCompanies = byA('dealCompany');
  const dealContacts = new Map<number, number[]>();
  for (const [c, d] of ws.pairs.contactDeal) dealContacts.set(d, [...(dealContacts.get(d) ?? []), c]);
  return [
    { name: 'contact → its newest deal', source: 'contacts', target: 'deals', samples: sample([...contactDeals].map(([c, ds]) => [c, newest(ds)] as [number, number])) },
    { name: 'contact → its company', source: 'contacts', target: 'companies', samples: sample([...contactCompanies].filter(([, cs]) => cs.length === 1).map(([c, cs]) => [c, cs[0]!] as [number, number])) },
    { name: 'contact → its newest ticket', source: 'contacts', target: 'tickets', samples: sample([...contactTickets].map(([c, ts]) => [c, newest(ts)] as [number, number])) },
    { name: 'deal → its company', source: 'deals', target: 'companies', samples: sample([...dealCompanies].map(([d, cs]) => [d, cs[0]!] as [number, number])) },
    { name: 'deal → one of its contacts', source: 'deals', target: 'contacts', samples: sample([...dealContacts].map(([d, cs]) => [d, cs[Math.floor(rand() * cs.length)]!] as [number, number])) },
  ];
}

interface Metrics {
  hit1: number;
  hit5: number;
  rr: number;
}
const zero = (): Metrics => ({ hit1: 0, hit5: 0, rr: 0 });
/** Reasons that are evidence (not just status, recency or filling an empty list). */
const EVIDENCE = new Set(['shared_associations', 'participants', 'domain', 'name', 'subject', 'query']);
const ofRank = (rank: number | null): Metrics => (rank === null ? zero() : { hit1: rank === 1 ? 1 : 0, hit5: rank <= 5 ? 1 : 0, rr: 1 / rank });
/** Expected metrics of a record found in a set of m equally ranked records, in random order. */
function ofSet(m: number): Metrics {
  let harmonic = 0;
  for (let i = 1; i <= m; i++) harmonic += 1 / i;
  return { hit1: 1 / m, hit5: Math.min(5, m) / m, rr: harmonic / m };
}

class Rollback extends Error {}

/** Accounts with more contacts than this are "large" in the breakdown (the generator's hub accounts). */
const LARGE_ACCOUNT = 100;

interface Account {
  contacts: number;
  /** The account's records by type id (its company under COMPANY). */
  byType: Map<string, number[]>;
}

/** Each record's account (the company it was generated under), from the generator's ground truth. */
function accounts(ws: Workspace): Map<number, Account> {
  const out = new Map<number, Account>();
  for (const c of ws.companies) {
    const account = { contacts: c.contacts.length, byType: new Map([[COMPANY, [c.id]], [CONTACT, c.contacts], [DEAL, c.deals], [TICKET, c.tickets]]) };
    for (const id of [c.id, ...c.contacts, ...c.deals, ...c.tickets]) out.set(id, account);
  }
  return out;
}

/**
 * hit@5 of a random order of the account's records of the target type that the source is not
 * associated with (the hidden one included): what ranking by the account alone gives, with no
 * other evidence. Null for companies (an account has one).
 */
function accountChance(ws: Workspace, account: Account, source: number, hidden: number, target: string): number | null {
  if (target === COMPANY) return null;
  const mine = account.byType.get(target) ?? [];
  const linked = new Set<number>();
  for (const list of Object.values(ws.pairs)) {
    for (const [a, b] of list) {
      if (a === source && b !== hidden) linked.add(b);
      if (b === source && a !== hidden) linked.add(a);
    }
  }
  const m = mine.filter((id) => id !== source && !linked.has(id)).length;
  return m === 0 ? null : Math.min(5, m) / m;
}

/**
 * For a deal's hidden contact: its rank among the account's contacts not on the deal, in the order
 * the generator picks people for deals by (its key people first, recorded as the account's contact
 * order). No engine can see that order: counting how many deals a contact is on only estimates it.
 * Ranking by the order itself is the reference ("ceiling") for "deal → one of its contacts".
 */
function keyPersonRank(ws: Workspace, account: Account, deal: number, hidden: number): number | null {
  const on = new Set(ws.pairs.contactDeal.filter(([c, d]) => d === deal && c !== hidden).map(([c]) => c));
  const order = (account.byType.get(CONTACT) ?? []).filter((c) => !on.has(c));
  const at = order.indexOf(hidden);
  return at < 0 ? null : at + 1;
}

/** Domain-only baseline: the set of records the source's domains point at (not yet associated). */
async function domainSet(tx: DbOrTx, wsId: string, source: number, target: string): Promise<number[]> {
  const [src] = rowsOf<{ id: number; type_id: string; properties: Record<string, string | null>; contact_emails: string[] | null; company_domains: string[] | null }>(
    await tx.execute(sql`
      select r.id, r.type_id, r.properties,
        (select json_agg(lower(c.properties->>'email')) from associations a join records c on c.workspace_id = a.workspace_id and c.id = a.to_id
          where a.workspace_id = ${wsId} and a.from_id = r.id and a.to_type = ${CONTACT}) as contact_emails,
        (select json_agg(lower(c.properties->>'domain')) from associations a join records c on c.workspace_id = a.workspace_id and c.id = a.to_id
          where a.workspace_id = ${wsId} and a.from_id = r.id and a.to_type = ${COMPANY}) as company_domains
      from records r where r.workspace_id = ${wsId} and r.id = ${source}`),
  );
  if (!src) return [];
  const domains = sourceDomains({ ...src, contact_emails: src.contact_emails ?? [], company_domains: src.company_domains ?? [] });
  if (domains.length === 0) return [];
  const exact = JSON.stringify(domains.map((d) => d.exact));
  const registrable = JSON.stringify(domains.map((d) => d.registrable ?? d.exact));
  const notAssociated = sql`not exists (select 1 from associations x where x.workspace_id = ${wsId} and x.from_id = ${source} and x.to_id = t.id)`;
  const companiesSql = sql`select c.id from records c where c.workspace_id = ${wsId} and c.type_id = ${COMPANY}
    and (lower(c.properties->>'domain') in (select jsonb_array_elements_text(${exact}::jsonb)) or lower(c.properties->>'domain') in (select jsonb_array_elements_text(${registrable}::jsonb)))`;
  let q;
  if (target === COMPANY) q = sql`select t.id from (${companiesSql}) t where t.id <> ${source} and ${notAssociated}`;
  else if (target === CONTACT) {
    q = sql`select t.id from records t where t.workspace_id = ${wsId} and t.type_id = ${CONTACT} and t.id <> ${source}
      and lower(split_part(t.properties->>'email', '@', 2)) in (select jsonb_array_elements_text(${exact}::jsonb)) and ${notAssociated}`;
  } else {
    q = sql`select distinct a.to_id as id from associations a join (${companiesSql}) c on a.from_id = c.id
      cross join lateral (select a.to_id as id) t
      where a.workspace_id = ${wsId} and a.to_type = ${target} and ${notAssociated}`;
  }
  return rowsOf<{ id: number }>(await tx.execute(q)).map((r) => Number(r.id));
}

/** Most-recent-only baseline: the hidden record's rank among not-associated records of its type. */
async function recencyRank(tx: DbOrTx, wsId: string, source: number, target: string, hidden: number): Promise<number> {
  const [row] = rowsOf<{ n: number }>(
    await tx.execute(sql`
      select count(*)::int as n from records t, (select updated_at, id from records where workspace_id = ${wsId} and id = ${hidden}) h
      where t.workspace_id = ${wsId} and t.type_id = ${target} and t.id <> ${source}
        and (t.updated_at > h.updated_at or (t.updated_at = h.updated_at and t.id > h.id))
        and not exists (select 1 from associations x where x.workspace_id = ${wsId} and x.from_id = ${source} and x.to_id = t.id)`),
  );
  return (row?.n ?? 0) + 1;
}

async function main() {
  const companies = arg('companies', 1500);
  const perTask = arg('samples', 200);
  const database = await openDatabase({ dataDir: 'memory://', durable: false });
  const db = database.db;
  const boot = await bootstrapInstance(db, { plan: 'enterprise' });
  if (!boot) throw new Error('expected an empty database');
  const wsId = boot.workspaceId;
  const ws = generateWorkspace({ companies, seed: SEED });
  const client = (db as unknown as { $client: import('@electric-sql/pglite').PGlite }).$client;
  await loadWorkspace(pgliteTarget(client), wsId, ws, NOW);
  console.log(`# Recommendation quality\n\nworkspace: seed ${SEED}, ${ws.records.length.toLocaleString('en-US')} records (${ws.companies.length} companies), ${pairCount(ws).toLocaleString('en-US')} association pairs; sample seed ${SAMPLE_SEED}, ${perTask} samples per task\n`);

  const scope: Scope = { workspaceId: wsId, userId: null, internalDomains: [], neverLogAddresses: [], autoCreateCompanies: false };
  const rows: string[][] = [];
  const all = { engine: zero(), domain: zero(), recency: zero(), n: 0, evidence: 0, evidenceHit5: 0 };
  const accountOf = accounts(ws);
  const keyPeople = { n: 0, engine: 0, ceiling: 0 };
  /** hit@5 by the size of the source's account, with the account-only chance beside it. */
  const bySize = { large: { n: 0, hit5: 0, chanceN: 0, chanceHit5: 0, chance: 0 }, other: { n: 0, hit5: 0, chanceN: 0, chanceHit5: 0, chance: 0 } };
  const typeIdOf: Record<string, string> = { contacts: CONTACT, companies: COMPANY, deals: DEAL, tickets: TICKET };
  const started = performance.now();
  for (const task of tasks(ws, perTask)) {
    const source = await resolveObjectType(db, wsId, task.source);
    const target = await resolveObjectType(db, wsId, task.target);
    const sum = { engine: zero(), domain: zero(), recency: zero() };
    const evidence = { n: 0, hit5: 0 };
    const kind = (Object.entries(PAIR_KINDS) as Array<[PairKind, readonly [string, string, number, number]]>).find(([, k]) => new Set([k[0], k[1]]).size === 2 && [k[0], k[1]].includes(typeIdOf[task.source]!) && [k[0], k[1]].includes(typeIdOf[task.target]!));
    if (!kind) throw new Error(`no pair kind for ${task.name}`);
    for (const [src, hidden] of task.samples) {
      const result = { engine: zero(), domain: zero(), recency: zero() };
      await db
        .transaction(async (tx) => {
          // hide the association: every type id between the two records, both directions
          await tx.execute(sql`delete from associations where workspace_id = ${wsId} and ((from_id = ${src} and to_id = ${hidden}) or (from_id = ${hidden} and to_id = ${src}))`);
          const recs = await recommendForRecord(tx as Tx, scope, { source, id: src, target, limit: 100, now: NOW });
          const at = recs.findIndex((r) => r.id === String(hidden));
          result.engine = ofRank(at >= 0 ? at + 1 : null);
          if (at >= 0 && recs[at]!.reasons.some((r) => EVIDENCE.has(r.kind))) {
            evidence.n++;
            evidence.hit5 += result.engine.hit5;
            all.evidence++;
            all.evidenceHit5 += result.engine.hit5;
          }
          if (DEBUG && (at < 0 || at >= 5) && debugShown++ < DEBUG) {
            const h = ws.byId.get(hidden)!;
            console.log(`\n${task.name}: source ${src} ${JSON.stringify(ws.byId.get(src)!.props)} hidden ${hidden} ${JSON.stringify(h.props)} created ${h.createdAgo.toFixed(0)}d updated ${h.updatedAgo.toFixed(0)}d rank ${at + 1}`);
            for (const r of [...recs.slice(0, 5), ...(at >= 0 ? [recs[at]!] : [])]) console.log(`  ${r.id} ${r.name} ${r.score} ${r.reasons.map((x) => `${x.kind}:${x.weight}:${JSON.stringify(x.values)}`).join(' | ')}`);
          }
          const set = await domainSet(tx, wsId, src, target.typeId);
          result.domain = set.includes(hidden) ? ofSet(set.length) : zero();
          result.recency = ofRank(await recencyRank(tx, wsId, src, target.typeId, hidden));
          throw new Rollback();
        })
        .catch((err) => {
          if (!(err instanceof Rollback)) throw err;
        });
      for (const k of ['engine', 'domain', 'recency'] as const) {
        for (const m of ['hit1', 'hit5', 'rr'] as const) {
          sum[k][m] += result[k][m];
          all[k][m] += result[k][m];
        }
      }
      all.n++;
      const account = accountOf.get(src);
      if (account) {
        const size = account.contacts > LARGE_ACCOUNT ? bySize.large : bySize.other;
        size.n++;
        size.hit5 += result.engine.hit5;
        const chance = accountChance(ws, account, src, hidden, target.typeId);
        const keyRank = task.source === 'deals' && task.target === 'contacts' ? keyPersonRank(ws, account, src, hidden) : null;
        if (keyRank !== null) {
          keyPeople.n++;
          keyPeople.engine += result.engine.hit5;
          keyPeople.ceiling += keyRank <= 5 ? 1 : 0;
        }
        if (chance !== null) {
          size.chanceN++;
          size.chanceHit5 += result.engine.hit5;
          size.chance += chance;
        }
      }
    }
    const n = task.samples.length;
    const f = (m: Metrics) => [m.hit1 / n, m.hit5 / n, m.rr / n].map((x) => x.toFixed(3));
    rows.push([task.name, String(n), ...f(sum.engine), ...f(sum.domain), ...f(sum.recency), (evidence.n / n).toFixed(3), (evidence.hit5 / Math.max(1, evidence.n)).toFixed(3)]);
  }
  const f = (m: Metrics) => [m.hit1 / all.n, m.hit5 / all.n, m.rr / all.n].map((x) => x.toFixed(3));
  rows.push(['**all tasks**', String(all.n), ...f(all.engine), ...f(all.domain), ...f(all.recency), (all.evidence / all.n).toFixed(3), (all.evidenceHit5 / Math.max(1, all.evidence)).toFixed(3)]);
  const header = ['task', 'n', 'hit@1', 'hit@5', 'MRR', 'domain hit@1', 'domain hit@5', 'domain MRR', 'recent hit@1', 'recent hit@5', 'recent MRR', 'with evidence', 'hit@5 with evidence'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  console.log([line(header), `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`, ...rows.map(line)].join('\n'));
  const hit5 = all.engine.hit5 / all.n;
  const domain5 = all.domain.hit5 / all.n;
  const recent5 = all.recency.hit5 / all.n;
  console.log(`\n${all.n} queries in ${((performance.now() - started) / 1000).toFixed(1)} s (each with its baselines, in a rolled-back transaction)`);
  const sizeLine = (label: string, x: typeof bySize.large) =>
    `- ${label}: ${x.n} queries (${((x.n / all.n) * 100).toFixed(1)}%), hit@5 ${(x.hit5 / Math.max(1, x.n)).toFixed(3)}; ` +
    `for contacts, deals and tickets (${x.chanceN} queries) ${(x.chanceHit5 / Math.max(1, x.chanceN)).toFixed(3)}, where a random order of the account's own records gives ${(x.chance / Math.max(1, x.chanceN)).toFixed(3)}`;
  console.log(`\nby the size of the source's account:\n${sizeLine(`accounts over ${LARGE_ACCOUNT} contacts`, bySize.large)}\n${sizeLine('other accounts', bySize.other)}`);
  console.log(
    `\ndeal → one of its contacts (${keyPeople.n} queries): hit@5 ${(keyPeople.engine / Math.max(1, keyPeople.n)).toFixed(3)}; ` +
      `ranking the account's contacts by the generator's own key-person order, which no engine sees: ${(keyPeople.ceiling / Math.max(1, keyPeople.n)).toFixed(3)}\n`,
  );
  console.log(`target hit@5 >= ${TARGET_HIT5}: ${hit5.toFixed(3)} ${hit5 >= TARGET_HIT5 ? 'MET' : 'NOT MET'}`);
  console.log(`clearly above the baselines (+${MARGIN} hit@5): domain only ${domain5.toFixed(3)}, most recent only ${recent5.toFixed(3)}: ${hit5 >= domain5 + MARGIN && hit5 >= recent5 + MARGIN ? 'MET' : 'NOT MET'}`);
  await database.close();
}

await main();
