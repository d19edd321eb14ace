import { z } from 'zod';
import { ASSOCIATION_CATEGORIES } from './association-type-table.ts';

// the table of HubSpot's types lives apart, without zod (the content script imports it)
export {
  ASSOCIATION_CATEGORIES,
  type AssociationCategory,
  type AssociationTypeDef,
  HUBSPOT_DEFINED_TYPES,
  hubspotDefaultType,
  hubspotDefinedType,
  hubspotPrimaryType,
} from './association-type-table.ts';

export const associationCategory = z.enum(ASSOCIATION_CATEGORIES);

/** An association type id: a positive whole number the database's integer column holds (a larger one would be a 500). */
export const associationTypeIdValue = z.number().int().positive().max(2_147_483_647);

/** An association type as HubSpot's v4 API shows it. */
export const associationSpec = z.object({
  associationCategory: associationCategory,
  associationTypeId: associationTypeIdValue,
});
export type AssociationSpec = z.infer<typeof associationSpec>;
