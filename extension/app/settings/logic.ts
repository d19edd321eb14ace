import { LIMITS } from '../../../shared/plans.ts';

/** The object types whose pairs the settings manage, by their API names. */
export const SETTINGS_OBJECTS = ['contacts', 'companies', 'deals', 'tickets'] as const;
export type SettingsObject = (typeof SETTINGS_OBJECTS)[number];

/** Every direction between two different standard objects: labels are paired, limits are per direction. */
export const PAIRS: ReadonlyArray<{ from: SettingsObject; to: SettingsObject }> = SETTINGS_OBJECTS.flatMap((from) => SETTINGS_OBJECTS.filter((to) => to !== from).map((to) => ({ from, to })));

/** A label's internal name (HubSpot's `name`: letters, digits, spaces, dashes, underscores) from what the admin typed. */
export function internalNameOf(label: string, now = Date.now()): string {
  const name = label
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9_ -]/g, '')
    .trim()
    .replace(/\s+/g, '_')
    .toLowerCase()
    .slice(0, 100);
  return name || `label_${now}`;
}

/**
 * A limit as typed: '' is "no own limit" (null), a whole number from 1 to 10,000 is a limit, and
 * anything else is refused with the reason.
 */
export function limitOf(text: string): { ok: true; value: number | null } | { ok: false } {
  const v = text.trim();
  if (v === '') return { ok: true, value: null };
  if (!/^\d+$/.test(v)) return { ok: false };
  const n = Number(v);
  return n >= LIMITS.maxToObjectIdsMin && n <= LIMITS.maxToObjectIdsMax ? { ok: true, value: n } : { ok: false };
}
