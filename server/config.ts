import { z } from 'zod';
import { planSchema } from '../shared/plans.ts';
import { DEFAULT_MAX_BODY_BYTES } from './middleware/body-limit.ts';
import { DEFAULT_EXTENSION_ORIGINS, extensionOrigin } from './middleware/cors.ts';
import { RATE_LIMIT_DEFAULTS } from './middleware/rate-limit.ts';

/**
 * The server's settings, read from the environment once at start. Every variable is optional; an
 * empty value counts as unset.
 */
const PORT_RULE = 'must be a port number from 0 to 65535 (0 picks a free port)';

/** A whole number from `min` to `max`, given as digits. */
const count = (min: number, max: number, fallback: number) =>
  z
    .string()
    .regex(/^\d{1,12}$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .refine((n) => n >= min && n <= max, `must be a whole number from ${min} to ${max}`)
    .default(fallback);

/** A comma-separated list; empty items are dropped. */
const list = z.string().transform((s) => s.split(',').map((item) => item.trim()).filter(Boolean));

/** The server's connection limits (server/index.ts), each overridable by its variable. */
export const CONNECTION_DEFAULTS = {
  /** A client has this long to send its request's headers (Node's default: 60 s). */
  headersTimeoutMs: 10_000,
  /** ... and this long for the whole request, body included (Node's default: 300 s); a 512 MiB CSV upload needs 4.5 MB/s. */
  requestTimeoutMs: 120_000,
  /** How long an idle keep-alive connection stays open. */
  keepAliveTimeoutMs: 5_000,
  /** Open connections at most; past it new ones are closed at once. Each open change stream holds one. */
  maxConnections: 1_000,
} as const;

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
  CRM_RATE_LIMIT_APP: count(0, 1_000_000, RATE_LIMIT_DEFAULTS.app),
  CRM_RATE_LIMIT_USER: count(0, 1_000_000, RATE_LIMIT_DEFAULTS.user),
  CRM_RATE_LIMIT_WINDOW_SECONDS: count(1, 3_600, RATE_LIMIT_DEFAULTS.windowSeconds),
  CRM_MAX_BODY_BYTES: count(1_024, 1_073_741_824, DEFAULT_MAX_BODY_BYTES),
  CRM_EXTENSION_IDS: list
    .pipe(z.array(z.string().refine((id) => extensionOrigin(id) !== null, 'each must be a Chrome extension id (32 letters a-p), a Firefox internal uuid, or a chrome-extension:// or moz-extension:// origin')))
    .transform((ids) => ids.map((id) => extensionOrigin(id)!))
    .optional(),
  CRM_ALLOWED_HOSTS: list.pipe(z.array(z.string().regex(/^[a-z0-9.-]+(:\d{1,5})?$|^\[[0-9a-f:.]+\](:\d{1,5})?$/i, 'each must be a host name or address, with an optional :port'))).optional(),
  CRM_HEADERS_TIMEOUT_MS: count(1_000, 3_600_000, CONNECTION_DEFAULTS.headersTimeoutMs),
  CRM_REQUEST_TIMEOUT_MS: count(1_000, 86_400_000, CONNECTION_DEFAULTS.requestTimeoutMs),
  CRM_KEEP_ALIVE_TIMEOUT_MS: count(100, 3_600_000, CONNECTION_DEFAULTS.keepAliveTimeoutMs),
  CRM_MAX_CONNECTIONS: count(10, 1_000_000, CONNECTION_DEFAULTS.maxConnections),
  CRM_IMPORT_FILE_RETENTION_DAYS: z
    .string()
    .regex(/^\d{1,5}$/, 'must be a whole number of days (0 deletes a file as soon as its import ends)')
    .transform(Number)
    .default(30),
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
  /** Requests per window per token: app tokens, users' tokens (never the instance owner); 0 is off. */
  rateLimits: { app: number; user: number; windowSeconds: number };
  /** The largest request body of every route but the CSV upload. */
  maxBodyBytes: number;
  /** The browser-extension origins that get CORS answers. */
  extensionOrigins: readonly string[];
  /** Names the server is reached as besides its listening address and loopback (a proxy's name). */
  allowedHosts: readonly string[];
  connections: { headersTimeoutMs: number; requestTimeoutMs: number; keepAliveTimeoutMs: number; maxConnections: number };
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
  // Node refuses to start with a header timeout longer than the whole request's
  if (e.CRM_HEADERS_TIMEOUT_MS > e.CRM_REQUEST_TIMEOUT_MS) {
    throw new ConfigError(`Invalid environment:\n  CRM_HEADERS_TIMEOUT_MS=${e.CRM_HEADERS_TIMEOUT_MS}: must not be longer than CRM_REQUEST_TIMEOUT_MS (${e.CRM_REQUEST_TIMEOUT_MS})`);
  }
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: e.DATA_DIR,
    ...(e.DATABASE_URL ? { databaseUrl: e.DATABASE_URL } : {}),
    ...(e.CRM_ADMIN_TOKEN ? { adminToken: e.CRM_ADMIN_TOKEN } : {}),
    ...(e.CRM_SECRET ? { secret: e.CRM_SECRET } : {}),
    plan: e.CRM_PLAN,
    durability: e.CRM_PGLITE_DURABILITY,
    rateLimits: { app: e.CRM_RATE_LIMIT_APP, user: e.CRM_RATE_LIMIT_USER, windowSeconds: e.CRM_RATE_LIMIT_WINDOW_SECONDS },
    maxBodyBytes: e.CRM_MAX_BODY_BYTES,
    extensionOrigins: e.CRM_EXTENSION_IDS ?? DEFAULT_EXTENSION_ORIGINS,
    allowedHosts: e.CRM_ALLOWED_HOSTS ?? [],
    connections: {
      headersTimeoutMs: e.CRM_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: e.CRM_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: e.CRM_KEEP_ALIVE_TIMEOUT_MS,
      maxConnections: e.CRM_MAX_CONNECTIONS,
    },
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
