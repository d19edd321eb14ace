import { type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import { CONTACT } from '../../../shared/objects.ts';
import type { Db } from '../../db/client.ts';
import { col, parseRows } from '../../db/rows.ts';
import { transaction } from '../../db/transaction.ts';
import type { Auth } from '../../env.ts';
import { ApiError } from '../../errors.ts';
import { dropAssociationsOfArchived } from '../associations/archive.ts';
import { recordAudit } from '../audit.ts';
import { recordChanged } from '../history/changes.ts';
import type { ObjectType } from '../object-types.ts';
import { displayName } from '../record-name.ts';
import { findRecords, lookupKey } from '../records.ts';

/**
 * The contact properties that hold who a person is. Their values (as the record has them now, as
 * its history had them, as imports found them) are what an erasure looks for elsewhere.
 */
const PERSONAL_PROPERTIES = ['email', 'hs_additional_emails', 'firstname', 'lastname', 'phone', 'mobilephone', 'address', 'city', 'zip', 'jobtitle', 'website', 'company'];

/** Shorter values ("Al", "NL") are too common to look for: they would hit other people's rows. */
const MIN_SEARCHED_LENGTH = 3;

/** What an erased contact's name becomes in the history of the records it was associated with. */
export const ERASED_DETAIL = 'contact erased (GDPR)';

const erasedRow = z.object({ id: col.id, archived: col.bool, properties: col.properties });
const valuesRow = z.object({ properties: col.properties.nullable() });
const importRow = z.object({ import_id: col.text });

export interface ErasureOutcome {
  /** The contact asked for and every contact merged into it (through chains of merges). */
  erasedIds: number[];
  /** Imports whose uploaded file was deleted because it held the person's data. */
  importFilesDeleted: number;
}

/** The values to look for: each personal value, its full name, emails also in lower case. */
function personalValues(rows: ReadonlyArray<Record<string, string | null>>): string[] {
  const out = new Set<string>();
  for (const props of rows) {
    for (const key of PERSONAL_PROPERTIES) {
      for (const part of (props[key] ?? '').split(';')) {
        const v = part.trim();
        if (v.length < MIN_SEARCHED_LENGTH) continue;
        out.add(v);
        if (key.includes('email')) out.add(v.toLowerCase());
      }
    }
    const name = displayName(CONTACT, props);
    if (name && name.length >= MIN_SEARCHED_LENGTH) out.add(name);
  }
  return [...out];
}

/** `ilike` patterns for a value, as written and as it is escaped inside JSON text. */
function patterns(values: string[]): string[] {
  const like = (s: string) => `%${s.replace(/[\\%_]/g, '\\$&')}%`;
  return [...new Set(values.flatMap((v) => [like(v), like(JSON.stringify(v).slice(1, -1))]))];
}

const textArray = (list: string[]) => sql`array[${sql.join(list.map((v) => sql`${v}::text`), sql`, `)}]::text[]`;

/**
 * Erases a contact for good (HubSpot's GDPR delete): the contact and every contact merged into
 * it, their associations, and the person's data wherever the server kept a copy of it. Unlike an
 * archive, nothing is kept to restore from: restore answers RECORD_PURGED and undoing a merge into
 * it answers NOT_FOUND. What stays is that the records existed and were associated (ids, types,
 * times, actions, who changed them), without their properties or names:
 *  - records: the rows are deleted; the association history of the other side keeps its entries
 *    with the name blanked (`to_name` null, detail ERASED_DETAIL);
 *  - record_changes (the change feed): the rows stay, their properties are cleared;
 *  - import_records: the rows of these contacts are deleted (their before/after values);
 *  - uploaded import files (import_chunks) that hold a personal value, or whose import wrote one
 *    of these contacts, are deleted whole, as the retention would delete them later; refused rows
 *    (import_errors) and import failures that quote a value are deleted or blanked;
 *  - stored answers of idempotency keys that quote a value are deleted (a retry with that key
 *    then runs as a new request);
 *  - audit entries whose details quote a value or name one of these contacts lose their details.
 * Everything happens in one transaction, with an audit entry `record.erased` (ids only).
 */
export async function eraseContact(db: Db, auth: Auth, type: ObjectType, input: { objectId: string; idProperty?: string | undefined }): Promise<ErasureOutcome> {
  const ws = auth.workspaceId;
  const key = lookupKey(type, input.idProperty, input.objectId);
  const notFound = () => new ApiError('NOT_FOUND', `No contact with ${input.idProperty ?? 'id'} ${input.objectId}`, { errors: [{ message: 'contact not found', in: 'body:objectId' }] });
  if (key === null) throw notFound();
  return transaction(db, async (tx) => {
    // a merged id answers its survivor; an archived contact is erased as well as a live one
    const found = (await findRecords(tx, ws, type, [key], { idProperty: input.idProperty })).get(key) ?? (await findRecords(tx, ws, type, [key], { idProperty: input.idProperty, archived: true })).get(key);
    if (!found) throw notFound();
    const rows = parseRows(
      'erase: the contact and those merged into it',
      erasedRow,
      await tx.execute(sql`
        with recursive e(id) as (
          select ${found.id}::bigint
          union select r.id from records r join e on r.merged_into = e.id where r.workspace_id = ${ws})
        select r.id, r.archived_at is not null as archived, r.properties from records r
        where r.workspace_id = ${ws} and r.id in (select id from e) order by r.id for update`),
    );
    const ids = rows.map((r) => r.id);
    const idList = sql.join(ids.map((id) => sql`${id}::bigint`), sql`, `);

    // the associations go as on archive (history on both sides, primaries handed on), then the names are blanked
    const live = rows.filter((r) => !r.archived && r.id === found.id);
    if (live.length > 0) {
      await tx.execute(sql`update records set archived_at = now() where workspace_id = ${ws} and id = ${found.id}`);
      await recordChanged(tx, ws, 'ARCHIVED', [found.id]);
      await dropAssociationsOfArchived(tx, ws, live.map((r) => ({ id: r.id, type: type.typeId })));
    }

    const history = parseRows('erase: earlier values', valuesRow, await tx.execute(sql`
      select properties from record_changes where workspace_id = ${ws} and object_id in (${idList}) and properties is not null
      union all select before as properties from import_records where workspace_id = ${ws} and record_id in (${idList}) and before is not null
      union all select after as properties from import_records where workspace_id = ${ws} and record_id in (${idList}) and after is not null`));
    const values = personalValues([...rows.map((r) => r.properties), ...history.flatMap((h) => (h.properties ? [h.properties] : []))]);
    const likes = values.length > 0 ? textArray(patterns(values)) : null;
    const quotes = (column: SQL) => (likes ? sql`${column} ilike any(${likes})` : sql`false`);

    await tx.execute(sql`delete from associations where workspace_id = ${ws} and (from_id in (${idList}) or to_id in (${idList}))`);
    await tx.execute(sql`update association_history set to_name = null, detail = ${ERASED_DETAIL} where workspace_id = ${ws} and to_id in (${idList})`);
    await tx.execute(sql`update association_history set detail = null where workspace_id = ${ws} and from_id in (${idList}) and ${quotes(sql`detail`)}`);
    await tx.execute(sql`update record_changes set properties = null where workspace_id = ${ws} and object_id in (${idList})`);

    // imports: which files hold the person (by what they wrote, or by a value in the bytes, in any
    // case: a file may spell an email otherwise than the record); the file is read as escaped
    // text, so bytes that are not UTF-8 cannot make the statement fail
    const touched = parseRows('erase: imports that wrote the contact', importRow, await tx.execute(sql`
      select distinct import_id::text from import_records where workspace_id = ${ws} and record_id in (${idList})
      union select distinct import_id::text from import_errors where workspace_id = ${ws} and ${quotes(sql`message`)}`));
    const inFiles = values.length === 0 ? [] : parseRows('erase: import files that quote a value', importRow, await tx.execute(sql`
      select import_id::text from import_chunks where workspace_id = ${ws} group by import_id
      having exists (select 1 from unnest(${textArray(values)}) v
        where encode(string_agg(data, ''::bytea order by seq), 'escape') ilike '%' || replace(replace(replace(encode(convert_to(v, 'UTF8'), 'escape'), '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%')`));
    const imports = [...new Set([...touched, ...inFiles].map((r) => r.import_id))];
    if (imports.length > 0) {
      const importList = sql.join(imports.map((id) => sql`${id}::uuid`), sql`, `);
      await tx.execute(sql`delete from import_chunks where workspace_id = ${ws} and import_id in (${importList})`);
    }
    await tx.execute(sql`delete from import_records where workspace_id = ${ws} and record_id in (${idList})`);
    await tx.execute(sql`delete from import_errors where workspace_id = ${ws} and ${quotes(sql`message`)}`);
    await tx.execute(sql`update import_jobs set failure = ${ERASED_DETAIL} where workspace_id = ${ws} and ${quotes(sql`failure`)}`);
    await tx.execute(sql`update import_jobs set file_name = null where workspace_id = ${ws} and ${quotes(sql`file_name`)}`);
    // HubSpot's imports API keeps the import's name and request (file name, column names) as sent
    await tx.execute(sql`update import_jobs set name = null where workspace_id = ${ws} and ${quotes(sql`name`)}`);
    await tx.execute(sql`update import_jobs set request = null where workspace_id = ${ws} and ${quotes(sql`request::text`)}`);

    await tx.execute(sql`delete from idempotency_keys where workspace_id = ${ws} and ${quotes(sql`body`)}`);
    await tx.execute(sql`
      update audit_log set details = '{}'::jsonb
      where workspace_id = ${ws} and (${quotes(sql`details::text`)} or (target_id in (${sql.join(ids.map((id) => sql`${String(id)}`), sql`, `)}) and target_type in ('contacts', ${CONTACT})))`);

    await tx.execute(sql`delete from records where workspace_id = ${ws} and id in (${idList})`);
    // who erased whom (by id only), in the audit like other irreversible admin actions
    await recordAudit(tx, auth, { action: 'record.erased', targetType: 'contacts', targetId: found.id, details: { erasedIds: ids.map(String) } });
    return { erasedIds: ids, importFilesDeleted: imports.length };
  });
}
