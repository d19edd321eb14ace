import { pgSequence } from 'drizzle-orm/pg-core';

/** One id space for records of every workspace: ids never collide across tenants. */
export const recordIds = pgSequence('record_ids', { startWith: 1001 });
/** Ids for users and tokens. */
export const principalIds = pgSequence('principal_ids', { startWith: 1 });
/** Ids of user- and integrator-defined association types, far above HubSpot's own. */
export const associationTypeIds = pgSequence('association_type_ids', { startWith: 100001 });
/** Custom object type numbers (`2-<n>`). */
export const objectTypeNumbers = pgSequence('object_type_numbers', { startWith: 1001 });
/** Ids of the pipelines and stages a workspace creates (HubSpot's own defaults keep theirs: `default`, `0`, `appointmentscheduled`, `1`...). */
export const pipelineIds = pgSequence('pipeline_ids', { startWith: 1001 });
/** History entries, in the order they were written. */
export const historyIds = pgSequence('history_ids', { startWith: 1 });
/** One key per writing transaction, for the change feed (see change-commits.ts). */
export const changeTxKeys = pgSequence('change_tx_keys', { startWith: 1 });
/** Commit positions of the change feed, drawn as a transaction commits (see change-commits.ts). */
export const changeSeqs = pgSequence('change_seqs', { startWith: 1 });
/** Numbers of imports, as HubSpot's imports API names them (`/crm/v3/imports/{importId}` takes an integer). */
export const importNumbers = pgSequence('import_numbers', { startWith: 1 });
