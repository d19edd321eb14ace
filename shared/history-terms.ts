/**
 * The association history's machine names without their schemas (shared/history.ts builds those
 * from these lists): for code that must run before zod is loaded, such as the app page's first
 * reads (extension/app/early-reads.ts).
 */

/** Who made a change (R21). Machine names: a contract, outside tools read them. */
export const HISTORY_SOURCES = ['USER', 'OBJECT_DELETION', 'OBJECT_MERGE', 'OBJECT_RESTORE', 'IMPORT', 'AUTO_DOMAIN', 'API', 'JOB', 'MIGRATION', 'UNKNOWN'] as const;
export type HistorySource = (typeof HISTORY_SOURCES)[number];

/** What a change did to an association (R20). Machine names: a contract. */
export const HISTORY_ACTIONS = ['CREATED', 'DELETED', 'LABEL_ADDED', 'LABEL_REMOVED', 'PRIMARY_SET', 'PRIMARY_UNSET'] as const;
export type HistoryAction = (typeof HISTORY_ACTIONS)[number];

/** The pseudo type that stands for every activity type in a `toObjectType` filter. */
export const ACTIVITIES = 'activities';

export const isHistorySource = (value: unknown): value is HistorySource => (HISTORY_SOURCES as readonly unknown[]).includes(value);
export const isHistoryAction = (value: unknown): value is HistoryAction => (HISTORY_ACTIONS as readonly unknown[]).includes(value);
