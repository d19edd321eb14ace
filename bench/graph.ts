import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { prng } from '../server/demo/generate.ts';
import { COMPANY, CONTACT, DEAL, TICKET } from '../shared/objects.ts';

/**
 * The benchmark graph: one workspace of companies, contacts, deals and tickets, and association
 * pairs between them, stored as the engine stores them (one row per direction and type id, R2),
 * with every contact's first company also its primary (types 1/2, R8). Deterministic: the same
 * sizes and seed give the same graph.
 */

// the seeded PRNG the demo generator uses too (mulberry32): the same graph on every run
export { prng };

/** Shares of the records per object type, and of the pairs per object pair (each sums to 1). */
const RECORD_SHARES = { [COMPANY]: 0.2, [CONTACT]: 0.6, [DEAL]: 0.15, [TICKET]: 0.05 } as const;

/** [a type, b type, a→b type id, b→a type id, share of the pairs, skew of the b side]. */
const PAIR_KINDS = [
  [CONTACT, COMPANY, 279, 280, 0.16, 2],
  [CONTACT, DEAL, 4, 3, 0.45, 1.5],
  [CONTACT, TICKET, 15, 16, 0.2, 1.2],
  [DEAL, COMPANY, 341, 342, 0.06, 2],
  [TICKET, COMPANY, 339, 340, 0.03, 2],
  [DEAL, TICKET, 27, 28, 0.1, 1],
] as const;

export interface PairSet {
  aType: string;
  bType: string;
  abTypeId: number;
  baTypeId: number;
  /** Record ids, pair i is (a[i], b[i]). */
  a: Float64Array;
  b: Float64Array;
}

export interface Graph {
  workspaceId: string;
  /** Record ids per object type, contiguous from `firstId`. */
  ids: Record<string, { first: number; count: number }>;
  recordCount: number;
  pairs: PairSet[];
  /** a→b rows of contact→company primary (type 1), one per contact with a company. */
  primaryContacts: Float64Array;
  primaryCompanies: Float64Array;
  /** Rows the associations table gets: 2 per pair plus 2 per primary. */
  associationRows: number;
  /** `contactId:dealId` of every contact↔deal pair, to pick pairs that are not associated yet. */
  contactDealKeys: Set<number>;
  /** How many records of a type a record is associated with. */
  degree(id: number, otherType: string): number;
}

const FIRST_NAMES = ['Ann', 'Bob', 'Carla', 'Dmitri', 'Emma', 'Femi', 'Grace', 'Hiro', 'Ines', 'Jon', 'Kim', 'Lea', 'Marta', 'Nils', 'Olga', 'Pablo'];
const LAST_NAMES = ['Smith', 'Garcia', 'Müller', 'Rossi', 'Dubois', 'Novak', 'Silva', 'Tanaka', 'Okafor', 'Larsen', 'Kowalski', 'Nguyen'];
const WORDS = ['acme', 'globex', 'initech', 'umbrella', 'stark', 'wayne', 'hooli', 'vandelay', 'wonka', 'tyrell', 'cyberdyne', 'soylent'];

/** Pair key of two record ids (ids stay below 2^26 here, the key below 2^53). */
export function pairKey(a: number, b: number): number {
  return a * 67_108_864 + b;
}

/** Builds the graph in memory: ids, pairs, primaries. Records' properties are made while loading. */
export function buildGraph(options: { workspaceId: string; firstId: number; records: number; pairs: number; seed?: number }): Graph {
  const rand = prng(options.seed ?? 20_240_601);
  const ids: Graph['ids'] = {};
  let next = options.firstId;
  let recordCount = 0;
  for (const [type, share] of Object.entries(RECORD_SHARES)) {
    const count = Math.max(2, Math.round(options.records * share));
    ids[type] = { first: next, count };
    next += count;
    recordCount += count;
  }
  if (next >= 67_108_864) throw new Error('too many records for the pair key');
  const pick = (type: string, skew: number) => ids[type]!.first + Math.floor(ids[type]!.count * rand() ** skew);

  const pairs: PairSet[] = [];
  let contactDealKeys = new Set<number>();
  const primaryContacts: number[] = [];
  const primaryCompanies: number[] = [];
  for (const [aType, bType, abTypeId, baTypeId, share, skew] of PAIR_KINDS) {
    const wanted = Math.min(Math.round(options.pairs * share), Math.floor(ids[aType]!.count * ids[bType]!.count * 0.5));
    const seen = new Set<number>();
    const a = new Float64Array(wanted);
    const b = new Float64Array(wanted);
    let n = 0;
    const add = (x: number, y: number) => {
      const key = pairKey(x, y);
      if (seen.has(key)) return false;
      seen.add(key);
      a[n] = x;
      b[n] = y;
      n++;
      return true;
    };
    if (aType === CONTACT && bType === COMPANY) {
      // every contact gets a first company (its primary), then some get more
      const contacts = ids[CONTACT]!;
      for (let i = 0; i < contacts.count && n < wanted; i++) {
        const contact = contacts.first + i;
        const company = pick(COMPANY, skew);
        add(contact, company);
        primaryContacts.push(contact);
        primaryCompanies.push(company);
      }
    }
    while (n < wanted) add(pick(aType, aType === CONTACT ? 1 : 1.2), pick(bType, skew));
    pairs.push({ aType, bType, abTypeId, baTypeId, a, b });
    if (aType === CONTACT && bType === DEAL) contactDealKeys = seen;
  }
  const pairCount = pairs.reduce((s, p) => s + p.a.length, 0);
  return {
    workspaceId: options.workspaceId,
    ids,
    recordCount,
    pairs,
    primaryContacts: Float64Array.from(primaryContacts),
    primaryCompanies: Float64Array.from(primaryCompanies),
    associationRows: 2 * pairCount + 2 * primaryContacts.length,
    contactDealKeys,
    degree: (id, otherType) => {
      let n = 0;
      for (const p of pairs) {
        if (p.aType === otherType) for (let i = 0; i < p.b.length; i++) if (p.b[i] === id) n++;
        if (p.bType === otherType) for (let i = 0; i < p.a.length; i++) if (p.a[i] === id) n++;
      }
      return n;
    },
  };
}

/** Contact↔deal pairs that are not associated yet, each used once (the benchmark's writes). */
export function freshContactDealPairs(graph: Graph, count: number, seed = 7): Array<[number, number]> {
  const rand = prng(seed);
  const contacts = graph.ids[CONTACT]!;
  const deals = graph.ids[DEAL]!;
  const taken = new Set(graph.contactDealKeys);
  const out: Array<[number, number]> = [];
  while (out.length < count) {
    const c = contacts.first + Math.floor(rand() * contacts.count);
    const d = deals.first + Math.floor(rand() * deals.count);
    const key = pairKey(c, d);
    if (taken.has(key)) continue;
    taken.add(key);
    out.push([c, d]);
  }
  return out;
}

// ---- rows as COPY text ------------------------------------------------------------------------

const RECORD_COLUMNS = '(workspace_id, id, type_id, properties)';
const ASSOCIATION_COLUMNS = '(workspace_id, from_id, to_type, to_id, type_id, from_type)';

function propertiesOf(graph: Graph, type: string, i: number): string {
  const word = WORDS[i % WORDS.length]!;
  switch (type) {
    case COMPANY:
      return JSON.stringify({ name: `${word[0]!.toUpperCase()}${word.slice(1)} ${i}`, domain: `${word}${i}.example.com` });
    case CONTACT: {
      const first = FIRST_NAMES[i % FIRST_NAMES.length]!;
      const last = LAST_NAMES[(i * 7) % LAST_NAMES.length]!;
      // the email's domain is a company's, as in real mail (the engine matches domains to companies)
      const companyIndex = (i * 2_654_435_761) % graph.ids[COMPANY]!.count;
      return JSON.stringify({ firstname: first, lastname: last, email: `${first.toLowerCase()}.${i}@${WORDS[companyIndex % WORDS.length]}${companyIndex}.example.com` });
    }
    case DEAL:
      return JSON.stringify({ dealname: `Deal ${i}`, amount: String(1000 + ((i * 37) % 90_000)), dealstage: 'appointmentscheduled', pipeline: 'default' });
    default:
      return JSON.stringify({ subject: `Ticket ${i}`, hs_pipeline: '0', hs_pipeline_stage: '1' });
  }
}

/** COPY text of every record, in chunks of about `rowsPerChunk` rows. */
export function* recordChunks(graph: Graph, rowsPerChunk: number): Generator<string> {
  const ws = graph.workspaceId;
  let lines: string[] = [];
  for (const [type, { first, count }] of Object.entries(graph.ids)) {
    for (let i = 0; i < count; i++) {
      // COPY text format: the JSON we make has no backslash, tab or newline to escape
      lines.push(`${ws}\t${first + i}\t${type}\t${propertiesOf(graph, type, i)}\n`);
      if (lines.length >= rowsPerChunk) {
        yield lines.join('');
        lines = [];
      }
    }
  }
  if (lines.length > 0) yield lines.join('');
}

/** COPY text of every association row (both directions of every pair, plus primaries). */
export function* associationChunks(graph: Graph, rowsPerChunk: number): Generator<string> {
  const ws = graph.workspaceId;
  let lines: string[] = [];
  const push = function* (line: string) {
    lines.push(line);
    if (lines.length >= rowsPerChunk) {
      yield lines.join('');
      lines = [];
    }
  };
  for (const p of graph.pairs) {
    for (let i = 0; i < p.a.length; i++) {
      yield* push(`${ws}\t${p.a[i]}\t${p.bType}\t${p.b[i]}\t${p.abTypeId}\t${p.aType}\n`);
      yield* push(`${ws}\t${p.b[i]}\t${p.aType}\t${p.a[i]}\t${p.baTypeId}\t${p.bType}\n`);
    }
  }
  for (let i = 0; i < graph.primaryContacts.length; i++) {
    yield* push(`${ws}\t${graph.primaryContacts[i]}\t${COMPANY}\t${graph.primaryCompanies[i]}\t1\t${CONTACT}\n`);
    yield* push(`${ws}\t${graph.primaryCompanies[i]}\t${CONTACT}\t${graph.primaryContacts[i]}\t2\t${COMPANY}\n`);
  }
  if (lines.length > 0) yield lines.join('');
}

// ---- loading ----------------------------------------------------------------------------------

/** What loading needs from a database: run SQL, and COPY text into a table. */
export interface Loader {
  exec(sql: string): Promise<Array<Record<string, unknown>>>;
  copy(table: string, columns: string, chunks: Iterable<string>): Promise<void>;
  close(): Promise<void>;
}

export function pgliteLoader(client: PGlite): Loader {
  return {
    exec: async (text) => (await client.query<Record<string, unknown>>(text)).rows,
    copy: async (table, columns, chunks) => {
      // PGlite reads COPY data from a blob mounted at /dev/blob
      for (const chunk of chunks) await client.query(`copy ${table} ${columns} from '/dev/blob'`, [], { blob: new Blob([chunk]) });
    },
    close: async () => {},
  };
}

export async function postgresLoader(url: string): Promise<Loader> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    exec: async (text) => (await client.query(text)).rows,
    copy: async (table, columns, chunks) => {
      await pipeline(Readable.from(chunks), client.query(copyFrom(`copy ${table} ${columns} from stdin`)));
    },
    close: () => client.end(),
  };
}

export interface LoadReport {
  records: number;
  associationRows: number;
  /** COPY of the records, keys and indexes dropped. */
  recordsSeconds: number;
  recordsPerSecond: number;
  associationsSeconds: number;
  associationRowsPerSecond: number;
  /** Putting the keys and indexes back, then VACUUM ANALYZE. */
  indexSeconds: number;
  analyzeSeconds: number;
  totalSeconds: number;
  /** Association rows per second over the whole load, indexes and ANALYZE included. */
  associationRowsPerSecondOverall: number;
}

const TABLES = ['records', 'associations'];

/**
 * Loads the graph into an empty, migrated database: drops the keys and indexes of `records` and
 * `associations` (remembering their definitions from the catalog), COPYs the rows, puts the keys
 * and indexes back exactly as they were, moves the record id sequence past the loaded ids, and
 * runs VACUUM ANALYZE.
 */
export async function loadGraph(loader: Loader, graph: Graph, log: (line: string) => void = () => {}): Promise<LoadReport> {
  const started = performance.now();
  await loader.exec(`set maintenance_work_mem = '512MB'`);
  const list = TABLES.map((t) => `'${t}'`).join(', ');
  const constraints = (await loader.exec(`
    select c.conrelid::regclass::text as tbl, c.conname as name, pg_get_constraintdef(c.oid) as def
    from pg_constraint c where c.conrelid::regclass::text in (${list}) and c.contype in ('p', 'u')`)) as Array<{ tbl: string; name: string; def: string }>;
  const indexes = (await loader.exec(`
    select i.indexname as name, i.indexdef as def from pg_indexes i
    where i.schemaname = 'public' and i.tablename in (${list})
      and i.indexname not in (select conname from pg_constraint where conrelid::regclass::text in (${list}))`)) as Array<{ name: string; def: string }>;
  const [counts] = (await loader.exec(`select (select count(*) from records)::int as r, (select count(*) from associations)::int as a`)) as Array<{ r: number; a: number }>;
  if (counts!.r !== 0 || counts!.a !== 0) throw new Error('the benchmark loads into an empty database');
  for (const c of constraints) await loader.exec(`alter table ${c.tbl} drop constraint ${c.name}`);
  for (const i of indexes) await loader.exec(`drop index ${i.name}`);

  let t = performance.now();
  await loader.copy('records', RECORD_COLUMNS, recordChunks(graph, 50_000));
  const recordsSeconds = (performance.now() - t) / 1000;
  log(`records: ${graph.recordCount} in ${recordsSeconds.toFixed(1)} s`);

  t = performance.now();
  await loader.copy('associations', ASSOCIATION_COLUMNS, associationChunks(graph, 250_000));
  const associationsSeconds = (performance.now() - t) / 1000;
  log(`association rows: ${graph.associationRows} in ${associationsSeconds.toFixed(1)} s`);

  t = performance.now();
  for (const c of constraints) await loader.exec(`alter table ${c.tbl} add constraint ${c.name} ${c.def}`);
  for (const i of indexes) await loader.exec(i.def);
  const maxId = Math.max(...Object.values(graph.ids).map((r) => r.first + r.count - 1));
  await loader.exec(`select setval('record_ids', ${maxId})`);
  const indexSeconds = (performance.now() - t) / 1000;
  log(`keys and indexes: ${indexSeconds.toFixed(1)} s`);

  t = performance.now();
  await loader.exec('vacuum analyze records');
  await loader.exec('vacuum analyze associations');
  await loader.exec('checkpoint');
  const analyzeSeconds = (performance.now() - t) / 1000;
  log(`vacuum analyze + checkpoint: ${analyzeSeconds.toFixed(1)} s`);

  const totalSeconds = (performance.now() - started) / 1000;
  return {
    records: graph.recordCount,
    associationRows: graph.associationRows,
    recordsSeconds,
    recordsPerSecond: graph.recordCount / recordsSeconds,
    associationsSeconds,
    associationRowsPerSecond: graph.associationRows / associationsSeconds,
    indexSeconds,
    analyzeSeconds,
    totalSeconds,
    associationRowsPerSecondOverall: graph.associationRows / totalSeconds,
  };
}
