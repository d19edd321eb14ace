import type { Reason, Recommendation } from '../../shared/recommendations.ts';
import { type MessageKey, t } from '../i18n.ts';

/**
 * A recommendation's reasons as sentences in the rep's language (B7): the server sends each reason
 * as a kind and its values, the words are the companion's (`reason*` messages, English and Dutch).
 */

export type Translate = (key: MessageKey, ...substitutions: string[]) => string;

const NOUN_TYPES = new Set(['contacts', 'companies', 'deals', 'tickets']);

/** The noun for `count` records of `objectType` (plural API name): "deal", "deals", "bedrijven". */
function noun(objectType: string, count: number, tr: Translate): string {
  const type = NOUN_TYPES.has(objectType) ? objectType : 'other';
  return tr(`reasonNoun_${type}_${count === 1 ? 'one' : 'many'}` as MessageKey);
}

/** "a, b and c" in the texts' language; beyond `max` items, "a, b and 3 more". */
function list(items: string[], tr: Translate, max = items.length): string {
  const language = tr('language');
  const format = (xs: string[]) => new Intl.ListFormat(language, { type: 'conjunction' }).format(xs);
  if (items.length <= max) return format(items);
  return tr('reasonMore', items.slice(0, max).join(', '), new Intl.NumberFormat(language).format(items.length - max));
}

const count = (n: number, tr: Translate) => new Intl.NumberFormat(tr('language')).format(n);

/** "today", "3 days ago", "6 months ago", "2 years ago" in the texts' language. */
function when(days: number, tr: Translate): string {
  const format = new Intl.RelativeTimeFormat(tr('language'), { numeric: 'auto' });
  if (days < 31) return format.format(-days, 'day');
  if (days < 365) return format.format(-Math.floor(days / 30.4), 'month');
  return format.format(-Math.floor(days / 365), 'year');
}

/** One reason as a sentence. */
export function reasonText(reason: Reason, tr: Translate = t): string {
  const quoted = (words: string[]) => list(words.map((w) => tr('reasonQuoted', w)), tr, 3);
  switch (reason.kind) {
    case 'participants': {
      const { emails, primaryOf } = reason.values;
      const who = list(emails, tr, 3);
      const base = emails.length === 1 ? tr('reasonParticipantsOne', who) : tr('reasonParticipantsMany', count(emails.length, tr), who);
      return primaryOf.length > 0 ? tr('reasonPrimaryOf', base, list(primaryOf, tr, 2)) : base;
    }
    case 'shared_associations':
      return reason.values.shared
        .map(({ objectType, count: n, names }) => {
          const type = noun(objectType, n, tr);
          if (names.length === 0) return tr('reasonSharedUnnamed', count(n, tr), type);
          const named = n > names.length ? tr('reasonMore', names.join(', '), count(n - names.length, tr)) : list(names, tr);
          return n === 1 ? tr('reasonSharedOne', type, named) : tr('reasonSharedMany', count(n, tr), type, named);
        })
        .join(' · ');
    case 'domain': {
      const { domain, via, registrable, company } = reason.values;
      const text =
        via === 'company' ? tr('reasonDomainOfCompany', company ?? domain, domain)
        : via === 'email_domain' ? tr('reasonDomainEmail', domain)
        : via === 'company_domain' ? tr('reasonDomainCompanyEmail', domain)
        : tr('reasonDomainSame', domain);
      return registrable ? tr('reasonDomainRegistrable', text) : text;
    }
    case 'name':
      return tr('reasonName', quoted(reason.values.tokens));
    case 'company_in_name': {
      const { company, matched } = reason.values;
      return matched === company || matched === '' ? tr('reasonCompanyInName', company) : tr('reasonCompanyDomainInName', matched, company);
    }
    case 'colleagues': {
      const { company, count: n, names } = reason.values;
      const who = n > names.length ? tr('reasonMore', names.join(', '), count(n - names.length, tr)) : list(names, tr);
      return n === 1 ? tr('reasonColleaguesOne', company, who) : tr('reasonColleaguesMany', count(n, tr), company, who);
    }
    case 'subject':
      return tr('reasonSubject', quoted(reason.values.tokens));
    case 'signature':
      return tr('reasonSignature', quoted(reason.values.tokens));
    case 'query':
      return tr('reasonQuery', reason.values.query);
    case 'status':
      return tr('reasonOpen');
    case 'recency':
      return tr('reasonUpdated', when(reason.values.days, tr));
    case 'engagement': {
      const { count: n, atLeast, objectType } = reason.values;
      return tr(atLeast ? 'reasonEngagementAtLeast' : 'reasonEngagement', count(n, tr), noun(objectType, n, tr));
    }
  }
}

/** All reasons of a recommendation as sentences, strongest first; one without evidence says so first. */
export function reasonTexts(recommendation: Pick<Recommendation, 'evidence' | 'reasons'>, tr: Translate = t): string[] {
  const texts = recommendation.reasons.map((r) => reasonText(r, tr));
  return recommendation.evidence ? texts : [tr('reasonNoEvidence'), ...texts];
}
