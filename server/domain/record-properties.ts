import type { ErrorCode } from '../../shared/errors.ts';
import { CONTACT, COMPANY } from '../../shared/objects.ts';
import { PIPELINE_OBJECTS, type PipelineObjectType } from '../../shared/pipelines.ts';
import { LIMITS } from '../../shared/plans.ts';
import { normalizeDomain, normalizeEmail, type PropertiesInput } from '../../shared/records.ts';
import { echoed, unstorableText } from '../../shared/text.ts';
import type { PropertyDefinition } from '../db/schema/index.ts';
import { type ErrorDetail, ApiError } from '../errors.ts';
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

function fail(problems: Problem[]): never {
  const first = problems[0]!;
  const message = problems.length === 1 ? first.message : `${first.message} (and ${problems.length - 1} more problems)`;
  throw new ApiError(first.code, `Property values were not valid: ${message}`, { errors: problems });
}

/**
 * Checks and normalises the properties of one write (create or update): names, value sizes,
 * contact email (INVALID_EMAIL, stored lower case), company domain (INVALID_DOMAIN, normalised) and,
 * for custom objects, the definition (unknown properties, numbers, booleans, dates, enumerations).
 * `where` is the JSON path of the input (`''`, `inputs[3]`): errors name `inputs[3].properties.email`.
 * Throws one ApiError listing every problem; nothing is written by the caller then.
 */
export function checkProperties(type: ObjectType, input: PropertiesInput, where: string): PropertyChanges {
  const problems: Problem[] = [];
  const at = (name: string) => `${where ? `${where}.` : ''}properties.${name}`;
  const names = Object.keys(input);
  if (names.length > LIMITS.propertiesPerObject) {
    fail([{ code: 'PROPERTY_INVALID', message: `at most ${LIMITS.propertiesPerObject} properties per record, got ${names.length}`, in: `${where ? `${where}.` : ''}properties` }]);
  }
  const defs = type.definition ? new Map(type.definition.properties.map((p) => [p.name, p])) : undefined;
  const changes: PropertyChanges = { set: {}, clear: [] };
  for (const name of names) {
    const raw = input[name];
    if (!PROPERTY_NAME.test(name) || name.length > 100) {
      problems.push({ code: 'PROPERTY_INVALID', message: `property name "${name}" must start with a letter and hold only letters, digits and _`, in: at(name) });
      continue;
    }
    if (systemNames.has(name)) {
      problems.push({ code: 'PROPERTY_INVALID', message: `${name} is a read-only property`, in: at(name) });
      continue;
    }
    const def = defs?.get(name);
    if (defs && !def) {
      problems.push({ code: 'PROPERTY_INVALID', message: `${name} is not a property of ${type.name}`, in: at(name) });
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
  return changes;
}

/** A normalised value, or the problem with it. */
function checkValue(type: ObjectType, name: string, value: string, def: PropertyDefinition | undefined): string | Problem {
  if (type.typeId === CONTACT && name === 'email') {
    return normalizeEmail(value) ?? { code: 'INVALID_EMAIL', message: `"${echoed(value)}" is not a valid email address` };
  }
  if (type.typeId === COMPANY && name === 'domain') {
    return normalizeDomain(value) ?? { code: 'INVALID_DOMAIN', message: `"${echoed(value)}" is not a valid domain` };
  }
  if (!def) return value;
  const invalid = (what: string): Problem => ({ code: 'PROPERTY_INVALID', message: `${name} must be ${what}, got "${echoed(value)}"` });
  switch (def.type) {
    case 'number':
      return value.trim() !== '' && Number.isFinite(Number(value)) ? value.trim() : invalid('a number');
    case 'bool':
      return /^(true|false)$/i.test(value) ? value.toLowerCase() : invalid('true or false');
    case 'date':
    case 'datetime':
      return /^\d{1,15}$/.test(value) || !Number.isNaN(Date.parse(value)) ? value : invalid('a date (ISO 8601 or epoch milliseconds)');
    case 'enumeration': {
      const allowed = new Set((def.options ?? []).map((o) => o.value));
      const parts = def.fieldType === 'checkbox' ? value.split(';') : [value];
      const bad = parts.filter((p) => !allowed.has(p));
      return bad.length === 0 ? value : invalid(`one of ${[...allowed].map((v) => `"${v}"`).join(', ')}`);
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
 * What checkComplete needs to check a deal's or ticket's pipeline and stage: the workspace's
 * stages (stageIndexForWrite in pipelines.ts: null for types without pipelines) and the record's
 * properties before this write (`{}` for a new record).
 */
export interface StageCheck {
  stages: StageIndex | null;
  before: Readonly<Record<string, string | null>>;
}

/**
 * A record's properties as a whole: within the count limit, for custom objects every required one
 * present, and for deals and tickets a pipeline and stage the workspace has (see pipelineProblems).
 * Record creation and update (single, batch) and the import all come through here.
 */
export function checkComplete(type: ObjectType, properties: Record<string, string>, where: string, check: StageCheck): void {
  const at = `${where ? `${where}.` : ''}properties`;
  const count = Object.keys(properties).length;
  if (count > LIMITS.propertiesPerObject) {
    fail([{ code: 'PROPERTY_INVALID', message: `at most ${LIMITS.propertiesPerObject} properties per record, the record would have ${count}`, in: at }]);
  }
  const missing = (type.definition?.requiredProperties ?? []).filter((name) => properties[name] === undefined);
  if (missing.length > 0) {
    fail(missing.map((name) => ({ code: 'PROPERTY_INVALID' as const, message: `${name} is required for ${type.name}`, in: `${at}.${name}` })));
  }
  if (!Object.hasOwn(PIPELINE_OBJECTS, type.typeId)) return;
  const problems = pipelineProblems(type.typeId as PipelineObjectType, properties, at, check);
  if (problems.length > 0) fail(problems);
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
function pipelineProblems(objectType: PipelineObjectType, after: Record<string, string>, at: string, { stages, before }: StageCheck): Problem[] {
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
