// @vitest-environment node
// (a happy-dom window from test/helpers/dom-in-node.ts, as the other component tests in Node)
import '../../test/helpers/dom-in-node.ts';
import { cleanup, render } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import type { Reason, Recommendation } from '../../shared/recommendations.ts';
import { installI18n, localeMessages } from '../../test/helpers/i18n.ts';
import type { MessageKey } from '../i18n.ts';

// the list's own texts in Dutch, from the real messages file; the sentences in both languages
installI18n('nl');
const { reasonText, reasonTexts } = await import('./reasons.ts');
const { RecommendationList } = await import('./RecommendationList.tsx');

/** The browser's i18n over the real messages of one language, as `t` answers. */
const inLanguage = (language: string) => {
  const messages = localeMessages(language);
  return (key: MessageKey, ...substitutions: string[]) => messages(key, substitutions) || key;
};
const en = inLanguage('en');
const nl = inLanguage('nl');

const REASONS: Array<[Reason, string, string]> = [
  [{ kind: 'participants', weight: 1.5, values: { emails: ['ann@acme.example'], primaryOf: [] } }, 'linked to 1 participant: ann@acme.example', 'gekoppeld aan 1 deelnemer: ann@acme.example'],
  [
    { kind: 'participants', weight: 4, values: { emails: ['ann@acme.example', 'ben@acme.example'], primaryOf: ['ann@acme.example'] } },
    'linked to 2 participants: ann@acme.example and ben@acme.example; primary company of ann@acme.example',
    'gekoppeld aan 2 deelnemers: ann@acme.example en ben@acme.example; primair bedrijf van ann@acme.example',
  ],
  [
    { kind: 'shared_associations', weight: 1, values: { shared: [{ objectType: 'tickets', count: 2, names: ['Login broken', 'Printer jam'] }, { objectType: 'companies', count: 1, names: ['Hubco'] }] } },
    'shares 2 tickets: Login broken and Printer jam · shares 1 company: Hubco',
    'deelt 2 tickets: Login broken en Printer jam · deelt 1 bedrijf: Hubco',
  ],
  [{ kind: 'shared_associations', weight: 1, values: { shared: [{ objectType: 'contacts', count: 5, names: ['Ann', 'Ben'] }] } }, 'shares 5 contacts: Ann, Ben and 3 more', 'deelt 5 contacten: Ann, Ben en nog 3'],
  [{ kind: 'domain', weight: 1.5, values: { domain: 'acme.example', via: 'same_domain', registrable: false, company: null } }, 'same domain acme.example', 'zelfde domein acme.example'],
  [{ kind: 'domain', weight: 1.2, values: { domain: 'acme.example', via: 'same_domain', registrable: true, company: null } }, 'same domain acme.example (registrable domain)', 'zelfde domein acme.example (registreerbaar domein)'],
  [{ kind: 'domain', weight: 0.6, values: { domain: 'acme.example', via: 'email_domain', registrable: false, company: null } }, 'same email domain acme.example', 'zelfde e-maildomein acme.example'],
  [{ kind: 'domain', weight: 1.2, values: { domain: 'acme.example', via: 'company_domain', registrable: false, company: null } }, 'email on the company domain acme.example', 'e-mailadres op het bedrijfsdomein acme.example'],
  [{ kind: 'domain', weight: 0.6, values: { domain: 'acme.example', via: 'company', registrable: false, company: 'Acme' } }, 'of Acme, which has the domain acme.example', 'van Acme, met het domein acme.example'],
  [{ kind: 'name', weight: 0.8, values: { tokens: ['vries'] } }, 'name shares “vries”', 'naam deelt ‘vries’'],
  [{ kind: 'company_in_name', weight: 1, values: { company: 'Gamma Tools BV', matched: 'Gamma Tools BV' } }, 'name contains Gamma Tools BV', 'naam bevat Gamma Tools BV'],
  [{ kind: 'company_in_name', weight: 1, values: { company: 'Gamma Tools BV', matched: 'gammatools.io' } }, 'name contains gammatools.io, the domain of Gamma Tools BV', 'naam bevat gammatools.io, het domein van Gamma Tools BV'],
  [{ kind: 'colleagues', weight: 0.6, values: { company: 'Deltaworks', count: 1, names: ['Rob'] } }, 'a colleague at Deltaworks is on it: Rob', 'een collega bij Deltaworks is erbij betrokken: Rob'],
  [{ kind: 'colleagues', weight: 0.6, values: { company: 'Deltaworks', count: 4, names: ['Rob', 'Sue'] } }, '4 colleagues at Deltaworks are on it: Rob, Sue and 2 more', "4 collega's bij Deltaworks zijn erbij betrokken: Rob, Sue en nog 2"],
  [{ kind: 'subject', weight: 1, values: { tokens: ['roof', 'tiles'] } }, 'subject mentions “roof” and “tiles”', 'onderwerp noemt ‘roof’ en ‘tiles’'],
  [{ kind: 'query', weight: 0.5, values: { query: 'zul' } }, 'matches “zul”', 'past bij “zul”'],
  [{ kind: 'status', weight: 0.2, values: { open: true } }, 'open', 'open'],
  [{ kind: 'recency', weight: 0.2, values: { days: 0 } }, 'updated today', 'bijgewerkt vandaag'],
  [{ kind: 'recency', weight: 0.2, values: { days: 3 } }, 'updated 3 days ago', 'bijgewerkt 3 dagen geleden'],
  [{ kind: 'recency', weight: 0.1, values: { days: 200 } }, 'updated 6 months ago', 'bijgewerkt 6 maanden geleden'],
  [{ kind: 'recency', weight: 0.1, values: { days: 800 } }, 'updated 2 years ago', 'bijgewerkt 2 jaar geleden'],
  [{ kind: 'engagement', weight: 0.5, values: { count: 2, atLeast: false, objectType: 'deals' } }, 'on 2 other deals', 'op 2 andere deals'],
  [{ kind: 'engagement', weight: 0.9, values: { count: 8, atLeast: true, objectType: 'tickets' } }, 'on 8 or more other tickets', 'op 8 of meer andere tickets'],
];

afterEach(cleanup);

describe('reasons as sentences (B7)', () => {
  it('B7: every kind of reason is a sentence in English and in Dutch, from its values', () => {
    for (const [reason, english, dutch] of REASONS) {
      expect(reasonText(reason, en), reason.kind).toBe(english);
      expect(reasonText(reason, nl), reason.kind).toBe(dutch);
    }
    // every kind is covered
    expect(new Set(REASONS.map(([r]) => r.kind)).size).toBe(11);
  });

  it('B7: a recommendation without evidence says so first, in both languages', () => {
    const rec = { evidence: false, reasons: [REASONS.find(([r]) => r.kind === 'status')![0]] };
    expect(reasonTexts(rec, en)).toEqual(['nothing links it here: only open or recently updated', 'open']);
    expect(reasonTexts(rec, nl)).toEqual(['niets verbindt het hiermee: alleen open of onlangs bijgewerkt', 'open']);
    expect(reasonTexts({ ...rec, evidence: true }, en)).toEqual(['open']);
  });

  it('B7, X2: the sidebar lists recommendations without evidence apart, under a heading that says so (Dutch)', () => {
    const rec = (id: string, evidence: boolean, reasons: Reason[]): Recommendation => ({ objectType: 'deals', id, name: `Deal ${id}`, score: evidence ? 1 : 0.02, evidence, reasons });
    const { container } = render(
      <RecommendationList
        recommendations={[rec('1', true, [REASONS[0]![0]]), rec('2', false, [REASONS.find(([r]) => r.kind === 'status')![0]])]}
        contacts={[{ objectType: 'contacts', id: '11' }]}
        changes={[]}
        confirmed={[]}
        onAssociate={() => {}}
      />,
    );
    const lists = container.querySelectorAll('ul.crm-recs');
    expect(lists).toHaveLength(2);
    expect(lists[0]!.querySelector('li.crm-rec')!.getAttribute('data-rec')).toBe('deals:1');
    expect(lists[0]!.textContent).toContain('gekoppeld aan 1 deelnemer: ann@acme.example');
    const apart = container.querySelector('section.crm-recs-unlinked')!;
    expect(apart.querySelector('h3')!.textContent).toBe('Zonder verband met deze thread');
    expect(apart.querySelector('li.crm-rec')!.getAttribute('data-evidence')).toBe('no');
    expect(apart.textContent).toContain('Koppelen aan het contact');
  });

  it('X2: no recommendations at all says so', () => {
    const { container } = render(<RecommendationList recommendations={[]} contacts={[]} changes={[]} confirmed={[]} onAssociate={() => {}} />);
    expect(container.textContent).toBe('Geen aanbevelingen voor deze thread.');
  });
});
