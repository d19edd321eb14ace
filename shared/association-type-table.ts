/**
 * HubSpot's built-in association types between the standard objects, and their lookups. No zod
 * here: the companion's content script uses these, and it ships without zod (its size budget);
 * association-types.ts adds the schemas and re-exports all of this.
 */

/** Who defined an association type (HubSpot's `associationCategory`). */
export const ASSOCIATION_CATEGORIES = ['HUBSPOT_DEFINED', 'USER_DEFINED', 'INTEGRATOR_DEFINED'] as const;
export type AssociationCategory = (typeof ASSOCIATION_CATEGORIES)[number];

/** One direction of an association type: from one object type to another. */
export interface AssociationTypeDef {
  typeId: number;
  category: AssociationCategory;
  fromType: string;
  toType: string;
  /** null for the unlabeled (default) type of a pair. */
  label: string | null;
  /** Internal name of a label (HubSpot's `name`). */
  name: string | null;
  /** The type id seen from the other side. */
  inverseTypeId: number;
  /** The built-in primary company label. */
  primary: boolean;
  /** A custom primary-style label: at most one record per `from` record carries it. */
  primaryStyle: boolean;
}

/**
 * HubSpot's published default association type ids between the standard objects:
 * [from, to, unlabeled from→to, unlabeled to→from, primary from→to?, primary to→from?].
 * Clients hard-code these, so they must mean the same here.
 */
const PAIRS: Array<[string, string, number, number, number?, number?]> = [
  ['0-1', '0-2', 279, 280, 1, 2], // contact ↔ company (primary company)
  ['0-3', '0-2', 341, 342, 5, 6], // deal ↔ company (primary company)
  ['0-5', '0-2', 339, 340, 26, 25], // ticket ↔ company (primary company)
  ['0-1', '0-3', 4, 3], // contact ↔ deal
  ['0-1', '0-5', 15, 16], // contact ↔ ticket
  ['0-3', '0-5', 27, 28], // deal ↔ ticket
  ['0-1', '0-1', 449, 449], // contact ↔ contact
  ['0-2', '0-2', 450, 450], // company ↔ company
  ['0-3', '0-3', 451, 451], // deal ↔ deal
  ['0-5', '0-5', 452, 452], // ticket ↔ ticket
  // activities: contact, company, deal, ticket ↔ call, email, meeting, note, task
  ['0-1', '0-48', 193, 194],
  ['0-1', '0-49', 197, 198],
  ['0-1', '0-47', 199, 200],
  ['0-1', '0-46', 201, 202],
  ['0-1', '0-27', 203, 204],
  ['0-2', '0-48', 181, 182],
  ['0-2', '0-49', 185, 186],
  ['0-2', '0-47', 187, 188],
  ['0-2', '0-46', 189, 190],
  ['0-2', '0-27', 191, 192],
  ['0-3', '0-48', 205, 206],
  ['0-3', '0-49', 209, 210],
  ['0-3', '0-47', 211, 212],
  ['0-3', '0-46', 213, 214],
  ['0-3', '0-27', 215, 216],
  ['0-5', '0-48', 219, 220],
  ['0-5', '0-49', 223, 224],
  ['0-5', '0-47', 225, 226],
  ['0-5', '0-46', 227, 228],
  ['0-5', '0-27', 229, 230],
];

/** Labeled HubSpot-defined types that are not primary: parent/child company. */
const EXTRA: AssociationTypeDef[] = [
  {
    typeId: 13, category: 'HUBSPOT_DEFINED', fromType: '0-2', toType: '0-2', label: 'Parent Company',
    name: 'parent_to_child_company', inverseTypeId: 14, primary: false, primaryStyle: false,
  },
  {
    typeId: 14, category: 'HUBSPOT_DEFINED', fromType: '0-2', toType: '0-2', label: 'Child Company',
    name: 'child_to_parent_company', inverseTypeId: 13, primary: false, primaryStyle: false,
  },
];

const singular: Record<string, string> = {
  '0-1': 'Contact', '0-2': 'Company', '0-3': 'Deal', '0-5': 'Ticket',
};

function build(): AssociationTypeDef[] {
  const out: AssociationTypeDef[] = [];
  for (const [from, to, fwd, rev, pFwd, pRev] of PAIRS) {
    const base = { category: 'HUBSPOT_DEFINED' as const, label: null, name: null, primary: false, primaryStyle: false };
    out.push({ ...base, typeId: fwd, fromType: from, toType: to, inverseTypeId: rev });
    if (fwd !== rev) out.push({ ...base, typeId: rev, fromType: to, toType: from, inverseTypeId: fwd });
    if (pFwd !== undefined && pRev !== undefined) {
      const label = `${singular[from]} with Primary Company`;
      out.push({ ...base, typeId: pFwd, fromType: from, toType: to, label: 'Primary', name: label, inverseTypeId: pRev, primary: true });
      out.push({ ...base, typeId: pRev, fromType: to, toType: from, label: 'Primary', name: label, inverseTypeId: pFwd, primary: true });
    }
  }
  return [...out, ...EXTRA];
}

export const HUBSPOT_DEFINED_TYPES: readonly AssociationTypeDef[] = build();

const byId = new Map(HUBSPOT_DEFINED_TYPES.map((t) => [t.typeId, t]));
const defaultByPair = new Map(
  HUBSPOT_DEFINED_TYPES.filter((t) => t.label === null).map((t) => [`${t.fromType}>${t.toType}`, t]),
);
const primaryByPair = new Map(
  HUBSPOT_DEFINED_TYPES.filter((t) => t.primary).map((t) => [`${t.fromType}>${t.toType}`, t]),
);

export function hubspotDefinedType(typeId: number): AssociationTypeDef | undefined {
  return byId.get(typeId);
}
export function hubspotDefaultType(fromType: string, toType: string): AssociationTypeDef | undefined {
  return defaultByPair.get(`${fromType}>${toType}`);
}
/** The built-in primary company type for an [Object] → Company direction (R13), if there is one. */
export function hubspotPrimaryType(fromType: string, toType: string): AssociationTypeDef | undefined {
  return primaryByPair.get(`${fromType}>${toType}`);
}
