import { describe, expect, it } from 'vitest';
import { type AppRoute, appUrl, hashOf, routeOf } from './routes.ts';

const q = (text = '') => new URLSearchParams(text);

describe("the app page's addresses (R22: a copied link opens the same view)", () => {
  it('reads every route form of the contract', () => {
    expect(routeOf('')).toEqual({ page: 'home' });
    expect(routeOf('#/')).toEqual({ page: 'home' });
    expect(routeOf('#/contacts')).toEqual({ page: 'index', objectType: 'contacts', query: q() });
    expect(routeOf('#/contacts/42')).toEqual({ page: 'record', objectType: 'contacts', id: '42' });
    expect(routeOf('#/2-123/7/history?source=IMPORT&type=deals')).toEqual({ page: 'history', objectType: '2-123', id: '7', query: q('source=IMPORT&type=deals') });
    expect(routeOf('#/settings/domains')).toEqual({ page: 'settings', section: 'domains' });
    expect(routeOf('#/settings')).toEqual({ page: 'settings', section: 'associations' });
    expect(routeOf('#/settings/associations?from=deals&to=companies')).toEqual({ page: 'settings', section: 'associations', query: new URLSearchParams('from=deals&to=companies') });
    expect(routeOf('#/imports')).toEqual({ page: 'imports' });
    expect(routeOf('#/imports/5f0c2b1e-9d7a-4c52-8f0e-2b1d9c7a4e10')).toEqual({ page: 'import', id: '5f0c2b1e-9d7a-4c52-8f0e-2b1d9c7a4e10' });
  });

  it('anything else is not found, never a guess', () => {
    for (const hash of ['#/contacts/abc', '#/contacts/0', '#/contacts/42/notes', '#/contacts/42/history/x', '#/settings/billing', '#/imports/1/2', '#/%E0%A4%A', '#/con tacts', '#/contacts/99999999999999999999']) {
      expect(routeOf(hash), hash).toEqual({ page: 'notFound', hash });
    }
  });

  it('writes each route back to the same address', () => {
    const routes: AppRoute[] = [
      { page: 'home' },
      { page: 'index', objectType: 'deals', query: q('sort=-amount&f=dealstage:closedwon') },
      { page: 'record', objectType: 'companies', id: '9' },
      { page: 'history', objectType: 'contacts', id: '42', query: q('at=2026-11-30T12:00:00.000Z') },
      { page: 'settings', section: 'users' },
      { page: 'settings', section: 'associations', query: new URLSearchParams('from=tickets&to=deals') },
      { page: 'imports' },
      { page: 'import', id: 'abc-1' },
    ];
    for (const route of routes) expect(routeOf(hashOf(route))).toEqual(route);
    expect(appUrl('chrome-extension://x/app.html', { page: 'record', objectType: 'contacts', id: '42' })).toBe('chrome-extension://x/app.html#/contacts/42');
  });
});
