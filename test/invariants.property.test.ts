import fc from 'fast-check';
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { hubspotDefaultType, hubspotDefinedType } from '../shared/association-types.ts';
import { rowsOf } from './helpers/raw-rows.ts';
import { useTestApp } from './helpers/app.ts';
import { allEdges, type Edge, seedRecords } from './helpers/records.ts';

/**
 * R2, R4, R8, R20: random sequences of associate / label / set-primary / remove / archive /
 * restore / merge / undo of a merge through the public API; after every step the invariants hold
 * and history replays to the live state.
 */
const t = useTestApp({ plan: 'professional' });
const LIMIT_CONTACT_DEALS = 3;
let champion = 0;
let championInverse = 0;
const inverseOf = new Map<number, number>();
/** The direction of the types this test's workspace defines beyond HubSpot's (the Champion pair). */
const directionOf = new Map<number, { fromType: string; toType: string }>();

beforeAll(async () => {
  const label = await t.call('POST', '/crm/v4/associations/contacts/deals/labels', { label: 'Champion', name: 'champion' });
  champion = label.body.results[0].typeId;
  championInverse = label.body.results[1].typeId;
  inverseOf.set(champion, championInverse).set(championInverse, champion);
  directionOf.set(champion, { fromType: '0-1', toType: '0-3' }).set(championInverse, { fromType: '0-3', toType: '0-1' });
  const limits = await t.call('POST', '/crm/v4/associations/definitions/configurations/contacts/deals/batch/create', {
    inputs: [{ category: 'HUBSPOT_DEFINED', typeId: 4, maxToObjectIds: LIMIT_CONTACT_DEALS }],
  });
  expect(limits.status).toBe(201);
});

const inverse = (typeId: number) => inverseOf.get(typeId) ?? hubspotDefinedType(typeId)?.inverseTypeId;

/**
 * Labeled and primary edges with no unlabeled edge between the same two records in the same
 * direction (a label is a type on top of an association, never an association of its own), and
 * edges of a type it does not know. `directions` gives the types beyond HubSpot's.
 */
function labelsWithoutAssociation(edges: Edge[], directions: ReadonlyMap<number, { fromType: string; toType: string }>): string[] {
  const key = (f: number, to: number, ty: number) => `${Number(f)}>${Number(to)}#${Number(ty)}`;
  const set = new Set(edges.map((e) => key(e.from_id, e.to_id, e.type_id)));
  const out: string[] = [];
  for (const e of edges) {
    const type = directions.get(Number(e.type_id)) ?? hubspotDefinedType(Number(e.type_id));
    const unlabeled = type && hubspotDefaultType(type.fromType, type.toType);
    if (!unlabeled) out.push(`${key(e.from_id, e.to_id, e.type_id)}: a type without an unlabeled one for its pair`);
    else if (unlabeled.typeId !== Number(e.type_id) && !set.has(key(e.from_id, e.to_id, unlabeled.typeId))) out.push(`${key(e.from_id, e.to_id, e.type_id)} without ${key(e.from_id, e.to_id, unlabeled.typeId)}`);
  }
  return out;
}

async function checkInvariants() {
  const ws = t.workspaceId;
  const edges = await allEdges(t.db.db, ws);
  const key = (f: number, to: number, ty: number) => `${f}>${to}#${ty}`;
  const set = new Set(edges.map((e) => key(Number(e.from_id), Number(e.to_id), Number(e.type_id))));
  // R2: every edge has its reverse
  for (const e of edges) expect(set.has(key(Number(e.to_id), Number(e.from_id), inverse(Number(e.type_id))!)), `reverse of ${key(e.from_id, e.to_id, e.type_id)}`).toBe(true);
  // every labeled or primary edge sits on an unlabeled association
  expect(labelsWithoutAssociation(edges, directionOf), 'labeled or primary edges without their unlabeled one').toEqual([]);
  // archived and merged records have no associations left
  const records = rowsOf<{ id: number; type_id: string; archived: boolean }>(await t.db.db.execute(sql`select id, type_id, (archived_at is not null or merged_into is not null) as archived from records where workspace_id = ${ws}`));
  const typeOf = new Map(records.map((r) => [Number(r.id), r]));
  for (const e of edges) {
    expect(typeOf.get(Number(e.to_id))?.archived, `edge to archived ${e.to_id}`).toBe(false);
    expect(typeOf.get(Number(e.from_id))?.archived, `edge from archived ${e.from_id}`).toBe(false);
  }
  // issue 13: no record is lost to a merge: every merge chain ends at a record that is not merged
  // (a record merged into itself, or a cycle, would make both ids answer 404 for good)
  const lost = rowsOf<{ id: number }>(
    await t.db.db.execute(sql`
      with recursive chain(start, id, merged_into, depth) as (
        select id, id, merged_into, 0 from records where workspace_id = ${ws} and merged_into is not null
        union all
        select c.start, r.id, r.merged_into, c.depth + 1 from chain c join records r on r.workspace_id = ${ws} and r.id = c.merged_into
        where c.merged_into is not null and c.depth < 20)
      select start as id from chain group by start having bool_and(merged_into is not null)`),
  );
  expect(lost.map((r) => Number(r.id)), 'merged records whose chain never reaches a survivor').toEqual([]);
  // R8: a contact with companies has exactly one primary; without companies, none
  for (const r of records.filter((x) => x.type_id === '0-1')) {
    const companies = edges.filter((e) => Number(e.from_id) === Number(r.id) && Number(e.type_id) === 279).length;
    const primaries = edges.filter((e) => Number(e.from_id) === Number(r.id) && Number(e.type_id) === 1).length;
    expect(primaries, `contact ${r.id} with ${companies} companies`).toBe(companies > 0 ? 1 : 0);
  }
  // R4: no count above its limit
  for (const r of records.filter((x) => x.type_id === '0-1')) {
    expect(edges.filter((e) => Number(e.from_id) === Number(r.id) && Number(e.type_id) === 4).length).toBeLessThanOrEqual(LIMIT_CONTACT_DEALS);
  }
  // R20: history replays to the live state
  const history = rowsOf<{ action: string; from_id: number; to_id: number; type_id: number }>(
    await t.db.db.execute(sql`select action, from_id, to_id, type_id from association_history where workspace_id = ${ws} order by id`),
  );
  const replay = new Set<string>();
  for (const h of history) {
    const [f, to, ty] = [Number(h.from_id), Number(h.to_id), Number(h.type_id)];
    if (h.action === 'DELETED') {
      for (const k of [...replay]) if (k.startsWith(`${f}>${to}#`)) replay.delete(k);
    } else if (h.action === 'CREATED' || h.action === 'LABEL_ADDED' || h.action === 'PRIMARY_SET') replay.add(key(f, to, ty));
    else replay.delete(key(f, to, ty));
  }
  expect([...replay].sort()).toEqual([...set].sort());
}

type Op =
  | { kind: 'associate'; a: number; b: number; labeled: boolean }
  | { kind: 'company'; contact: number; company: number; primary: boolean }
  | { kind: 'removeCompany'; contact: number; company: number; successor: number }
  | { kind: 'removeDeal'; contact: number; deal: number }
  | { kind: 'unlabel'; contact: number; deal: number }
  | { kind: 'unprimary'; contact: number; company: number; successor: number }
  | { kind: 'archive'; which: 'company' | 'deal' | 'contact'; index: number }
  | { kind: 'restore'; which: 'company' | 'deal' | 'contact'; index: number; back: number }
  | { kind: 'merge'; which: 'company' | 'deal' | 'contact'; keep: number; merge: number }
  | { kind: 'undoMerge'; which: 'company' | 'deal' | 'contact'; keep: number; merge: number; back: number }
  | { kind: 'mergeBack'; which: 'company' | 'deal' | 'contact'; keep: number; merge: number; back: number };

const idx = fc.integer({ min: 0, max: 3 });
// associating weighs more (the contact-deal limit must be reached now and then among ten kinds),
// and so do restore and undo, which archive or merge first when the run has nothing to bring back
const op: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('associate' as const), a: idx, b: idx, labeled: fc.boolean() }), weight: 3 },
  fc.record({ kind: fc.constant('company' as const), contact: idx, company: idx, primary: fc.boolean() }),
  fc.record({ kind: fc.constant('removeCompany' as const), contact: idx, company: idx, successor: idx }),
  fc.record({ kind: fc.constant('removeDeal' as const), contact: idx, deal: idx }),
  fc.record({ kind: fc.constant('unlabel' as const), contact: idx, deal: idx }),
  fc.record({ kind: fc.constant('unprimary' as const), contact: idx, company: idx, successor: idx }),
  fc.record({ kind: fc.constant('archive' as const), which: fc.constantFrom('company' as const, 'deal' as const, 'contact' as const), index: idx }),
  { arbitrary: fc.record({ kind: fc.constant('restore' as const), which: fc.constantFrom('company' as const, 'deal' as const, 'contact' as const), index: idx, back: idx }), weight: 2 },
  fc.record({ kind: fc.constant('merge' as const), which: fc.constantFrom('company' as const, 'deal' as const, 'contact' as const), keep: idx, merge: idx }),
  { arbitrary: fc.record({ kind: fc.constant('undoMerge' as const), which: fc.constantFrom('company' as const, 'deal' as const, 'contact' as const), keep: idx, merge: idx, back: idx }), weight: 2 },
  // issue 13: a merge the other way round ("keep y, merge x" after x took y in), which is x into itself
  fc.record({ kind: fc.constant('mergeBack' as const), which: fc.constantFrom('company' as const, 'deal' as const, 'contact' as const), keep: idx, merge: idx, back: idx }),
);
const plural = { company: 'companies', deal: 'deals', contact: 'contacts' } as const;

describe('the invariant checks themselves', () => {
  const directions = new Map([[9001, { fromType: '0-1', toType: '0-3' }], [9002, { fromType: '0-3', toType: '0-1' }]]);
  const edge = (from_id: number, to_id: number, type_id: number): Edge => ({ from_id, to_id, type_id });

  it('a labeled or primary edge without the unlabeled edge of its pair is a violation; with it, none', () => {
    // contact 1 and deal 2 with a custom label (9001/9002) but no unlabeled 4/3; contact 1 primary (1/2) at company 3 without 279/280
    const bare = [edge(1, 2, 9001), edge(2, 1, 9002), edge(1, 3, 1), edge(3, 1, 2)];
    expect(labelsWithoutAssociation(bare, directions)).toEqual(['1>2#9001 without 1>2#4', '2>1#9002 without 2>1#3', '1>3#1 without 1>3#279', '3>1#2 without 3>1#280']);
    // the unlabeled edge in one direction only does not cover the other
    expect(labelsWithoutAssociation([...bare, edge(1, 2, 4), edge(1, 3, 279), edge(3, 1, 280)], directions)).toEqual(['2>1#9002 without 2>1#3']);
    expect(labelsWithoutAssociation([...bare, edge(1, 2, 4), edge(2, 1, 3), edge(1, 3, 279), edge(3, 1, 280)], directions)).toEqual([]);
    // the unlabeled edge between other records does not count
    expect(labelsWithoutAssociation([edge(1, 2, 9001), edge(1, 5, 4)], directions)).toEqual(['1>2#9001 without 1>2#4']);
  });

  it('an edge of a type it does not know is reported, not skipped', () => {
    expect(labelsWithoutAssociation([edge(1, 2, 777_777)], directions)).toEqual(['1>2#777777: a type without an unlabeled one for its pair']);
  });
});

describe('invariants under random operations', () => {
  it('R2, R4, R8, R15, R20, B1: every step keeps reverse edges, one primary, limits and a replayable history', { timeout: 240_000 }, async () => {
    const tally = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 18 }), async (ops) => {
        const contacts = await seedRecords(t.db.db, t.workspaceId, '0-1', [0, 1, 2, 3].map((i) => ({ email: `c${i}-${Math.random()}@x.com` })));
        const companies = await seedRecords(t.db.db, t.workspaceId, '0-2', [0, 1, 2, 3].map((i) => ({ name: `Co ${i}` })));
        const deals = await seedRecords(t.db.db, t.workspaceId, '0-3', [0, 1, 2, 3].map((i) => ({ dealname: `Deal ${i}` })));
        const pools = { company: companies, deal: deals, contact: contacts };
        // two contacts start at their deal limit, so limits are met (and merged, archived, restored) in most runs
        for (const c of contacts.slice(0, 2)) {
          for (const d of deals.slice(0, LIMIT_CONTACT_DEALS)) expect((await t.call('PUT', `/crm/v4/objects/contacts/${c}/associations/default/deals/${d}`)).status).toBe(200);
        }
        // what was archived and merged in this run and not brought back yet: restore and undo pick
        // from them, or first archive or merge when there is nothing to pick
        const archived: string[] = [];
        const merges: string[] = [];
        const pick = (list: string[], back: number) => list.splice(list.length - 1 - (back % Math.max(list.length, 1)), 1)[0];
        const archive = async (which: 'company' | 'deal' | 'contact', index: number) => {
          const res = await t.call('DELETE', `/crm/v3/objects/${plural[which]}/${pools[which][index]}`);
          if (res.status === 204) archived.push(`${plural[which]}/${pools[which][index]}`);
          return res;
        };
        const mergeIds = async (type: string, keep: string | number, merged: string | number) => {
          const res = await t.app.request(`/crm/v3/objects/${type}/merge`, {
            method: 'POST',
            headers: { authorization: `Bearer ${t.token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ primaryObjectId: String(keep), objectIdToMerge: String(merged) }),
          });
          if (res.ok) merges.push(`${type}/${res.headers.get('x-merge-id')!}`);
          return { status: res.status };
        };
        const merge = (which: 'company' | 'deal' | 'contact', keep: number, merged: number) => mergeIds(plural[which], pools[which][keep]!, pools[which][merged]!);
        for (const o of ops) {
          let r: { status: number };
          switch (o.kind) {
            case 'associate':
              r = await t.call('PUT', `/crm/v4/objects/contacts/${contacts[o.a]}/associations/deals/${deals[o.b]}`, o.labeled ? [{ associationCategory: 'USER_DEFINED', associationTypeId: champion }] : []);
              break;
            case 'company':
              r = o.primary
                ? await t.call('PUT', `/crm/v4/objects/contacts/${contacts[o.contact]}/associations/companies/${companies[o.company]}`, [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 1 }])
                : await t.call('PUT', `/crm/v4/objects/companies/${companies[o.company]}/associations/default/contacts/${contacts[o.contact]}`);
              break;
            case 'removeCompany':
              r = await t.call('DELETE', `/crm/v4/objects/contacts/${contacts[o.contact]}/associations/companies/${companies[o.company]}?newPrimaryCompanyId=${companies[o.successor]}`);
              if (r.status === 400) r = await t.call('DELETE', `/crm/v4/objects/contacts/${contacts[o.contact]}/associations/companies/${companies[o.company]}`);
              break;
            case 'removeDeal':
              r = await t.call('DELETE', `/crm/v4/objects/deals/${deals[o.deal]}/associations/contacts/${contacts[o.contact]}`);
              break;
            case 'unlabel':
              r = await t.call('POST', '/crm/v4/associations/contacts/deals/batch/labels/archive', { inputs: [{ from: { id: contacts[o.contact] }, to: { id: deals[o.deal] }, types: [{ associationCategory: 'USER_DEFINED', associationTypeId: champion }] }] });
              break;
            case 'unprimary':
              r = await t.call('POST', '/crm/v4/associations/contacts/companies/batch/labels/archive', {
                inputs: [{ from: { id: contacts[o.contact] }, to: { id: companies[o.company] }, types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 1 }], newPrimaryCompanyId: companies[o.successor] }],
              });
              break;
            case 'archive':
              r = await archive(o.which, o.index);
              break;
            case 'restore': {
              let record = pick(archived, o.back);
              if (!record && (await archive(o.which, o.index)).status === 204) {
                await checkInvariants();
                record = archived.pop();
              }
              r = record ? await t.call('POST', `/api/objects/${record}/restore`) : { status: 404 };
              break;
            }
            case 'merge':
              r = await merge(o.which, o.keep, o.merge);
              break;
            case 'undoMerge': {
              let mergeId = pick(merges, o.back);
              if (!mergeId && (await merge(o.which, o.keep, o.merge)).status === 200) {
                await checkInvariants();
                mergeId = merges.pop();
              }
              r = mergeId ? await t.call('POST', `/api/merges/${mergeId.split('/')[1]}/undo`) : { status: 409 };
              break;
            }
            case 'mergeBack': {
              // the ids of an earlier merge, or of a new one, the other way round; mergeIds read `<merged>-<survivor>-<at>`
              let last = merges.at(-1 - (o.back % Math.max(merges.length, 1)));
              if (!last && (await merge(o.which, o.keep, o.merge)).status === 200) {
                await checkInvariants();
                last = merges.at(-1);
              }
              if (!last) {
                r = { status: 400 };
                break;
              }
              const [type, id] = last.split('/') as [string, string];
              const [merged, survivor] = id.split('-') as [string, string];
              // the survivor may have been merged on, or the merge undone, since: then this is an
              // ordinary merge; what matters is that nothing is ever lost
              r = await mergeIds(type, merged, survivor);
              break;
            }
          }
          expect(r.status, JSON.stringify(o)).toBeLessThan(500);
          // a batch's 207 refused its one input
          const outcome = `${o.kind}:${r.status < 300 && r.status !== 207 ? 'ok' : 'refused'}`;
          tally.set(outcome, (tally.get(outcome) ?? 0) + 1);
          await checkInvariants();
        }
      }),
      // a fixed seed keeps CI repeatable (the tally checks below need the runs to hit every case);
      // PROPERTY_SEED=random explores new sequences, PROPERTY_SEED=<n> replays one
      { numRuns: Number(process.env.PROPERTY_RUNS ?? 40), endOnFailure: true, ...(process.env.PROPERTY_SEED !== 'random' ? { seed: Number(process.env.PROPERTY_SEED ?? 20261127) } : {}) },
    );
    // the runs must really have exercised every operation, both accepted and (where possible) refused
    for (const kind of ['associate', 'company', 'removeCompany', 'removeDeal', 'unlabel', 'unprimary', 'archive', 'restore', 'merge', 'undoMerge']) {
      expect(tally.get(`${kind}:ok`) ?? 0, `${kind} accepted`).toBeGreaterThan(0);
    }
    expect((tally.get('associate:refused') ?? 0) + (tally.get('unprimary:refused') ?? 0), 'limits and primary rules refused something').toBeGreaterThan(0);
    expect(tally.get('merge:refused') ?? 0, 'merges refused (same record, merged, deleted or over a limit)').toBeGreaterThan(0);
    expect(tally.get('mergeBack:refused') ?? 0, 'merges the other way round, refused as the same record').toBeGreaterThan(0);
  });
});
