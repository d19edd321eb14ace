import { describe, expect, it } from 'vitest';
import type { AssociationsView } from '../../../shared/history.ts';
import { canAssociateFrom, cardsOf, customCreateFields, defaultTypeOf, labelsNeed, pairLimit, primaryOf, primaryTypeOf, unlabeledType } from './model.ts';

const row = (id: string, name: string, types: Array<[number, string | null]>) => ({
  toObjectId: id,
  toName: name,
  link: `/crm/v3/objects/x/${id}`,
  labels: types.flatMap(([, l]) => (l ? [l] : [])),
  associationTypes: types.map(([typeId, label]) => ({ category: label ? 'USER_DEFINED' : 'HUBSPOT_DEFINED', typeId, label })),
});

const view: AssociationsView = {
  objectType: 'contacts',
  objectId: '1',
  at: null,
  associations: {
    companies: { results: [row('10', 'Acme', [[279, null], [9, 'Decision maker']]), row('11', 'Globex', [[279, null], [1, 'Primary']])] },
    emails: { results: [row('20', 'Renewal', [[198, null]])] },
  },
};

describe('the record page model', () => {
  it('R6, R8: the primary company is marked and comes first; its label is the badge, not a label', () => {
    const cards = cardsOf('contacts', view);
    const companies = cards.find((c) => c.objectType === 'companies')!;
    expect(companies.rows.map((r) => [r.name, r.primary, r.labels])).toEqual([
      ['Globex', true, []],
      ['Acme', false, ['Decision maker']],
    ]);
    expect(primaryOf(companies)?.name).toBe('Globex');
  });

  it('cards: the standard types but the record\'s own, always; other types (activities, custom objects) where present', () => {
    expect(cardsOf('contacts', view).map((c) => [c.objectType, c.rows.length])).toEqual([
      ['companies', 2],
      ['deals', 0],
      ['tickets', 0],
      ['emails', 1],
    ]);
  });

  it('R13: only contacts, deals and tickets have a primary company; a company has none', () => {
    expect([primaryTypeOf('contacts'), primaryTypeOf('deals'), primaryTypeOf('tickets'), primaryTypeOf('companies')]).toEqual([1, 5, 26, null]);
    // a company's primary flag is never read from a companies card of a company
    expect(cardsOf('companies', { ...view, objectType: 'companies' }).find((c) => c.objectType === 'companies')!.rows.every((r) => !r.primary)).toBe(true);
    expect(defaultTypeOf('deals', 'contacts')).toBe(3);
  });

  it('R4: the admin\'s limit of the unlabeled type counts, else the plan\'s default', () => {
    expect(pairLimit('professional', [{ typeId: 4, userEnforcedMaxToObjectIds: 2 }], 4, false)).toBe(2);
    expect(pairLimit('professional', [{ typeId: 9, userEnforcedMaxToObjectIds: 2 }], 4, false)).toBe(10_000);
    expect(pairLimit('starter', [], 4, false)).toBe(1000);
  });

  it('R14: labels need Professional', () => {
    expect(labelsNeed('starter')).toBe('professional');
    expect(labelsNeed('professional')).toBeNull();
    expect(labelsNeed('enterprise')).toBeNull();
  });

  it('R1: custom objects\' cards take changes like the standard ones; activity cards stay read only', () => {
    expect(canAssociateFrom('contacts', 'cars')).toBe(true);
    expect(canAssociateFrom('2-17', 'deals')).toBe(true);
    expect(canAssociateFrom('contacts', 'companies')).toBe(true);
    expect(canAssociateFrom('contacts', 'emails')).toBe(false);
    expect(canAssociateFrom('notes', 'contacts')).toBe(false);
  });

  it('R1: a custom object\'s create form asks for its display property, then its other required ones', () => {
    const fields = customCreateFields({
      primaryDisplayProperty: 'model',
      requiredProperties: ['plate', 'model', 'seats'],
      properties: [
        { name: 'model', label: 'Model', type: 'string' },
        { name: 'plate', label: 'Plate', type: 'string' },
        { name: 'seats', label: 'Seats', type: 'number' },
      ],
    });
    expect(fields).toEqual([
      { name: 'model', label: 'Model', kind: 'text', required: true },
      { name: 'plate', label: 'Plate', kind: 'text', required: true },
      { name: 'seats', label: 'Seats', kind: 'number', required: true },
    ]);
    expect(customCreateFields({ primaryDisplayProperty: 'model', requiredProperties: [], properties: [] })).toEqual([{ name: 'model', label: 'model', kind: 'text', required: false }]);
  });

  it('R14: the unlabeled type of a pair from the labels read; none when the pair is not defined or only an integrator\'s', () => {
    expect(unlabeledType([{ typeId: 9, label: 'Driver', category: 'USER_DEFINED' }, { typeId: 8, label: null, category: 'USER_DEFINED' }])).toEqual({ associationCategory: 'USER_DEFINED', associationTypeId: 8 });
    expect(unlabeledType([{ typeId: 9, label: 'Driver', category: 'USER_DEFINED' }])).toBeNull();
    expect(unlabeledType([{ typeId: 7, label: null, category: 'INTEGRATOR_DEFINED' }])).toBeNull();
  });
});
