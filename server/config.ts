import { z } from 'zod';
import { planSchema } from '../shared/plans.ts';

/**
 * The server's settings, read from the environment once at start. Every variable is optional; an
 * empty value counts as unset.
 */
const PORT_RULE = 'must be a port number from 0 to 65535 (0 picks a free port)';

const envSchema = z.object({
  PORT: z
    .string()
    .regex(/^\d{1,5}$/, PORT_RULE)
    .transform(Number)
    .refine((port) => port <= 65_535, PORT_RULE)
    .default(8787),
  HOST: z.string().min(1).default('127.0.0.1'),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: z
    .url({ protocol: /^postgres(ql)?$/, error: 'must be a postgres:// or postgresql:// URL' })
    .optional(),
  CRM_ADMIN_TOKEN: z
    .string()
    .regex(/^\S{20,200}$/, 'must be 20 to 200 characters without spaces')
    .optional(),
  CRM_PLAN: planSchema.default('enterprise'),
  CRM_PGLITE_DURABILITY: z.enum(['fsync', 'relaxed']).default('fsync'),
  CRM_IMPORT_FILE_RETENTION_DAYS: z
    .string()
    .regex(/^\d{1,5}$/, 'must be a whole number of days (0 deletes a file as soon as its import ends)')
    .transform(Number)
    .default(30),
});

export type EnvName = keyof typeof envSchema.shape;
export const ENV_NAMES = Object.keys(envSchema.shape) as EnvName[];
/** Never echoed back in an error message. */
const SECRET = new Set<EnvName>(['DATABASE_URL', 'CRM_ADMIN_TOKEN']);

export interface Config {
  port: number;
  host: string;
  /** PGlite data directory (unused when `databaseUrl` is set). */
  dataDir: string;
  /** PostgreSQL instead of PGlite. */
  databaseUrl?: string;
  /** First start only: the instance owner's token instead of a generated one. */
  adminToken?: string;
  /** First start only: the plan of the first workspace. */
  plan: z.infer<typeof planSchema>;
  /** PGlite only: `relaxed` turns fsync off (the operator's explicit opt-out). */
  durability: 'fsync' | 'relaxed';
  /** How long an uploaded import file is kept after its import ends (days; server/domain/imports/retention.ts). */
  importFileRetentionDays: number;
}

/** A bad environment: the message names every offending variable. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const raw: Partial<Record<EnvName, string>> = {};
  for (const name of ENV_NAMES) {
    const value = env[name]?.trim();
    if (value) raw[name] = value;
  }
  const parsed = envSchema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => {
      const name = String(issue.path[0]) as EnvName;
      const shown = SECRET.has(name) ? '' : `=${JSON.stringify(raw[name] ?? '')}`;
      return `  ${name}${shown}: ${issue.message}`;
    });
    throw new ConfigError(`Invalid environment:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: e.DATA_DIR,
    ...(e.DATABASE_URL ? { databaseUrl: e.DATABASE_URL } : {}),
    ...(e.CRM_ADMIN_TOKEN ? { adminToken: e.CRM_ADMIN_TOKEN } : {}),
    plan: e.CRM_PLAN,
    durability: e.CRM_PGLITE_DURABILITY,
    importFileRetentionDays: e.CRM_IMPORT_FILE_RETENTION_DAYS,
  };
}

/** `loadConfig`, or the message and exit code 2: for the command-line entries. */
export function loadConfigOrExit(env: Record<string, string | undefined> = process.env): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
}
