import { describe, expect, it } from 'vitest';
import { fakeBrowser } from 'wxt/testing/fake-browser';
import { columnChoices, defaultColumns, filterOf, loadColumns, nextSort, queryOf, saveColumns, stateOf } from './state.ts';

describe('index page state (R19)', () => {
  it('the address holds filters, sort and cursor; what the API would refuse is left out', () => {
    const query = new URLSearchParams();
    query.append('filter', 'associations.company.primary.domain:eq:acme.com');
    query.append('filter', 'associations.deals:not_has');
    query.append('filter', 'no operator here');
    query.set('sort', '-lastname');
    query.set('after', 'abc');
    const state = stateOf(query);
    expect(state).toEqual({ filters: ['associations.company.primary.domain:eq:acme.com', 'associations.deals:not_has'], sort: '-lastname', after: 'abc', before: null });
    expect(stateOf(queryOf(state))).toEqual(state);
    expect(stateOf(new URLSearchParams('sort=1;drop'))).toEqual({ filters: [], sort: null, after: null, before: null });
  });

  it('R19: "Previous page" is `before` in the address; association columns sort by their key; one cursor at a time', () => {
    const state = stateOf(new URLSearchParams('sort=-primary:company&before=xyz'));
    expect(state).toEqual({ filters: [], sort: '-primary:company', after: null, before: 'xyz' });
    expect(queryOf(state).toString()).toBe('sort=-primary%3Acompany&before=xyz');
    expect(stateOf(queryOf(state))).toEqual(state);
    expect(stateOf(new URLSearchParams('sort=assoc:deals&after=a&before=b'))).toEqual({ filters: [], sort: 'assoc:deals', after: 'a', before: null });
    expect(stateOf(new URLSearchParams('sort=primary:deal')).sort).toBeNull();
    expect(nextSort('assoc:deals', 'assoc:deals')).toBe('-assoc:deals');
  });

  it('a column heading sorts ascending, then descending', () => {
    expect(nextSort(null, 'lastname')).toBe('lastname');
    expect(nextSort('lastname', 'lastname')).toBe('-lastname');
    expect(nextSort('-lastname', 'lastname')).toBe('lastname');
    expect(nextSort('-email', 'lastname')).toBe('lastname');
  });

  it('R9, R19: association columns for the other types, the primary company only where there is one', () => {
    expect(columnChoices('contacts')).toEqual(expect.arrayContaining(['assoc:companies', 'assoc:deals', 'assoc:tickets', 'primary:company']));
    expect(columnChoices('companies')).not.toContain('primary:company');
    expect(columnChoices('companies')).not.toContain('assoc:companies');
    expect(defaultColumns('contacts').filter((c) => c.includes(':'))).toHaveLength(4);
  });

  it('filters in the API syntax: "primary company domain is …", "has no deal"', () => {
    expect(filterOf({ kind: 'primary', property: 'domain' }, 'eq', ' acme.com ')).toBe('associations.company.primary.domain:eq:acme.com');
    expect(filterOf({ kind: 'associations', objectType: 'deals' }, 'not_has', '')).toBe('associations.deals:not_has');
    expect(filterOf({ kind: 'property', property: 'email' }, 'has', 'ignored')).toBe('email:has');
    expect(filterOf({ kind: 'property', property: 'lastname' }, 'eq', 'a:b')).toBe('lastname:eq:a:b');
  });

  it('the chosen columns are kept per object type; nonsense in storage falls back to the defaults', async () => {
    fakeBrowser.reset();
    const store = fakeBrowser.storage.local;
    expect(await loadColumns(store, 'deals')).toEqual(defaultColumns('deals'));
    await saveColumns(store, 'deals', ['dealname', 'assoc:companies']);
    expect(await loadColumns(store, 'deals')).toEqual(['dealname', 'assoc:companies']);
    expect(await loadColumns(store, 'contacts')).toEqual(defaultColumns('contacts'));
    await store.set({ 'indexColumns:tickets': ['assoc:', 42, 'subject'] });
    expect(await loadColumns(store, 'tickets')).toEqual(['subject']);
    await store.set({ 'indexColumns:tickets': 'subject' });
    expect(await loadColumns(store, 'tickets')).toEqual(defaultColumns('tickets'));
  });
});
