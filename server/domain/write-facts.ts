import type { DbOrTx } from '../db/client.ts';
import type { ObjectType } from './object-types.ts';
import { ownerIds } from './owners.ts';
import { stageIndexForWrite } from './pipelines.ts';
import type { WriteFacts } from './record-properties.ts';

/** Whether records of the type have a property naming an owner (HubSpot's `hubspot_owner_id`). */
const hasOwnerProperty = (type: ObjectType) => [...type.properties.values()].some((p) => p.referencedObjectType === 'OWNER');

/**
 * What checkComplete checks a write against besides the record itself, read once per request
 * (single write, batch or import batch): the workspace's pipelines and stages when a type has them,
 * and its owners when a type has an owner property.
 */
export async function loadWriteFacts(db: DbOrTx, workspaceId: string, ...types: Array<ObjectType | undefined>): Promise<WriteFacts> {
  const present = types.filter((t): t is ObjectType => t !== undefined);
  const [stages, owners] = await Promise.all([
    stageIndexForWrite(db, workspaceId, ...present.map((t) => t.typeId)),
    present.some(hasOwnerProperty) ? ownerIds(db, workspaceId) : Promise.resolve(null),
  ]);
  return { stages, owners };
}
