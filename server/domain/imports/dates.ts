import type { ObjectType } from '../object-types.ts';

/** The order of day, month and year in an import's dates (HubSpot's `dateFormat`). */
export type DateOrder = 'MONTH_DAY_YEAR' | 'DAY_MONTH_YEAR' | 'YEAR_MONTH_DAY';

/** Whether a property holds dates: what its definition says (property_definitions, of every type). */
export function isDateProperty(type: ObjectType, name: string): boolean {
  const def = type.properties.get(name);
  return def?.type === 'date' || def?.type === 'datetime';
}

const DATE = /^(\d{1,4})[/.-](\d{1,2})[/.-](\d{1,4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;

/**
 * A date written in `order` (`25/12/2024`, `12-25-2024 09:30`, `2024.12.25`) as ISO 8601
 * (`2024-12-25`, `2024-12-25T09:30:00`). Anything else (ISO already, epoch milliseconds, a two-digit
 * year, a day the month does not have) comes back unchanged, for the property's own check to judge.
 */
export function isoDate(value: string, order: DateOrder): string {
  const m = DATE.exec(value.trim());
  if (!m) return value;
  const [a, b, c] = [m[1]!, m[2]!, m[3]!];
  const [y, mo, d] = order === 'YEAR_MONTH_DAY' ? [a, b, c] : order === 'DAY_MONTH_YEAR' ? [c, b, a] : [c, a, b];
  if (y.length !== 4) return value;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const at = new Date(Date.UTC(year, month - 1, day));
  if (month < 1 || month > 12 || at.getUTCFullYear() !== year || at.getUTCMonth() !== month - 1 || at.getUTCDate() !== day) return value;
  const pad = (n: number | string, w = 2) => String(n).padStart(w, '0');
  const date = `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
  if (m[4] === undefined) return date;
  const hours = Number(m[4]);
  if (hours > 23 || Number(m[5]) > 59 || Number(m[6] ?? 0) > 59) return value;
  return `${date}T${pad(hours)}:${m[5]}:${pad(m[6] ?? 0)}`;
}
