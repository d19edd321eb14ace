import { count, eq } from 'drizzle-orm';
import type { Plan } from '../../shared/plans.ts';
import type { WorkspaceSettings } from '../../shared/workspace.ts';
import type { Db, DbOrTx } from '../db/client.ts';
import { users, workspaces } from '../db/schema/index.ts';
import { ApiError } from '../errors.ts';
import { seedDefaultPipelines } from './pipelines.ts';
import { seedStandardProperties } from './properties/definitions.ts';
import { issueToken } from './tokens.ts';

export interface WorkspaceView {
  id: string;
  name: string;
  plan: Plan;
  settings: WorkspaceSettings;
  createdAt: string;
}

function view(row: typeof workspaces.$inferSelect): WorkspaceView {
  return { id: row.workspaceId, name: row.name, plan: row.plan, settings: row.settings as WorkspaceSettings, createdAt: row.createdAt.toISOString() };
}

/** A workspace with its first admin, that admin's token, HubSpot's default pipelines and standard properties, in one transaction. */
export async function createWorkspace(
  db: DbOrTx,
  params: { name: string; plan: Plan; adminName?: string; adminEmail?: string; instanceOwner?: boolean; adminToken?: string },
): Promise<WorkspaceView & { adminUserId: number; adminToken: string }> {
  return db.transaction(async (tx) => {
    const [ws] = await tx.insert(workspaces).values({ name: params.name, plan: params.plan }).returning();
    const [admin] = await tx
      .insert(users)
      .values({
        workspaceId: ws!.workspaceId,
        name: params.adminName ?? 'Admin',
        email: params.adminEmail ?? 'admin@localhost',
        role: 'admin',
        instanceOwner: params.instanceOwner ?? false,
      })
      .returning({ id: users.id });
    const { token } = await issueToken(tx, { workspaceId: ws!.workspaceId, kind: 'user', userId: admin!.id, name: 'admin', ...(params.adminToken ? { token: params.adminToken } : {}) });
    await seedDefaultPipelines(tx, ws!.workspaceId);
    await seedStandardProperties(tx, ws!.workspaceId);
    return { ...view(ws!), adminUserId: admin!.id, adminToken: token };
  });
}

export async function getWorkspace(db: DbOrTx, workspaceId: string): Promise<WorkspaceView> {
  const [row] = await db.select().from(workspaces).where(eq(workspaces.workspaceId, workspaceId));
  if (!row) throw new ApiError('NOT_FOUND', 'Workspace not found');
  return view(row);
}

export async function updateWorkspace(
  db: DbOrTx,
  workspaceId: string,
  patch: { name?: string | undefined; plan?: Plan | undefined; settings?: WorkspaceSettings | undefined },
): Promise<WorkspaceView> {
  const current = await getWorkspace(db, workspaceId);
  const [row] = await db
    .update(workspaces)
    .set({
      ...(patch.name ? { name: patch.name } : {}),
      ...(patch.plan ? { plan: patch.plan } : {}),
      ...(patch.settings ? { settings: { ...current.settings, ...patch.settings } } : {}),
    })
    .where(eq(workspaces.workspaceId, workspaceId))
    .returning();
  return view(row!);
}

/**
 * First start: create the first workspace and its owner. Returns the owner's token when it was
 * generated here (to print once), or null when the instance was already set up.
 */
export async function bootstrapInstance(db: Db, params: { plan: Plan; adminToken?: string }): Promise<{ workspaceId: string; token: string; generated: boolean } | null> {
  const [existing] = await db.select({ n: count() }).from(workspaces);
  if ((existing?.n ?? 0) > 0) return null;
  const ws = await createWorkspace(db, {
    name: 'My workspace',
    plan: params.plan,
    adminName: 'Owner',
    adminEmail: 'owner@localhost',
    instanceOwner: true,
    ...(params.adminToken ? { adminToken: params.adminToken } : {}),
  });
  return { workspaceId: ws.id, token: ws.adminToken, generated: !params.adminToken };
}

export async function createUser(
  db: DbOrTx,
  workspaceId: string,
  params: { name: string; email: string; role: 'admin' | 'rep' },
): Promise<{ id: number; token: string }> {
  return db.transaction(async (tx) => {
    const [user] = await tx
      .insert(users)
      .values({ workspaceId, name: params.name, email: params.email, role: params.role })
      .onConflictDoNothing()
      .returning({ id: users.id });
    if (!user) throw new ApiError('CONFLICT', `A user with email ${params.email} already exists in this workspace`, { errors: [{ message: 'duplicate email', in: 'body:email' }] });
    const { token } = await issueToken(tx, { workspaceId, kind: 'user', userId: user.id, name: params.name });
    return { id: user.id, token };
  });
}
