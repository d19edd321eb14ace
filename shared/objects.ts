import { z } from 'zod';

// the standard objects live apart, without zod (the content script imports them)
export {
  COMPANY,
  CONTACT,
  customTypeIdPattern,
  DEAL,
  EMAIL,
  STANDARD_OBJECTS,
  type StandardObject,
  type StandardObjectName,
  standardObject,
  standardObjectById,
  TICKET,
} from './standard-objects.ts';

export const objectTypeRef = z
  .string()
  .min(1)
  .max(100)
  .describe('An object type: a name (`contacts`, `companies`, a custom object name) or a type id (`0-1`, `2-123`)');
