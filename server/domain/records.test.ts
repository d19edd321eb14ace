import { and, eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { normalizeDomain, normalizeEmail } from '../../shared/records.ts';
import { useTestApp } from '../../test/helpers/app.ts';
import { records } from '../db/schema/index.ts';
import { ApiError } from '../errors.ts';
import type { WriteContext } from './associations/write.ts';
import { resolveObjectType } from './object-types.ts';
import { batchCreate, batchUpdate } from './record-batch.ts';
import { createRecord } from './record-writes.ts';
import { findRecords, getRecord, type RecordInput } from './records.ts';

describe('records domain', () => {
  const t = useTestApp();
  const ctx = (): WriteContext => ({ workspaceId: t.workspaceId, plan: 'enterprise', actor: { source: 'API' } });
  const contactsWith = async (email: string) =>
    (await t.db.db.select().from(records).where(and(eq(records.workspaceId, t.workspaceId), sql`lower(${records.properties}->>'email') = ${email}`))).length;

  it('R17: domains are normalised (scheme, www., port, path, case) and non-domains refused', () => {
    expect(normalizeDomain('https://www.Example.COM:8080/a/b?c#d')).toBe('example.com');
    expect(normalizeDomain('sub.example.co.uk.')).toBe('sub.example.co.uk');
    expect(normalizeDomain('xn--80ak6aa92e.xn--p1ai')).toBe('xn--80ak6aa92e.xn--p1ai');
    expect(normalizeDomain('https://www.Bücher.de/shop')).toBe('xn--bcher-kva.de');
    expect(normalizeDomain('пример.рф')).toBe('xn--e1afmkfd.xn--p1ai');
    for (const bad of ['localhost', 'not a domain', 'exa_mple.com', '-a.com', '', 'http://']) expect(normalizeDomain(bad), bad).toBeNull();
    expect(normalizeEmail(' Ada@Example.COM ')).toBe('ada@example.com');
    expect(normalizeEmail('ada@')).toBeNull();
    // an internationalized domain in its ASCII form, as companies store it; the rest as before
    expect(normalizeEmail('Jan@Bücher.DE')).toBe('jan@xn--bcher-kva.de');
    expect(normalizeEmail('x@пример.рф')).toBe('x@xn--e1afmkfd.xn--p1ai');
    for (const bad of ['a@b', 'a..b@acme.com', 'a@1.2.3.4', 'a@b@c.com', 'jan@bü cher.de']) expect(normalizeEmail(bad), bad).toBeNull();
  });

  it('createRecord writes inside the caller transaction: a later failure there rolls the record back', async () => {
    const type = await resolveObjectType(t.db.db, t.workspaceId, 'contacts');
    await expect(
      t.db.db.transaction(async (tx) => {
        await createRecord(tx, ctx(), type, { properties: { email: 'rolled-back@example.com' } });
        throw new ApiError('VALIDATION_ERROR', 'later step failed');
      }),
    ).rejects.toThrow('later step failed');
    expect(await contactsWith('rolled-back@example.com')).toBe(0);
    const row = await t.db.db.transaction((tx) => createRecord(tx, ctx(), type, { properties: { email: 'kept@example.com' } }));
    expect((await getRecord(t.db.db, t.workspaceId, type, row.id)).properties.email).toBe('kept@example.com');
  });

  it('concurrent batch creates with the same emails: each email lands once, the other input gets a 409', async () => {
    const type = await resolveObjectType(t.db.db, t.workspaceId, 'contacts');
    const inputs = (tag: string): RecordInput[] => [
      { properties: { email: 'race1@example.com', firstname: tag } },
      { properties: { email: `only-${tag}@example.com` } },
      { properties: { email: 'race2@example.com', firstname: tag } },
    ];
    const [a, b] = await Promise.all([batchCreate(t.db.db, ctx(), type, inputs('a')), batchCreate(t.db.db, ctx(), type, inputs('b'))]);
    expect(await contactsWith('race1@example.com')).toBe(1);
    expect(await contactsWith('race2@example.com')).toBe(1);
    expect(await contactsWith('only-a@example.com')).toBe(1);
    expect(await contactsWith('only-b@example.com')).toBe(1);
    expect(a.rows.length + b.rows.length).toBe(4);
    for (const e of [...a.errors, ...b.errors]) expect(e).toMatchObject({ category: 'CONFLICT', message: expect.stringContaining('Contact already exists') });
  });

  it('findRecords answers a merged record by its survivor', async () => {
    const type = await resolveObjectType(t.db.db, t.workspaceId, 'companies');
    const created = await batchCreate(t.db.db, ctx(), type, [{ properties: { name: 'Survivor' } }, { properties: { name: 'Merged away' } }]);
    const [survivor, merged] = created.rows;
    await t.db.db.update(records).set({ mergedInto: survivor!.id }).where(and(eq(records.workspaceId, t.workspaceId), eq(records.id, merged!.id)));
    const found = await findRecords(t.db.db, t.workspaceId, type, [merged!.id]);
    expect(found.get(String(merged!.id))?.id).toBe(survivor!.id);
  });

  it('batchUpdate writes every good input in one statement and keeps input order', async () => {
    const type = await resolveObjectType(t.db.db, t.workspaceId, 'deals');
    const created = await batchCreate(t.db.db, ctx(), type, Array.from({ length: 50 }, (_, i) => ({ properties: { dealname: `d${i}` } })));
    const ids = created.rows.map((r) => r.id).reverse();
    const r = await batchUpdate(t.db.db, ctx(), type, ids.map((id, i) => ({ id: String(id), properties: { amount: String(i) } })));
    expect(r.errors).toEqual([]);
    expect(r.rows.map((row) => row.id)).toEqual(ids);
    expect(r.rows.map((row) => row.properties.amount)).toEqual(ids.map((_, i) => String(i)));
  });
});
