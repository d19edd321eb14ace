import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from './helpers/app.ts';
import { moment } from './helpers/clock.ts';
import { seedRecords } from './helpers/records.ts';

/**
 * B3, R20: for random sequences of association changes through the API (associate, labels,
 * primary, removals, archiving, reverts), the associations rebuilt from history at a moment T
 * (`?at=T`) are exactly the ones that were live at T, for every record, at every moment captured.
 */
const t = useTestApp({ plan: 'professional' });
let champion = 0;

beforeAll(async () => {
  const label = await t.call('POST', '/crm/v4/associations/contacts/deals/labels', { label: 'Champion', name: 'champion' });
  champion = label.body.results[0].typeId;
});

type Op =
  | { kind: 'deal'; contact: number; deal: number; labeled: boolean }
  | { kind: 'company'; contact: number; company: number; primary: boolean }
  | { kind: 'removeCompany'; contact: number; company: number; successor: number }
  | { kind: 'removeDeal'; contact: number; deal: number }
  | { kind: 'unlabel'; contact: number; deal: number }
  | { kind: 'archive'; which: 'companies' | 'deals'; index: number }
  | { kind: 'revert'; record: number; nth: number };

const idx = fc.integer({ min: 0, max: 2 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('deal' as const), contact: idx, deal: idx, labeled: fc.boolean() }),
  fc.record({ kind: fc.constant('company' as const), contact: idx, company: idx, primary: fc.boolean() }),
  fc.record({ kind: fc.constant('removeCompany' as const), contact: idx, company: idx, successor: idx }),
  fc.record({ kind: fc.constant('removeDeal' as const), contact: idx, deal: idx }),
  fc.record({ kind: fc.constant('unlabel' as const), contact: idx, deal: idx }),
  fc.record({ kind: fc.constant('archive' as const), which: fc.constantFrom('companies' as const, 'deals' as const), index: idx }),
  fc.record({ kind: fc.constant('revert' as const), record: fc.integer({ min: 0, max: 8 }), nth: fc.integer({ min: 0, max: 5 }) }),
);

describe('history replays to the live state at any moment (B3)', () => {
  it('B3, R20, B1: the associations rebuilt at T equal the associations that were live at T', { timeout: 300_000 }, async () => {
    const tally = new Map<string, number>();
    let moments = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 12 }), async (ops) => {
        const contacts = await seedRecords(t.db.db, t.workspaceId, '0-1', [0, 1, 2].map((i) => ({ email: `r${i}-${Math.random()}@x.com`, firstname: `C${i}` })));
        const companies = await seedRecords(t.db.db, t.workspaceId, '0-2', [0, 1, 2].map((i) => ({ name: `Co ${i}` })));
        const deals = await seedRecords(t.db.db, t.workspaceId, '0-3', [0, 1, 2].map((i) => ({ dealname: `Deal ${i}` })));
        const all = [...contacts.map((id) => ['contacts', id] as const), ...companies.map((id) => ['companies', id] as const), ...deals.map((id) => ['deals', id] as const)];
        const live = async () => Promise.all(all.map(async ([type, id]) => (await t.call('GET', `/api/objects/${type}/${id}/associations`)).body));
        const captured: Array<{ at: string; views: unknown[] }> = [];
        const capture = async () => {
          const at = await moment();
          captured.push({ at, views: (await live()).map((v) => ({ ...v, at })) });
        };
        await capture();
        for (const o of ops) {
          let r: { status: number };
          switch (o.kind) {
            case 'deal':
              r = await t.call('PUT', `/crm/v4/objects/contacts/${contacts[o.contact]}/associations/deals/${deals[o.deal]}`, o.labeled ? [{ associationCategory: 'USER_DEFINED', associationTypeId: champion }] : []);
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
            case 'archive':
              r = await t.call('DELETE', `/crm/v3/objects/${o.which}/${(o.which === 'companies' ? companies : deals)[o.index]}`);
              break;
            case 'revert': {
              // one of the newest entries of the first record, from o.record on, that has any
              let entry: { id: string } | undefined;
              for (let k = 0; k < all.length && !entry; k++) {
                const [type, id] = all[(o.record + k) % all.length]!;
                const entries = (await t.call('GET', `/api/objects/${type}/${id}/association-history?limit=3`)).body.results as Array<{ id: string }>;
                entry = entries[o.nth % Math.max(1, entries.length)];
              }
              r = entry ? await t.call('POST', `/api/history/${entry.id}/revert`) : { status: 404 };
              break;
            }
          }
          expect(r.status, JSON.stringify(o)).toBeLessThan(500);
          const outcome = `${o.kind}:${r.status < 300 ? 'ok' : 'refused'}`;
          tally.set(outcome, (tally.get(outcome) ?? 0) + 1);
          await capture();
        }
        for (const moment of captured) {
          const rebuilt = await Promise.all(all.map(async ([type, id]) => (await t.call('GET', `/api/objects/${type}/${id}/associations?at=${encodeURIComponent(moment.at)}`)).body));
          expect(rebuilt).toEqual(moment.views);
          moments++;
        }
      }),
      {
        numRuns: Number(process.env.PROPERTY_RUNS ?? 20),
        endOnFailure: true,
        // besides the random runs, one that surely reverts something (the label just added)
        examples: [[[{ kind: 'deal', contact: 0, deal: 0, labeled: true }, { kind: 'revert', record: 0, nth: 0 }, { kind: 'revert', record: 0, nth: 0 }]]],
      },
    );
    expect(moments).toBeGreaterThan(40);
    for (const kind of ['deal', 'company', 'removeCompany', 'removeDeal', 'unlabel', 'archive', 'revert']) {
      expect(tally.get(`${kind}:ok`) ?? 0, `${kind} accepted`).toBeGreaterThan(0);
    }
  });
});
