import { sql } from 'drizzle-orm';
import type { PropertyGroupView, PropertyView } from '../../../shared/properties.ts';
import { type PropertyDefinitionRow, propertyDefinitions, type PropertyGroupRow } from '../../db/schema/index.ts';

// How property definitions are shown and listed; no domain module below, so every one may use it.

/**
 * A property as HubSpot's Property shows it. HubSpot's own properties have a read-only definition
 * (name, type and field type stay; labels, descriptions, options and display details may change)
 * and cannot be archived; the ones the server sets have a read-only value too.
 */
export function propertyView(row: PropertyDefinitionRow): PropertyView {
  // the system properties (SYSTEM_PROPERTIES) are calculated among the standard ones
  const readOnlyValue = row.calculated;
  return {
    updatedAt: row.updatedAt.toISOString(),
    createdAt: row.createdAt.toISOString(),
    name: row.name,
    label: row.label,
    type: row.type,
    fieldType: row.fieldType,
    description: row.description,
    groupName: row.groupName,
    options: row.options.map((o) => ({ label: o.label, value: o.value, displayOrder: o.displayOrder, hidden: o.hidden, ...(o.description ? { description: o.description } : {}) })),
    displayOrder: row.displayOrder,
    calculated: row.calculated,
    externalOptions: row.externalOptions,
    hasUniqueValue: row.hasUniqueValue,
    hidden: row.hidden,
    hubspotDefined: row.hubspotDefined,
    formField: row.formField,
    dataSensitivity: 'non_sensitive',
    ...(row.referencedObjectType ? { referencedObjectType: row.referencedObjectType } : {}),
    modificationMetadata: { archivable: !row.hubspotDefined, readOnlyDefinition: row.hubspotDefined, readOnlyValue, readOnlyOptions: row.externalOptions },
    archived: row.archivedAt !== null,
    ...(row.archivedAt ? { archivedAt: row.archivedAt.toISOString() } : {}),
  };
}

export function groupView(row: PropertyGroupRow): PropertyGroupView {
  return { name: row.name, label: row.label, displayOrder: row.displayOrder, archived: row.archivedAt !== null };
}

/** HubSpot's display order: lowest first, -1 (no order) after the others, then by age. */
export const PROPERTY_ORDER = [sql`${propertyDefinitions.displayOrder} < 0`, propertyDefinitions.displayOrder, propertyDefinitions.createdAt, propertyDefinitions.name] as const;

