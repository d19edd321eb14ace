import type { ErrorCode } from '../../shared/errors.ts';
import { CONTACT, COMPANY, EMAIL } from '../../shared/objects.ts';
import { PIPELINE_OBJECTS, type PipelineObjectType } from '../../shared/pipelines.ts';
import { LIMITS } from '../../shared/plans.ts';
import { normalizeDomain, normalizeEmail, type PropertiesInput } from '../../shared/records.ts';
import { echoed, unstorableText } from '../../shared/text.ts';
import type { PropertyDefinitionRow } from '../db/schema/index.ts';
import { type ErrorDetail, ApiError } from '../errors.ts';
import { derivedAddressProperties } from './email-headers.ts';
import type { ObjectType } from './object-types.ts';
import { DEFAULT_PIPELINES, livePipelines, type StageIndex } from './pipelines.ts';

/** Property names HubSpot accepts: a letter, then letters, digits and `_`. */
export const PROPERTY_NAME = /^[a-z][a-z0-9_]*$/i;

/** Properties the server sets itself; a write naming them is refused. */
export const SYSTEM_PROPERTIES = ['hs_object_id', 'createdate', 'lastmodifieddate', 'hs_lastmodifieddate'] as const;
const systemNames = new Set<string>(SYSTEM_PROPERTIES);

/** What one write does to a record's properties: values to set and names to clear. */
export interface PropertyChanges {
  set: Record<string, string>;
  clear: string[];
}

interface Problem extends ErrorDetail {
  code: ErrorCode;
}

/** Codes that stay in the details (HubSpot's `PROPERTY_DOESNT_EXIST`...); the answer's own is PROPERTY_INVALID. */
const DETAIL_ONLY: ReadonlySet<ErrorCode> = new Set(['PROPERTY_DOESNT_EXIST', 'READ_ONLY_VALUE']);

function fail(problems: Problem[]): never {
  const first = problems[0]!;
  const message = problems.length === 1 ? first.message : `${first.message} (and ${problems.length - 1} more problems)`;
  throw new ApiError(DETAIL_ONLY.has(first.code) ? 'PROPERTY_INVALID' : first.code, `Property values were not valid: ${message}`, { errors: problems });
}

/**
 * Checks and normalises the properties of one write (create or update) against the type's property
 * definitions (property_definitions, read with the type: see object-types.ts): names the type has
 * (PROPERTY_DOESNT_EXIST), none the server sets (READ_ONLY_VALUE), value sizes, values by type
 * (numbers, booleans, dates and datetimes as ISO 8601 or epoch milliseconds, enumeration options and
 * `;`-lists of a checkbox), contact email (INVALID_EMAIL, stored lower case) and company domain
 * (INVALID_DOMAIN, normalised). Record creation and update (single, batch, upsert) and the import
 * all come through here. `where` is the JSON path of the input (`''`, `inputs[3]`): errors name
 * `inputs[3].properties.email`. Throws one ApiError listing every problem; nothing is written by
 * the caller then.
 */
export function checkProperties(type: ObjectType, input: PropertiesInput, where: string): PropertyChanges {
  const problems: Problem[] = [];
  const at = (name: string) => `${where ? `${where}.` : ''}properties.${name}`;
  const names = Object.keys(input);
  if (names.length > LIMITS.propertiesPerObject) {
    fail([{ code: 'PROPERTY_INVALID', message: `at most ${LIMITS.propertiesPerObject} properties per record, got ${names.length}`, in: `${where ? `${where}.` : ''}properties` }]);
  }
  const changes: PropertyChanges = { set: {}, clear: [] };
  for (const name of names) {
    const raw = input[name];
    if (!PROPERTY_NAME.test(name) || name.length > 100) {
      problems.push({ code: 'PROPERTY_INVALID', message: `property name "${echoed(name)}" must start with a letter and hold only letters, digits and _`, in: at(name) });
      continue;
    }
    const def = type.properties.get(name);
    if (systemNames.has(name) || def?.calculated) {
      problems.push({ code: 'READ_ONLY_VALUE', message: `${name} is a read-only property`, in: at(name) });
      continue;
    }
    if (!def) {
      problems.push({ code: 'PROPERTY_DOESNT_EXIST', message: `Property "${name}" does not exist on ${type.name}`, in: at(name) });
      continue;
    }
    const value = raw === null || raw === undefined ? '' : String(raw);
    if (value.length > LIMITS.propertyValueLength) {
      problems.push({ code: 'PROPERTY_INVALID', message: `${name} is longer than ${LIMITS.propertyValueLength} characters`, in: at(name) });
      continue;
    }
    // one per input, so a batch keeps its good inputs (the storable-text middleware skips batch inputs)
    const unstorable = unstorableText(value);
    if (unstorable) {
      problems.push({ code: 'PROPERTY_INVALID', message: `${name} ${unstorable}`, in: at(name) });
      continue;
    }
    if (value.trim() === '') {
      changes.clear.push(name);
      continue;
    }
    const checked = checkValue(type, name, value, def);
    if (typeof checked === 'string') changes.set[name] = checked;
    else problems.push({ ...checked, in: at(name) });
  }
  if (problems.length > 0) fail(problems);
  if (type.typeId === EMAIL && (changes.set.hs_email_headers !== undefined || changes.clear.includes('hs_email_headers'))) deriveFromHeaders(type, changes);
  return changes;
}

/**
 * An email's calculated address properties follow its headers, as HubSpot's do: written with them,
 * cleared with them (a header that names no address clears its property).
 */
function deriveFromHeaders(type: ObjectType, changes: PropertyChanges): void {
  for (const [name, value] of Object.entries(derivedAddressProperties(changes.set.hs_email_headers))) {
    if (!type.properties.has(name)) continue;
    if (value) changes.set[name] = value;
    else changes.clear.push(name);
  }
}

/** ISO 8601 dates as HubSpot takes them: a day, optionally a time and zone. */
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * True for a date or datetime value: epoch milliseconds (years 1970 to 9999) or an ISO 8601 date
 * that names a real day (2024-02-30 is refused: PostgreSQL would refuse to compare it).
 */
export function isDateValue(value: string): boolean {
  const v = value.trim();
  if (/^\d{1,15}$/.test(v)) return Number(v) <= Date.parse('9999-12-31T23:59:59.999Z');
  const m = ISO_DATE.exec(v);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const day = new Date(Date.UTC(2000, mo - 1, d));
  if (y < 1 || mo < 1 || mo > 12 || day.getUTCMonth() !== mo - 1 || (mo === 2 && d === 29 && !(y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0)))) return false;
  if (m[4] !== undefined && (Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6] ?? 0) > 59)) return false;
  return !Number.isNaN(Date.parse(v.replace(' ', 'T')));
}

/** A number value as search compares it (search.ts NUMBER): finite, in plain or exponent notation. */
const NUMBER_VALUE = /^\s*-?(\d{1,100}\.?\d{0,100}|\.\d{1,100})([eE][-+]?\d{1,3})?\s*$/;

/** A normalised value, or the problem with it. */
function checkValue(type: ObjectType, name: string, value: string, def: PropertyDefinitionRow): string | Problem {
  if (type.typeId === CONTACT && name === 'email') {
    return normalizeEmail(value) ?? { code: 'INVALID_EMAIL', message: `"${echoed(value)}" is not a valid email address` };
  }
  if (type.typeId === COMPANY && name === 'domain') {
    return normalizeDomain(value) ?? { code: 'INVALID_DOMAIN', message: `"${echoed(value)}" is not a valid domain` };
  }
  const invalid = (what: string): Problem => ({ code: 'PROPERTY_INVALID', message: `${name} must be ${what}, got "${echoed(value)}"` });
  switch (def.type) {
    case 'number':
      return NUMBER_VALUE.test(value) && Number.isFinite(Number(value)) ? value.trim() : invalid('a number');
    case 'bool':
      return /^(true|false)$/i.test(value.trim()) ? value.trim().toLowerCase() : invalid('true or false');
    case 'date':
    case 'datetime':
      return isDateValue(value) ? value.trim() : invalid('a date (ISO 8601 or epoch milliseconds)');
    case 'enumeration': {
      // owners, pipelines and stages have their options elsewhere (owners.ts, checkComplete)
      if (def.externalOptions) return value;
      const allowed = new Map(def.options.map((o) => [o.value.toLowerCase(), o.value]));
      const parts = def.fieldType === 'checkbox' ? value.split(';') : [value];
      const matched = parts.map((p) => allowed.get(p.trim().toLowerCase()));
      if (matched.every((m) => m !== undefined)) return matched.join(';');
      return invalid(`one of ${options(def.options.map((o) => o.value))}${def.fieldType === 'checkbox' ? ' (several separated by ;)' : ''}`);
    }
    default:
      return value;
  }
}

/** The properties after a write: current values, changed ones set, cleared ones gone. */
export function applyChanges(current: Record<string, string | null>, changes: PropertyChanges): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(current)) if (v !== null) out[k] = v;
  Object.assign(out, changes.set);
  for (const name of changes.clear) delete out[name];
  return out;
}

/**
 * What a write is checked against besides the record (loadWriteFacts in write-facts.ts, once per
 * request): the workspace's stages (null for types without pipelines) and the ids of its owners
 * (users not removed; null for types without an owner property).
 */
export interface WriteFacts {
  stages: StageIndex | null;
  owners: ReadonlySet<string> | null;
}

/** What checkComplete needs: the write's facts and the record's properties before it (`{}` for a new record). */
export interface WriteCheck extends WriteFacts {
  before: Readonly<Record<string, string | null>>;
}

/**
 * A record's properties as a whole: within the count limit, for custom objects every required one
 * present, an owner property naming an owner of the workspace (see ownerProblems), and for deals
 * and tickets a pipeline and stage the workspace has (see pipelineProblems). Record creation and
 * update (single, batch) and the import all come through here.
 */
export function checkComplete(type: ObjectType, properties: Record<string, string>, where: string, check: WriteCheck): void {
  const at = `${where ? `${where}.` : ''}properties`;
  const count = Object.keys(properties).length;
  if (count > LIMITS.propertiesPerObject) {
    fail([{ code: 'PROPERTY_INVALID', message: `at most ${LIMITS.propertiesPerObject} properties per record, the record would have ${count}`, in: at }]);
  }
  const missing = (type.definition?.requiredProperties ?? []).filter((name) => properties[name] === undefined);
  if (missing.length > 0) {
    fail(missing.map((name) => ({ code: 'PROPERTY_INVALID' as const, message: `${name} is required for ${type.name}`, in: `${at}.${name}` })));
  }
  const owners = ownerProblems(type, properties, at, check);
  if (owners.length > 0) fail(owners);
  if (!Object.hasOwn(PIPELINE_OBJECTS, type.typeId)) return;
  const problems = pipelineProblems(type.typeId as PipelineObjectType, properties, at, check);
  if (problems.length > 0) fail(problems);
}

/**
 * A property naming an owner (`hubspot_owner_id`: referencedObjectType OWNER) holds the id of an
 * owner of the workspace (GET /crm/v3/owners: its users, not removed ones). Only a value this write
 * changes is checked, so a record keeps the owner it had after that user is removed.
 */
function ownerProblems(type: ObjectType, after: Record<string, string>, at: string, { owners, before }: WriteCheck): Problem[] {
  const problems: Problem[] = [];
  for (const def of type.properties.values()) {
    if (def.referencedObjectType !== 'OWNER') continue;
    const value = after[def.name];
    if (value === undefined || value === (before[def.name] ?? undefined)) continue;
    if (!owners) throw new Error(`the owners were not read for this write of ${type.name}`);
    if (!owners.has(value)) {
      problems.push({ code: 'PROPERTY_INVALID', message: `${def.name} must be the id of an owner of this workspace (GET /crm/v3/owners), got "${echoed(value)}"`, in: `${at}.${def.name}` });
    }
  }
  return problems;
}

/** `"a", "b", "c"`, at most 20 of them. */
function options(values: string[]): string {
  const shown = values.slice(0, 20).map((v) => `"${v}"`).join(', ');
  return values.length > 20 ? `${shown} and ${values.length - 20} more` : shown;
}

/**
 * A deal's `pipeline` and `dealstage` (a ticket's `hs_pipeline` and `hs_pipeline_stage`) after a
 * write that changes either: the pipeline a live one of the workspace (none given: the default
 * pipeline, `default` or `0`), the stage, when set, a live stage of that pipeline. An empty value
 * clears the stage. A write that leaves both as they were is not checked, so a record stored
 * with a value the workspace no longer has keeps it through its other edits.
 */
function pipelineProblems(objectType: PipelineObjectType, after: Record<string, string>, at: string, { stages, before }: WriteCheck): Problem[] {
  if (!stages) throw new Error(`the stages of ${PIPELINE_OBJECTS[objectType].name} were not read for this write`);
  const { name, pipelineProperty, stageProperty } = PIPELINE_OBJECTS[objectType];
  const pipeline = after[pipelineProperty];
  const stage = after[stageProperty];
  if (pipeline === (before[pipelineProperty] ?? undefined) && stage === (before[stageProperty] ?? undefined)) return [];
  const live = livePipelines(stages, objectType);
  const pipelineId = pipeline ?? DEFAULT_PIPELINES[objectType].id;
  const pipelineStages = live.get(pipelineId);
  if (!pipelineStages) {
    const message =
      pipeline === undefined
        ? `${stageProperty} needs a ${pipelineProperty}: the default ${name} pipeline "${pipelineId}" is archived; one of ${options([...live.keys()])}`
        : `${pipelineProperty} must be one of the ${name} pipelines ${options([...live.keys()])}, got "${echoed(pipeline)}"`;
    return [{ code: 'PROPERTY_INVALID', message, in: `${at}.${pipelineProperty}` }];
  }
  if (stage !== undefined && !pipelineStages.includes(stage)) {
    return [{ code: 'PROPERTY_INVALID', message: `${stageProperty} must be one of the stages of ${name} pipeline "${pipelineId}": ${options(pipelineStages)}, got "${echoed(stage)}"`, in: `${at}.${stageProperty}` }];
  }
  return [];
}
