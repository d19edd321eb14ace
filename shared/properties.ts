import { z } from 'zod';
import { internalName } from './records.ts';

// HubSpot CRM v3 properties: request and response bodies, field for field (PropertyCreate,
// PropertyUpdate, Property, PropertyGroup...).

export const propertyTypes = ['string', 'number', 'date', 'datetime', 'enumeration', 'bool', 'phone_number'] as const;
export const fieldTypes = ['booleancheckbox', 'calculation_equation', 'checkbox', 'date', 'file', 'html', 'number', 'phonenumber', 'radio', 'select', 'text', 'textarea'] as const;
const dataSensitivity = z.enum(['highly_sensitive', 'non_sensitive', 'sensitive']);

export const optionInput = z.object({
  label: z.string().trim().min(1).max(200),
  value: z.string().min(1).max(200),
  hidden: z.boolean().default(false),
  displayOrder: z.number().int().optional(),
  description: z.string().max(1000).optional(),
});

const numberDisplayHint = z.enum(['currency', 'duration', 'formatted', 'percentage', 'probability', 'unformatted']);
const textDisplayHint = z.enum(['domain_name', 'email', 'ip_address', 'multi_line', 'phone_number', 'physical_address', 'postal_code', 'unformatted_single_line']);

export const propertyCreate = z.object({
  name: internalName,
  label: z.string().trim().min(1).max(200),
  type: z.enum(propertyTypes),
  fieldType: z.enum(fieldTypes),
  groupName: z.string().min(1).max(100),
  description: z.string().max(1000).optional(),
  options: z.array(optionInput).max(5000).optional(),
  displayOrder: z.number().int().optional(),
  hasUniqueValue: z.boolean().optional(),
  hidden: z.boolean().optional(),
  formField: z.boolean().optional(),
  externalOptions: z.boolean().optional(),
  referencedObjectType: z.string().max(100).optional(),
  calculationFormula: z.string().max(10_000).optional(),
  currencyPropertyName: z.string().max(100).optional(),
  dataSensitivity: dataSensitivity.optional(),
  numberDisplayHint: numberDisplayHint.optional(),
  textDisplayHint: textDisplayHint.optional(),
  showCurrencySymbol: z.boolean().optional(),
});
export type PropertyCreate = z.infer<typeof propertyCreate>;

export const propertyUpdate = z.object({
  label: z.string().trim().min(1).max(200).optional(),
  type: z.enum(propertyTypes).optional(),
  fieldType: z.enum(fieldTypes).optional(),
  groupName: z.string().min(1).max(100).optional(),
  description: z.string().max(1000).optional(),
  options: z.array(optionInput).max(5000).optional(),
  displayOrder: z.number().int().optional(),
  hidden: z.boolean().optional(),
  formField: z.boolean().optional(),
  calculationFormula: z.string().max(10_000).optional(),
  currencyPropertyName: z.string().max(100).optional(),
  numberDisplayHint: numberDisplayHint.optional(),
  textDisplayHint: textDisplayHint.optional(),
  showCurrencySymbol: z.boolean().optional(),
});
export type PropertyUpdate = z.infer<typeof propertyUpdate>;

export const propertyOptionView = z.object({ label: z.string(), value: z.string(), displayOrder: z.number(), hidden: z.boolean(), description: z.string().optional() });

export const propertyView = z.object({
  name: z.string(),
  label: z.string(),
  type: z.string(),
  fieldType: z.string(),
  description: z.string(),
  groupName: z.string(),
  options: z.array(propertyOptionView),
  displayOrder: z.number(),
  calculated: z.boolean(),
  externalOptions: z.boolean(),
  hasUniqueValue: z.boolean(),
  hidden: z.boolean(),
  hubspotDefined: z.boolean(),
  formField: z.boolean(),
  dataSensitivity: dataSensitivity,
  referencedObjectType: z.string().optional(),
  modificationMetadata: z.object({ archivable: z.boolean(), readOnlyDefinition: z.boolean(), readOnlyValue: z.boolean(), readOnlyOptions: z.boolean().optional() }),
  createdAt: z.string(),
  updatedAt: z.string(),
  archived: z.boolean(),
  archivedAt: z.string().optional(),
});
export type PropertyView = z.infer<typeof propertyView>;

export const propertyGroupCreate = z.object({
  name: internalName,
  label: z.string().trim().min(1).max(200),
  displayOrder: z.number().int().optional(),
});
export type PropertyGroupCreate = z.infer<typeof propertyGroupCreate>;
export const propertyGroupUpdate = z.object({ label: z.string().trim().min(1).max(200).optional(), displayOrder: z.number().int().optional() });
export type PropertyGroupUpdate = z.infer<typeof propertyGroupUpdate>;
export const propertyGroupView = z.object({ name: z.string(), label: z.string(), displayOrder: z.number(), archived: z.boolean() });
export type PropertyGroupView = z.infer<typeof propertyGroupView>;

const booleanParam = z.enum(['true', 'false']);
export const propertyListQuery = z.object({
  archived: booleanParam.optional().describe('true: the archived properties'),
  dataSensitivity: dataSensitivity.optional().describe('Every property here is non_sensitive'),
  locale: z.string().max(50).optional().describe('Accepted for compatibility; labels are not translated'),
  properties: z.string().max(10_000).optional().describe('Accepted for compatibility'),
});
export const propertyGroupQuery = z.object({ locale: z.string().max(50).optional().describe('Accepted for compatibility') });
export const propertyParam = z.object({ objectType: z.string().min(1).max(100), propertyName: z.string().min(1).max(100) });
export const propertyGroupParam = z.object({ objectType: z.string().min(1).max(100), groupName: z.string().min(1).max(100) });

export const PROPERTY_BATCH_MAX = 100;
export const propertyBatchCreate = z.object({ inputs: z.array(propertyCreate).min(1).max(PROPERTY_BATCH_MAX) });
export const propertyBatchNames = z.object({ inputs: z.array(z.object({ name: z.string().min(1).max(100) })).min(1).max(PROPERTY_BATCH_MAX) });
export const propertyBatchRead = propertyBatchNames.extend({ archived: z.boolean().optional(), dataSensitivity: dataSensitivity.optional() });

export const propertyList = z.object({ results: z.array(propertyView) });
export const propertyGroupList = z.object({ results: z.array(propertyGroupView) });
