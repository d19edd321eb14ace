import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { useTestApp } from './helpers/app.ts';
import { seedRecords } from './helpers/records.ts';

const t = useTestApp();

const iso = z.string().refine((s) => !Number.isNaN(Date.parse(s)) && new Date(s).toISOString() === s, 'an ISO 8601 time');

/** HubSpot's StandardError, exactly: no field more or less, whichever route answers it. */
const standardError = z
  .object({
    status: z.literal('error'),
    category: z.string().min(1),
    subCategory: z.string().min(1),
    message: z.string().min(1),
    context: z.record(z.string(), z.array(z.string())),
    errors: z.array(z.object({ message: z.string() }).passthrough()).min(1),
    links: z.record(z.string(), z.string()),
  })
  .strict();

/** HubSpot's BatchResponse…WithErrors, exactly. */
const partialFailure = z
  .object({
    status: z.literal('COMPLETE'),
    results: z.array(z.unknown()),
    startedAt: iso,
    completedAt: iso,
    numErrors: z.number().int().positive(),
    errors: z.array(standardError).min(1),
  })
  .strict()
  .refine((b) => b.numErrors === b.errors.length, 'numErrors counts the errors');

describe("HubSpot's batch envelope (section 4, X5)", () => {
  it('every batch route answers a partial failure with the same envelope: 207, COMPLETE, results, numErrors, StandardErrors', async () => {
    const [c1, c2] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'env1@acme.com' }, { email: 'env2@acme.com' }]);
    const [d1] = await seedRecords(t.db.db, t.workspaceId, '0-3', [{ dealname: 'Envelope deal' }]);
    await t.call('PUT', `/crm/v4/objects/contacts/${c1}/associations/default/deals/${d1}`);
    const missing = '424242424';
    const pair = (from: string | number) => ({ from: { id: String(from) }, to: { id: String(d1) } });
    const calls: Array<[string, unknown]> = [
      ['/crm/v3/objects/contacts/batch/create', { inputs: [{ properties: { email: 'env3@acme.com' } }, { properties: { email: 'not an email' } }] }],
      ['/crm/v3/objects/contacts/batch/read', { inputs: [{ id: String(c1) }, { id: missing }] }],
      ['/crm/v3/objects/contacts/batch/update', { inputs: [{ id: String(c2), properties: { firstname: 'Two' } }, { id: missing, properties: { firstname: 'None' } }] }],
      ['/crm/v4/associations/contacts/deals/batch/associate/default', { inputs: [pair(c2!), pair(missing)] }],
      ['/crm/v4/associations/contacts/deals/batch/create', { inputs: [{ ...pair(c2!), types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 4 }] }, { ...pair(missing), types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 4 }] }] }],
      ['/crm/v4/associations/contacts/deals/batch/read', { inputs: [{ id: String(c1) }, { id: missing }] }],
      ['/crm/v4/associations/contacts/deals/batch/archive', { inputs: [{ from: { id: missing }, to: [{ id: String(d1) }] }] }],
      ['/crm/v4/associations/contacts/deals/batch/labels/archive', { inputs: [{ ...pair(missing), types: [{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 4 }] }] }],
      ['/crm/v4/associations/definitions/configurations/contacts/deals/batch/create', { inputs: [{ category: 'HUBSPOT_DEFINED', typeId: 4, maxToObjectIds: 50 }, { category: 'HUBSPOT_DEFINED', typeId: 1, maxToObjectIds: 5 }] }],
      ['/crm/v4/associations/definitions/configurations/contacts/deals/batch/update', { inputs: [{ category: 'HUBSPOT_DEFINED', typeId: 4, maxToObjectIds: 60 }, { category: 'HUBSPOT_DEFINED', typeId: 4, maxToObjectIds: 0 }] }],
    ];
    for (const [path, body] of calls) {
      const r = await t.call('POST', path, body);
      expect({ path, status: r.status }).toEqual({ path, status: 207 });
      const parsed = partialFailure.safeParse(r.body);
      expect({ path, issues: parsed.success ? [] : parsed.error.issues }).toEqual({ path, issues: [] });
    }
  });

  it('R4: a refused input keeps the context of its error (the limit and the record) beside the one naming the input', async () => {
    const [c] = await seedRecords(t.db.db, t.workspaceId, '0-1', [{ email: 'limited@acme.com' }]);
    const [d1, d2] = await seedRecords(t.db.db, t.workspaceId, '0-3', [{ dealname: 'First' }, { dealname: 'Second' }]);
    const set = await t.call('POST', '/crm/v4/associations/definitions/configurations/contacts/deals/batch/create', { inputs: [{ category: 'HUBSPOT_DEFINED', typeId: 4, maxToObjectIds: 1 }] });
    expect(set.status).toBe(201);
    try {
      const r = await t.call('POST', '/crm/v4/associations/contacts/deals/batch/associate/default', {
        inputs: [
          { from: { id: String(c) }, to: { id: String(d1) } },
          { from: { id: String(c) }, to: { id: String(d2) } },
        ],
      });
      expect(r.status).toBe(207);
      expect(r.body.errors).toEqual([
        expect.objectContaining({
          subCategory: 'ASSOCIATION_LIMIT_EXCEEDED',
          context: { fromObjectId: [String(c)], toObjectId: [String(d2)], inputIndex: ['1'], limit: ['1'], recordId: [String(c)] },
        }),
      ]);
    } finally {
      await t.call('POST', '/crm/v4/associations/definitions/configurations/contacts/deals/batch/purge', { inputs: [{ category: 'HUBSPOT_DEFINED', typeId: 4 }] });
    }
  });
});
