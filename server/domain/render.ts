import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { hubspotPrimaryType } from '../../shared/association-types.ts';
import { COMPANY } from '../../shared/objects.ts';
import { type MissingReason, RENDER_LIMITS, type RenderResponse } from '../../shared/views.ts';
import type { DbOrTx } from '../db/client.ts';
import { col, parseRows } from '../db/rows.ts';
import { ApiError } from '../errors.ts';
import type { ObjectType } from './object-types.ts';
import { getRecord, type RecordRow } from './records.ts';

/**
 * Personalization tokens for email templates (R12).
 *
 * Syntax: `{{object.property}}`, spaces allowed inside the braces, with an optional fallback
 * `{{contact.firstname | default: "there"}}` (double or single quotes, `\"` and `\\` escape).
 * `object` is the record's own type by its singular or plural name (`contact`, `deal`, `ticket`,
 * a custom object's singular label or name) or `company`: the record's PRIMARY company (R12), or
 * the record itself when it is a company. `property` is any property, plus `hs_object_id`,
 * `createdate` and `lastmodifieddate`.
 *
 * A token without a value renders as its default, or as the empty string; so does a token naming
 * another object and text between `{{` and `}}` that is not a token. Each of those is listed once
 * in `missing` with the reason. The output is plain text: values go in as stored, never
 * HTML-escaped; whoever puts it into HTML escapes it.
 */

const BRACES = /\{\{([^{}]*)\}\}/g;
const TOKEN = /^\s*([A-Za-z][A-Za-z0-9_]*)\.([A-Za-z][A-Za-z0-9_]*)\s*(?:\|\s*default\s*:\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')\s*)?$/;

interface Token {
  raw: string;
  object: string;
  property: string;
  fallback: string | null;
}

function parseToken(inner: string): Token | null {
  const m = TOKEN.exec(inner);
  if (!m) return null;
  const quoted = m[3];
  const fallback = quoted === undefined ? null : quoted.slice(1, -1).replace(/\\(.)/g, '$1');
  return { raw: `${m[1]}.${m[2]}`, object: m[1]!.toLowerCase(), property: m[2]!, fallback };
}

function valueOf(row: RecordRow, property: string): string | null {
  switch (property) {
    case 'hs_object_id':
      return String(row.id);
    case 'createdate':
      return row.createdAt.toISOString();
    case 'lastmodifieddate':
    case 'hs_lastmodifieddate':
      return row.updatedAt.toISOString();
    default: {
      const v = row.properties[property];
      return v === undefined || v === null || v === '' ? null : v;
    }
  }
}

/** The record's primary company (one query), or null when it has none or its type has no primary company. */
async function primaryCompanyOf(db: DbOrTx, workspaceId: string, type: ObjectType, id: number): Promise<RecordRow | null> {
  const primary = hubspotPrimaryType(type.typeId, COMPANY);
  if (!primary) return null;
  const [row] = parseRows(
    'render: the primary company',
    z.object({ id: col.id, type_id: col.text, properties: col.properties, created_at: col.timestamp, updated_at: col.timestamp }),
    await db.execute(sql`
      select c.id, c.type_id, c.properties, c.created_at, c.updated_at
      from associations a join records c on c.workspace_id = a.workspace_id and c.id = a.to_id
      where a.workspace_id = ${workspaceId} and a.from_id = ${id} and a.to_type = ${COMPANY} and a.type_id = ${primary.typeId}
        and c.archived_at is null and c.merged_into is null
      limit 1`),
  );
  if (!row) return null;
  return {
    workspaceId,
    id: row.id,
    typeId: row.type_id,
    properties: row.properties,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    archivedAt: null,
    mergedInto: null,
  };
}

/**
 * Renders a template for one record (404 for ids of other workspaces, other types, archived
 * records; a merged record's id renders its survivor). Reads the record, and its primary company
 * only when a `company` token asks for it.
 */
export async function renderTemplate(db: DbOrTx, workspaceId: string, type: ObjectType, id: number, template: string): Promise<RenderResponse> {
  const found = [...template.matchAll(BRACES)];
  if (found.length > RENDER_LIMITS.tokens) {
    throw new ApiError('VALIDATION_ERROR', `At most ${RENDER_LIMITS.tokens} tokens in a template, got ${found.length}`, { errors: [{ message: 'too many tokens', in: 'body:template' }] });
  }
  const record = await getRecord(db, workspaceId, type, id);
  const tokens = found.map((m) => parseToken(m[1]!));
  const ownNames = new Set([type.singular.toLowerCase(), type.name.toLowerCase()]);
  const isCompany = type.typeId === COMPANY;
  const wantsCompany = !isCompany && tokens.some((t) => t?.object === 'company');
  const company = wantsCompany ? await primaryCompanyOf(db, workspaceId, type, record.id) : null;

  const missing = new Map<string, RenderResponse['missing'][number]>();
  const miss = (token: string, reason: MissingReason, fallback: string | null): string => {
    const key = `${token}\u0000${reason}`;
    if (!missing.has(key)) missing.set(key, { token, reason, defaulted: fallback !== null });
    return fallback ?? '';
  };
  let i = 0;
  const rendered = template.replace(BRACES, (whole) => {
    const token = tokens[i++];
    if (!token) return miss(whole.slice(2, -2).trim(), 'INVALID_TOKEN', null);
    let source: RecordRow | null;
    if (ownNames.has(token.object) || (isCompany && token.object === 'company')) source = record;
    else if (token.object === 'company') {
      if (!company) return miss(token.raw, 'NO_PRIMARY_COMPANY', token.fallback);
      source = company;
    } else return miss(token.raw, 'UNKNOWN_OBJECT', token.fallback);
    const value = valueOf(source, token.property);
    return value ?? miss(token.raw, 'NO_VALUE', token.fallback);
  });
  return { rendered, missing: [...missing.values()] };
}
