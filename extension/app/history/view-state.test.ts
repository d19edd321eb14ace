import { describe, expect, it } from 'vitest';
import type { HistoryEntry } from '../../../shared/history.ts';
import { hashOf, routeOf } from '../routes.ts';
import { historyPath, historyRoute, isoOfLocalInput, localInputOf, queryOf, supersededIds, viewStateOf } from './view-state.ts';

const entry = (id: number, action: HistoryEntry['action'], to: string, occurredAt: string, typeId = 1): HistoryEntry => ({
  id: String(id),
  action,
  source: 'USER',
  occurredAt,
  fromObjectType: 'companies',
  fromObjectId: '1',
  toObjectType: 'contacts',
  toObjectId: to,
  toName: null,
  labels: [],
  associationTypeId: typeId,
  link: `/crm/v3/objects/contacts/${to}`,
});

describe('the history view in the address (R20–R22, B3: a filtered view can be shared)', () => {
  it('reads and writes every filter; the route round-trips through the hash', () => {
    const state = viewStateOf(new URLSearchParams('type=activities&source=IMPORT&action=DELETED&from=2026-05-01T12:00:00Z&to=2026-06-01T00:00:00%2B02:00&with=deals/7&at=2026-05-15T08:30:00Z'));
    expect(state).toEqual({
      type: 'activities',
      source: 'IMPORT',
      action: 'DELETED',
      from: '2026-05-01T12:00:00.000Z',
      to: '2026-05-31T22:00:00.000Z',
      with: { objectType: 'deals', id: '7' },
      at: '2026-05-15T08:30:00.000Z',
    });
    const route = historyRoute('companies', 12, state);
    const back = routeOf(hashOf(route));
    expect(back.page === 'history' && viewStateOf(back.query)).toEqual(state);
    expect(viewStateOf(queryOf({}))).toEqual({});
  });

  it('drops what is no such value, never guesses', () => {
    expect(viewStateOf(new URLSearchParams('type=a b&source=ROBOT&action=created&from=yesterday&to=2026-13-45T99:99&with=deals/0&at=x'))).toEqual({});
    expect(viewStateOf(new URLSearchParams('with=deals/7/8'))).toEqual({});
  });

  it('asks the API for one page with the filters, or for one association', () => {
    const record = { objectType: 'companies', id: '12' };
    expect(historyPath(record, { type: 'deals', source: 'USER', from: '2026-05-01T12:00:00.000Z' })).toBe(
      '/api/objects/companies/12/association-history?toObjectType=deals&source=USER&from=2026-05-01T12%3A00%3A00.000Z&limit=50',
    );
    expect(historyPath(record, { with: { objectType: 'contacts', id: '3' }, source: 'USER' }, '99')).toBe('/api/objects/companies/12/association-history/contacts/3?limit=50&after=99');
  });

  it('a datetime-local value is local time, and back', () => {
    const iso = isoOfLocalInput('2026-05-01T12:34');
    expect(iso).toBe(new Date(2026, 4, 1, 12, 34).toISOString());
    expect(localInputOf(iso)).toBe('2026-05-01T12:34');
    expect(localInputOf(isoOfLocalInput('2026-05-01T12:34:56'))).toBe('2026-05-01T12:34:56');
    expect(isoOfLocalInput('')).toBeUndefined();
    expect(isoOfLocalInput('2026-05-01')).toBeUndefined();
  });

  it('B1: an entry changed again later offers no Undo; entries of one change do not hide each other', () => {
    const t1 = '2026-05-01T10:00:00.000Z';
    const t2 = '2026-05-01T11:00:00.000Z';
    const t3 = '2026-05-01T12:00:00.000Z';
    const list = [
      entry(6, 'LABEL_ADDED', '5', t3, 8), // latest on contact 5
      entry(5, 'PRIMARY_SET', '4', t2, 2), // same change as 4
      entry(4, 'CREATED', '4', t2, 1),
      entry(3, 'CREATED', '5', t1, 1), // superseded by the label added later
      entry(2, 'LABEL_ADDED', '6', t2, 8),
      entry(1, 'LABEL_REMOVED', '6', t1, 9), // another type: still undoable
    ];
    expect([...supersededIds(list)]).toEqual(['3']);
  });
});
