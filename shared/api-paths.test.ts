import { describe, expect, it } from 'vitest';
import { apiPaths } from './api-paths.ts';

describe('API paths the companion calls', () => {
  it('every parameter is encoded as one path segment or query value', () => {
    const odd = { objectType: 'p_a/b c', id: '1?x=2' };
    expect(apiPaths.associateDefault(odd, { objectType: 'deals', id: 7 })).toBe('/crm/v4/objects/p_a%2Fb%20c/1%3Fx%3D2/associations/default/deals/7');
    expect(apiPaths.searchRecords('a#b')).toBe('/crm/v3/objects/a%23b/search');
    expect(apiPaths.changes({ after: '12.3&limit=1', limit: 500 })).toBe('/api/changes?after=12.3%26limit%3D1&limit=500');
  });

  it('a query parameter that is not given is left out, and so is the query', () => {
    const contact = { objectType: 'contacts', id: '1' };
    const company = { objectType: 'companies', id: '2' };
    expect(apiPaths.association(contact, company)).toBe('/crm/v4/objects/contacts/1/associations/companies/2');
    expect(apiPaths.association(contact, company, { newPrimaryCompanyId: '3' })).toBe('/crm/v4/objects/contacts/1/associations/companies/2?newPrimaryCompanyId=3');
    expect(apiPaths.changes({})).toBe('/api/changes');
    expect(apiPaths.changesStream({ after: '5' })).toBe('/api/changes/stream?after=5');
  });
});
