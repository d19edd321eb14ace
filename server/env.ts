import type { Plan } from '../shared/plans.ts';
import type { AppScope } from '../shared/scopes.ts';
import type { Db } from './db/client.ts';

export type Principal =
  | { kind: 'user'; userId: number; userName: string; role: 'admin' | 'rep'; instanceOwner: boolean; tokenId: number }
  | { kind: 'app'; tokenId: number; name: string; scopes: AppScope[] };

export interface Auth {
  workspaceId: string;
  plan: Plan;
  settings: Record<string, unknown>;
  principal: Principal;
}

/** Who made a change, as association history records it (R21). */
export type Actor =
  | { source: 'USER'; userId: number; userName: string }
  | { source: 'API' | 'OBJECT_DELETION' | 'OBJECT_MERGE' | 'OBJECT_RESTORE' | 'AUTO_DOMAIN' | 'JOB' | 'MIGRATION' | 'UNKNOWN'; sourceId?: string }
  | { source: 'IMPORT'; sourceId: string };

export function actorOf(auth: Auth): Actor {
  return auth.principal.kind === 'user'
    ? { source: 'USER', userId: auth.principal.userId, userName: auth.principal.userName }
    : { source: 'API', sourceId: String(auth.principal.tokenId) };
}

/** Hono environment of every route. */
export interface AppEnv {
  Variables: { db: Db; auth: Auth };
}
