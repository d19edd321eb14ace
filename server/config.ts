import { z } from 'zod';
import { planSchema } from '../shared/plans.ts';

/**
 * The server's settings, read from the environment once at start. Every variable is optional; an
 * empty value counts as unset.
 */
const PORT_RULE = 'must be a port number from 0 to 65535 (0 picks a free port)';

/** What a secret given by the operator must at least be: long enough and not a repeated pattern. */
interface StrengthRule {
  min: number;
  max: number;
  distinct: number;
}
const ADMIN_TOKEN_RULE: StrengthRule = { min: 24, max: 200, distinct: 10 };
const SECRET_RULE: StrengthRule = { min: 32, max: 1000, distinct: 16 };

/** Why a secret is weak (said without echoing it), or null. */
export function weakness(value: string, rule: StrengthRule): string | null {
  if (value.length < rule.min || value.length > rule.max) return `is weak or malformed: must be ${rule.min} to ${rule.max} characters (has ${value.length})`;
  const distinct = new Set(value).size;
  if (distinct < rule.distinct) return `is weak: must have at least ${rule.distinct} distinct characters (has ${distinct}); generate one, e.g. \`openssl rand -base64 32\``;
  return null;
}

function refuseWeak(rule: StrengthRule) {
  return (value: string, ctx: z.RefinementCtx) => {
    const why = weakness(value, rule);
    if (why) ctx.addIssue({ code: 'custom', message: why });
  };
}

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
    .regex(/^\S*$/, 'must have no spaces')
    .superRefine(refuseWeak(ADMIN_TOKEN_RULE))
    .optional(),
  CRM_SECRET: z.string().superRefine(refuseWeak(SECRET_RULE)).optional(),
  CRM_PLAN: planSchema.default('enterprise'),
  CRM_PGLITE_DURABILITY: z.enum(['fsync', 'relaxed']).default('fsync'),
});

export type EnvName = keyof typeof envSchema.shape;
export const ENV_NAMES = Object.keys(envSchema.shape) as EnvName[];
/** Never echoed back in an error message. */
const SECRET = new Set<EnvName>(['DATABASE_URL', 'CRM_ADMIN_TOKEN', 'CRM_SECRET']);

export interface Config {
  port: number;
  host: string;
  /** PGlite data directory (unused when `databaseUrl` is set). */
  dataDir: string;
  /** PostgreSQL instead of PGlite. */
  databaseUrl?: string;
  /** First start only: the instance owner's token instead of a generated one. */
  adminToken?: string;
  /** The key of stored token hashes; without it, the key file in `dataDir` (server/secret.ts). */
  secret?: string;
  /** First start only: the plan of the first workspace. */
  plan: z.infer<typeof planSchema>;
  /** PGlite only: `relaxed` turns fsync off (the operator's explicit opt-out). */
  durability: 'fsync' | 'relaxed';
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
    ...(e.CRM_SECRET ? { secret: e.CRM_SECRET } : {}),
    plan: e.CRM_PLAN,
    durability: e.CRM_PGLITE_DURABILITY,
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
