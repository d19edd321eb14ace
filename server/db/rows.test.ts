import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { col, parseRow, parseRows, RowShapeError } from './rows.ts';

describe('parseRows', () => {
  const row = z.object({ id: col.id, at: col.timestamp, tags: col.list(col.text) });

  it('turns both drivers’ shapes into one: ids as numbers, timestamps as Dates, null aggregates as []', () => {
    const rows = parseRows('test: two rows', row, {
      rows: [
        { id: '42', at: '2026-01-02T03:04:05.000Z', tags: null },
        { id: 7, at: new Date('2026-01-01T00:00:00Z'), tags: ['a'] },
      ],
    });
    expect(rows).toEqual([
      { id: 42, at: new Date('2026-01-02T03:04:05.000Z'), tags: [] },
      { id: 7, at: new Date('2026-01-01T00:00:00Z'), tags: ['a'] },
    ]);
  });

  it('names the query, the row and the column of a row that does not fit', () => {
    const bad = () => parseRows('labels: pairs', row, { rows: [{ id: 1, at: new Date(), tags: [] }, { id: 'x', at: new Date(), tags: [] }] });
    expect(bad).toThrow(RowShapeError);
    expect(bad).toThrow(/^labels: pairs: a row does not have the expected shape at 1\.id/);
  });

  it('refuses ids past 2^53 instead of rounding them', () => {
    expect(() => parseRows('q', z.object({ id: col.id }), { rows: [{ id: '9007199254740993' }] })).toThrow(RowShapeError);
  });

  it('the JSON shapes take what JSON holds (numbers, ISO strings) and refuse the rest', () => {
    const inJson = z.object({ id: col.jsonId, at: col.jsonTimestamp });
    expect(parseRows('q', inJson, { rows: [{ id: 5, at: '2026-01-02T03:04:05.123456+00:00' }] })).toEqual([{ id: 5, at: new Date('2026-01-02T03:04:05.123Z') }]);
    expect(() => parseRows('q', inJson, { rows: [{ id: '5', at: '2026-01-02T03:04:05Z' }] })).toThrow(/at 0\.id/);
    expect(() => parseRows('q', inJson, { rows: [{ id: 5, at: 'yesterday' }] })).toThrow(/at 0\.at: not a timestamp/);
  });

  it('parseRow insists on exactly one row', () => {
    expect(parseRow('q', z.object({ n: col.id }), { rows: [{ n: 3 }] })).toEqual({ n: 3 });
    expect(() => parseRow('q', z.object({ n: col.id }), { rows: [] })).toThrow(/expected one row, got 0/);
  });
});
