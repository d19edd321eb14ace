import { type SQL, sql } from 'drizzle-orm';
import { CLOSED_FLAG, PIPELINE_OBJECTS, type PipelineObjectType } from '../../../shared/pipelines.ts';
import { closedStagesSql } from '../pipelines.ts';

/**
 * True when the deal or ticket under `alias` (a row of records) is open: shared/pipelines.ts's
 * isOpen in SQL, for statements that pick open records themselves (the companion's open lists,
 * recommendations). The workspace's closed stages are one uncorrelated subquery on the pipeline
 * tables: the planner hashes it once per statement, not once per record.
 */
export function openSql(workspaceId: string, typeId: PipelineObjectType, alias: string): SQL {
  const p = `${alias}.properties`;
  const flag = sql.raw(`coalesce(${p}->>'${CLOSED_FLAG}', '')`);
  const stage = sql.raw(`coalesce(${p}->>'${PIPELINE_OBJECTS[typeId].stageProperty}', '')`);
  return sql`(${flag} <> 'true' and ${stage} not in (${closedStagesSql(workspaceId, typeId)}))`;
}
