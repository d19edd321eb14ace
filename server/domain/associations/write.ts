import { sql } from 'drizzle-orm';
import type { AssociationTypeDef } from '../../../shared/association-types.ts';
import type { Plan } from '../../../shared/plans.ts';
import type { Tx } from '../../db/client.ts';
import type { Actor } from '../../env.ts';

/** What every write needs to know about who writes where. */
export interface WriteContext {
  workspaceId: string;
  plan: Plan;
  actor: Actor;
  /** The workspace's settings, when the caller holds them already (they are not read again). */
  settings?: Record<string, unknown>;
}

/** One directed, typed edge: a row of the associations table. */
export interface Edge {
  fromId: number;
  fromType: string;
  toId: number;
  toType: string;
  typeId: number;
}

export type Action = 'CREATED' | 'DELETED' | 'LABEL_ADDED' | 'LABEL_REMOVED' | 'PRIMARY_SET' | 'PRIMARY_UNSET';

export interface HistoryRow extends Edge {
  action: Action;
  toName: string | null;
  label: string | null;
  detail?: string;
}

/** The history action of adding or removing one type: the unlabeled type is the association itself. */
export function actionOf(t: AssociationTypeDef, adding: boolean): Action {
  if (t.label === null) return adding ? 'CREATED' : 'DELETED';
  if (t.primary) return adding ? 'PRIMARY_SET' : 'PRIMARY_UNSET';
  return adding ? 'LABEL_ADDED' : 'LABEL_REMOVED';
}

/**
 * Removes and adds edges and writes their history, all in one statement. Callers pass both
 * directions of every change, so no half edge is ever written (R2).
 */
export async function writeEdges(tx: Tx, ctx: WriteContext, removes: Edge[], adds: Edge[], history: HistoryRow[]): Promise<void> {
  if (removes.length === 0 && adds.length === 0 && history.length === 0) return;
  const a = ctx.actor;
  const userId = a.source === 'USER' ? a.userId : null;
  const userName = a.source === 'USER' ? a.userName : null;
  const sourceId = a.source === 'USER' ? null : (a.sourceId ?? null);
  const edgeJson = (e: Edge) => ({ from_id: e.fromId, from_type: e.fromType, to_id: e.toId, to_type: e.toType, type_id: e.typeId });
  const historyJson = history.map((h) => ({ ...edgeJson(h), action: h.action, to_name: h.toName, label: h.label, detail: h.detail ?? null }));
  await tx.execute(sql`select crm_write_edges(${ctx.workspaceId}::uuid, ${JSON.stringify(removes.map(edgeJson))}::json, ${JSON.stringify(adds.map(edgeJson))}::json,
    ${JSON.stringify(historyJson)}::json, ${a.source}::text, ${userId}::bigint, ${userName}::text, ${sourceId}::text)`);
}
