import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { hubspotDefaultType, hubspotPrimaryType } from '../../../shared/association-types.ts';
import type { ActivityReason, AssociationRefusal } from '../../../shared/lifecycle.ts';
import { COMPANY, DEAL, EMAIL, TICKET } from '../../../shared/objects.ts';

/** HubSpot's message id of a logged email: unique per workspace (B8). */
export const MESSAGE_ID = 'hs_email_message_id';
import { isOpen } from '../../../shared/pipelines.ts';
import type { PropertiesInput } from '../../../shared/records.ts';
import type { WorkspaceSettings } from '../../../shared/workspace.ts';
import type { Db, Tx } from '../../db/client.ts';
import { col, parseRows } from '../../db/rows.ts';
import type { Actor } from '../../env.ts';
import { ApiError } from '../../errors.ts';
import { associate } from '../associations/rules.ts';
import type { WriteContext } from '../associations/write.ts';
import { addressOfRecord, assertMayLog, emailAddressesOf } from '../never-log.ts';
import type { ObjectType } from '../object-types.ts';
import { closedStageIds, loadStageIndex } from '../pipelines.ts';
import { createRecord } from '../record-writes.ts';
import { getRecord, lockValues, type RecordRow, uniqueValueOwners } from '../records.ts';
import { typeName } from './reassociate.ts';

export interface LoggedAssociation {
  toObjectType: string;
  toObjectId: number;
  reason: ActivityReason;
  source: Actor['source'];
}

export interface ActivityOutcome {
  activity: RecordRow;
  /** True when the email's message was logged already: `activity` is that email, nothing was written. */
  existing: boolean;
  associations: LoggedAssociation[];
  associationsRefused: AssociationRefusal[];
}

/** A deal or ticket of the record, newest first. */
interface Linked {
  id: number;
  properties: Record<string, string | null>;
}

const relatedRow = z.object({ to_id: col.id, to_type: col.text, type_id: col.id, properties: col.properties });

/** The records a logging goes to besides the one it was logged on: primary company (R10) and rule targets (B5). */
async function relatedOf(tx: Tx, workspaceId: string, record: RecordRow): Promise<{ primaryCompany: number | null; deals: Linked[]; tickets: Linked[] }> {
  const primary = hubspotPrimaryType(record.typeId, COMPANY);
  // rules follow the standard pairs (a custom record's deals are not looked up)
  const dealType = record.typeId === DEAL ? undefined : hubspotDefaultType(record.typeId, DEAL);
  const ticketType = record.typeId === TICKET ? undefined : hubspotDefaultType(record.typeId, TICKET);
  const typeIds = [primary?.typeId, dealType?.typeId, ticketType?.typeId].filter((id): id is number => id !== undefined);
  if (typeIds.length === 0) return { primaryCompany: null, deals: [], tickets: [] };
  const rows = parseRows(
    'activities: primary company, deals and tickets of a record',
    relatedRow,
    await tx.execute(sql`
      select a.to_id, a.to_type, a.type_id, r.properties from associations a
      join records r on r.workspace_id = a.workspace_id and r.id = a.to_id
      where a.workspace_id = ${workspaceId} and a.from_id = ${record.id} and a.type_id in (${sql.join(typeIds.map((id) => sql`${id}::int`), sql`, `)})
        and a.to_type in (${COMPANY}, ${DEAL}, ${TICKET})
      order by r.created_at desc, a.to_id desc`),
  );
  const linked = (r: (typeof rows)[number]) => ({ id: r.to_id, properties: r.properties });
  return {
    primaryCompany: rows.find((r) => primary && r.to_type === COMPANY && r.type_id === primary.typeId)?.to_id ?? null,
    deals: rows.filter((r) => r.to_type === DEAL && r.type_id === dealType?.typeId).map(linked),
    tickets: rows.filter((r) => r.to_type === TICKET && r.type_id === ticketType?.typeId).map(linked),
  };
}

/**
 * Logs an activity (email, call, meeting, note, task: R3) on a record: the activity is created and
 * associated with that record and with only that record's primary company, not its other
 * companies (R10), both as the caller's change (source User or API): the automatic company is part
 * of the caller's action. Workspace rules then add the record's open deals, or its newest open
 * deal, and its open tickets (B5), each recorded with source Job; a rule that cannot apply (a limit)
 * is reported and the activity stays logged. An email the workspace's never-log list covers (B8)
 * is refused before anything is written. Other companies can be associated by hand (v4 API).
 * An email with `hs_email_message_id` is logged once per workspace (B8): logging a message again
 * answers the email logged first (`existing`) and writes nothing. A rep's activity is owned by
 * that rep unless `hubspot_owner_id` is given.
 */
export async function logActivity(
  db: Db,
  ctx: WriteContext,
  settings: WorkspaceSettings,
  on: { type: ObjectType; id: string },
  activityType: ObjectType,
  properties: PropertiesInput,
): Promise<ActivityOutcome> {
  if (on.type.activity) {
    throw new ApiError('VALIDATION_ERROR', `Activities are logged on records, not on ${on.type.name}`, { errors: [{ message: 'not a record type for activities', in: 'path:objectType' }] });
  }
  return db.transaction(async (tx) => {
    const record = await getRecord(tx, ctx.workspaceId, on.type, on.id);
    // B8: the workspace's never-log list, before anything is written
    if (activityType.typeId === EMAIL) {
      assertMayLog(settings, [addressOfRecord(record.typeId, record.properties)], 'path:id');
      assertMayLog(settings, emailAddressesOf(Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, v === null || v === undefined ? null : String(v)]))), 'body:properties');
    }
    const messageId = activityType.typeId === EMAIL ? properties[MESSAGE_ID] : undefined;
    if (typeof messageId === 'string' && messageId !== '') {
      // one logged email per message in a workspace: the lock makes a concurrent second logging wait
      // for the first and then find its email (the unique-value check would refuse it otherwise)
      await lockValues(tx, ctx.workspaceId, EMAIL, [{ property: MESSAGE_ID, value: messageId }]);
      const owner = (await uniqueValueOwners(tx, ctx.workspaceId, activityType, MESSAGE_ID, [messageId])).get(messageId);
      if (owner !== undefined) return { activity: await getRecord(tx, ctx.workspaceId, activityType, owner), existing: true, associations: [], associationsRefused: [] };
    }
    // the rep who logs it owns it, as in HubSpot, unless the caller names an owner
    const owner: PropertiesInput = ctx.actor.source === 'USER' && !('hubspot_owner_id' in properties) ? { hubspot_owner_id: String(ctx.actor.userId) } : {};
    const activity = await createRecord(tx, ctx, activityType, { properties: { hs_timestamp: new Date().toISOString(), ...owner, ...properties } });
    const associations: LoggedAssociation[] = [];
    const associationsRefused: AssociationRefusal[] = [];
    const link = async (on: Tx, writer: WriteContext, toType: string, toId: number, reason: ActivityReason) => {
      await associate(on, writer, { fromType: activityType.typeId, fromId: activity.id, toType, toId, typeIds: [] });
      associations.push({ toObjectType: await typeName(tx, ctx.workspaceId, toType), toObjectId: toId, reason, source: writer.actor.source });
    };
    await link(tx, ctx, record.typeId, record.id, 'logged_on');
    const related = await relatedOf(tx, ctx.workspaceId, record);
    if (related.primaryCompany !== null) await link(tx, ctx, COMPANY, related.primaryCompany, 'primary_company');

    // B5: rule-based extras, each in its own savepoint: a refusal leaves the logging in place
    const rules: Array<{ toType: string; toId: number; reason: ActivityReason; rule: string }> = [];
    const dealRule = (settings.activityAutoAssociate === 'open_deals' || settings.activityAutoAssociate === 'newest_open_deal') && related.deals.length > 0;
    const ticketRule = settings.activityAutoAssociateTickets === true && related.tickets.length > 0;
    // the workspace's closed stages, read once, only when a rule has records to look at
    const stages = dealRule || ticketRule ? await loadStageIndex(tx, ctx.workspaceId) : null;
    if (stages && dealRule) {
      const closed = closedStageIds(stages, DEAL);
      const openDeals = related.deals.filter((d) => isOpen(DEAL, d.properties, closed));
      if (settings.activityAutoAssociate === 'open_deals') for (const d of openDeals) rules.push({ toType: DEAL, toId: d.id, reason: 'open_deal', rule: 'activityAutoAssociate=open_deals' });
      if (settings.activityAutoAssociate === 'newest_open_deal' && openDeals[0]) rules.push({ toType: DEAL, toId: openDeals[0].id, reason: 'newest_open_deal', rule: 'activityAutoAssociate=newest_open_deal' });
    }
    if (stages && ticketRule) {
      const closed = closedStageIds(stages, TICKET);
      for (const t of related.tickets.filter((x) => isOpen(TICKET, x.properties, closed))) rules.push({ toType: TICKET, toId: t.id, reason: 'open_ticket', rule: 'activityAutoAssociateTickets' });
    }
    for (const r of rules) {
      const job: WriteContext = { ...ctx, actor: { source: 'JOB', sourceId: r.rule } };
      try {
        await tx.transaction((sp) => link(sp as Tx, job, r.toType, r.toId, r.reason));
      } catch (err) {
        if (!(err instanceof ApiError)) throw err;
        associationsRefused.push({ toObjectType: await typeName(tx, ctx.workspaceId, r.toType), toObjectId: r.toId, code: err.code, message: err.message });
      }
    }
    return { activity, existing: false, associations, associationsRefused };
  });
}
