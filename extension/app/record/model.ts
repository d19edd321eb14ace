import { hubspotDefaultType, hubspotPrimaryType } from '../../../shared/association-type-table.ts';
import type { AssociatedRecordView, AssociationsView } from '../../../shared/history.ts';
import { COMPANY, CONTACT, DEAL, standardObject, TICKET } from '../../../shared/standard-objects.ts';
import { defaultPairLimit, type Plan, planAllows } from '../../../shared/plan-rules.ts';
import { recordName } from '../../../shared/record-name.ts';

/**
 * What the record page shows, worked out from the server's reads: the header's properties per
 * object type, the association cards (one per associated type, the standard four always), which
 * company is primary (R6, R8), and what a card may still take before a limit (R4).
 */

export const STANDARD_CARDS = ['companies', 'contacts', 'deals', 'tickets'] as const;

/** The type id of an object type's API name (`contacts` → `0-1`); a custom object's name is its own. */
export function typeIdOf(objectType: string): string {
  return standardObject(objectType)?.typeId ?? objectType;
}

export type PropertyKind = 'text' | 'email' | 'tel' | 'number' | 'date' | 'stage' | 'pipeline';
export interface HeaderProperty {
  name: string;
  kind: PropertyKind;
  /** The rep may change it on the page. */
  editable: boolean;
}

/** The header's key properties per type (the list), besides the name. */
export const HEADER_PROPERTIES: Record<string, HeaderProperty[]> = {
  contacts: [
    { name: 'email', kind: 'email', editable: true },
    { name: 'jobtitle', kind: 'text', editable: true },
    { name: 'phone', kind: 'tel', editable: true },
    { name: 'lifecyclestage', kind: 'text', editable: false },
  ],
  companies: [
    { name: 'domain', kind: 'text', editable: true },
    { name: 'industry', kind: 'text', editable: true },
  ],
  deals: [
    { name: 'dealstage', kind: 'stage', editable: false },
    { name: 'amount', kind: 'number', editable: true },
    { name: 'closedate', kind: 'date', editable: false },
    { name: 'pipeline', kind: 'pipeline', editable: false },
  ],
  tickets: [
    { name: 'hs_pipeline_stage', kind: 'stage', editable: false },
    { name: 'hs_ticket_priority', kind: 'text', editable: true },
  ],
};

/** The properties a record page reads: the name's and the header's. */
export function headerRead(objectType: string): string[] {
  const names = new Set<string>(['firstname', 'lastname', 'email', 'name', 'domain', 'dealname', 'subject', 'hs_pipeline']);
  for (const p of HEADER_PROPERTIES[objectType] ?? []) names.add(p.name);
  return [...names];
}

/** A record's name as everywhere in the companion (shared/record-name.ts); else `#id`. */
export function nameOf(objectType: string, id: string, properties: Record<string, string | null | undefined>): string {
  return recordName(typeIdOf(objectType), properties) ?? `#${id}`;
}

/** "Create and associate": the main properties of each type, in the form's order; the first is required. */
export const CREATE_FIELDS: Record<string, Array<{ name: string; kind: 'text' | 'email' | 'number'; required: boolean }>> = {
  contacts: [
    { name: 'email', kind: 'email', required: true },
    { name: 'firstname', kind: 'text', required: false },
    { name: 'lastname', kind: 'text', required: false },
  ],
  companies: [
    { name: 'name', kind: 'text', required: true },
    { name: 'domain', kind: 'text', required: false },
  ],
  deals: [
    { name: 'dealname', kind: 'text', required: true },
    { name: 'amount', kind: 'number', required: false },
  ],
  tickets: [{ name: 'subject', kind: 'text', required: true }],
};

export interface CardRow {
  id: string;
  name: string;
  /** Label names, the primary company's label left out (the badge says it). */
  labels: string[];
  /** The type ids between the two, seen from the page's record. */
  typeIds: number[];
  primary: boolean;
}

export interface Card {
  objectType: string;
  rows: CardRow[];
}

/** The built-in primary company type of this record's type, when it has one (contacts, deals, tickets → companies). */
export function primaryTypeOf(objectType: string): number | null {
  return hubspotPrimaryType(typeIdOf(objectType), COMPANY)?.typeId ?? null;
}

/** The primary company type from a record of this type, as a label spec (R6): a contact's 1, a deal's 5, a ticket's 26. */
export function primarySpec(objectType: string) {
  const typeId = primaryTypeOf(objectType)!;
  return { associationCategory: 'HUBSPOT_DEFINED' as const, associationTypeId: typeId };
}

export interface EditableLabel {
  typeId: number;
  label: string;
  category: 'HUBSPOT_DEFINED' | 'USER_DEFINED';
}

/** The labels a rep may tick on an association of a pair (R14): named ones, not the primary type, none of an integrator's. */
export function editableLabels(results: ReadonlyArray<{ typeId: number; label: string | null; category: string }>, primaryType: number | null): EditableLabel[] {
  return results.flatMap((x) =>
    x.label !== null && x.typeId !== primaryType && (x.category === 'HUBSPOT_DEFINED' || x.category === 'USER_DEFINED') ? [{ typeId: x.typeId, label: x.label, category: x.category }] : [],
  );
}

/** What "Edit labels" changes: the labels ticked now that the association lacks, and those it has that are no longer ticked. */
export function labelChanges(labels: readonly EditableLabel[], before: readonly number[], on: ReadonlySet<number>) {
  const spec = (l: EditableLabel) => ({ associationCategory: l.category, associationTypeId: l.typeId });
  const add = labels.filter((l) => on.has(l.typeId) && !before.includes(l.typeId));
  const drop = labels.filter((l) => !on.has(l.typeId) && before.includes(l.typeId));
  return { add, drop, addSpecs: add.map(spec), dropSpecs: drop.map(spec) };
}

/** The unlabeled type of a pair, from this record's side, when it is HubSpot's. */
export function defaultTypeOf(fromType: string, toType: string): number | null {
  return hubspotDefaultType(typeIdOf(fromType), typeIdOf(toType))?.typeId ?? null;
}

function rowOf(row: AssociatedRecordView, primaryType: number | null, toType: string): CardRow {
  const primary = primaryType !== null && toType === 'companies' && row.associationTypes.some((t) => t.typeId === primaryType);
  return {
    id: row.toObjectId,
    name: row.toName ?? `#${row.toObjectId}`,
    labels: row.associationTypes.filter((t) => t.label !== null && !(primary && t.typeId === primaryType)).map((t) => t.label!),
    typeIds: row.associationTypes.map((t) => t.typeId),
    primary,
  };
}

/**
 * The cards of a record: the four standard types (not the record's own type) always, then every
 * other type it has associations with (custom objects, activities), in the order HubSpot's
 * sidebar has them. The primary company comes first on the companies card.
 */
export function cardsOf(objectType: string, view: AssociationsView): Card[] {
  const primaryType = primaryTypeOf(objectType);
  const types: string[] = STANDARD_CARDS.filter((t) => t !== objectType);
  for (const t of Object.keys(view.associations)) if (!types.includes(t)) types.push(t);
  return types.map((type) => {
    const rows = (view.associations[type]?.results ?? []).map((r) => rowOf(r, primaryType, type));
    rows.sort((a, b) => Number(b.primary) - Number(a.primary));
    return { objectType: type, rows };
  });
}

/** An activity type (emails, calls, meetings, notes, tasks): logged from the sidebar or timeline, never added from a card. */
export function isActivityType(objectType: string): boolean {
  return standardObject(objectType)?.activity === true;
}

/** A custom object type: neither one of the four standard types nor an activity. */
export function isCustomType(objectType: string): boolean {
  return standardObject(objectType) === undefined;
}

/**
 * Whether a card takes changes here (add, create, labels, remove): the standard types and custom
 * objects, on the record page of one of those; activity cards stay read-only.
 */
export function canAssociateFrom(objectType: string, cardType: string): boolean {
  return !isActivityType(cardType) && !isActivityType(objectType);
}

/** The fields "Create and associate" asks for a custom object: its primary display property, then its other required ones, labelled as the schema names them. */
export function customCreateFields(schema: { primaryDisplayProperty: string; requiredProperties: readonly string[]; properties: ReadonlyArray<{ name: string; label: string; type: string }> }): Array<{ name: string; label: string; kind: 'text' | 'number'; required: boolean }> {
  const names = [schema.primaryDisplayProperty, ...schema.requiredProperties.filter((n) => n !== schema.primaryDisplayProperty)];
  return names.map((name) => {
    const p = schema.properties.find((x) => x.name === name);
    return { name, label: p?.label ?? name, kind: p?.type === 'number' ? 'number' : 'text', required: name !== schema.primaryDisplayProperty || schema.requiredProperties.includes(name) };
  });
}

/** The unlabeled type of a pair as the labels read answers it (a custom object's pair has a user-defined one once defined), or null. */
export function unlabeledType(results: ReadonlyArray<{ typeId: number; label: string | null; category: string }>): { associationCategory: 'HUBSPOT_DEFINED' | 'USER_DEFINED'; associationTypeId: number } | null {
  const found = results.find((r) => r.label === null && (r.category === 'HUBSPOT_DEFINED' || r.category === 'USER_DEFINED'));
  return found ? { associationCategory: found.category as 'HUBSPOT_DEFINED' | 'USER_DEFINED', associationTypeId: found.typeId } : null;
}

/** The per-record limit of a pair: the admin's for the unlabeled type, else the plan's default (R4). */
export function pairLimit(plan: Plan, configured: Array<{ typeId: number; userEnforcedMaxToObjectIds: number }>, defaultTypeId: number | null, activity: boolean): number {
  const set = configured.find((c) => c.typeId === defaultTypeId);
  return set ? set.userEnforcedMaxToObjectIds : defaultPairLimit(plan, activity);
}

/** Whether labels may be set on this plan (R14); the plan it needs otherwise. */
export function labelsNeed(plan: Plan): 'professional' | null {
  return planAllows(plan, 'labels') ? null : 'professional';
}

/** The primary company of a record's companies card, or null. */
export function primaryOf(card: Card | undefined): CardRow | null {
  return card?.rows.find((r) => r.primary) ?? null;
}

export { COMPANY, CONTACT, DEAL, TICKET };
