import { type SQL, sql } from 'drizzle-orm';
import { CLOSED, CLOSED_FLAG, type DEAL, type TICKET } from '../../../shared/objects.ts';

/** A text constant as a SQL literal (the values are the code's own, not input). */
function literal(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * True when the deal or ticket under `alias` (a row of records) is open: shared/objects.ts's
 * isOpen in SQL, from the same CLOSED, for statements that pick open records themselves (the
 * companion's open lists, recommendations). The values are literals, so a statement's cached
 * plan is the same for every workspace.
 */
export function openSql(typeId: typeof DEAL | typeof TICKET, alias: string): SQL {
  const closed = CLOSED[typeId];
  const p = `${alias}.properties`;
  return sql.raw(`(coalesce(${p}->>${literal(CLOSED_FLAG)}, '') <> 'true' and coalesce(${p}->>${literal(closed.property)}, '') not in (${closed.values.map(literal).join(', ')}))`);
}
