import { Hono } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import type { Db } from './db/client.ts';
import type { AppEnv } from './env.ts';
import { errorBodyOf } from './envelope.ts';
import { ApiError, onError } from './errors.ts';
import { actorScope } from './middleware/actor.ts';
import { changeNotifier } from './middleware/change-notifier.ts';
import { bearerAuth, TokenCache, WrongTokenThrottle, type WrongTokenThrottleOptions } from './middleware/auth.ts';
import { authorize } from './middleware/authorize.ts';
import { jsonBodyLimit } from './middleware/body-limit.ts';
import { extensionCors } from './middleware/cors.ts';
import { idempotency } from './middleware/idempotency.ts';
import { type RateLimitOptions, tokenRateLimit } from './middleware/rate-limit.ts';
import { Revocations } from './middleware/revocations.ts';
import { storableText } from './middleware/storable-text.ts';
import { adminRoutes } from './routes/admin.ts';
import { associationRoutes, associationSchemaRoutes, associationUsageRoutes } from './routes/associations.ts';
import { auditRoutes } from './routes/audit.ts';
import { changeStreamRoutes } from './routes/changes-stream.ts';
import { companionRoutes } from './routes/companion.ts';
import { demoRoutes } from './routes/demo.ts';
import { docsRoutes } from './routes/docs.ts';
import { historyRoutes } from './routes/history.ts';
import { hubspotImportRoutes } from './routes/hubspot-imports.ts';
import { importRoutes, type JobWaker } from './routes/imports.ts';
import { lifecycleRoutes } from './routes/lifecycle.ts';
import { objectRoutes } from './routes/objects.ts';
import { ownerRoutes } from './routes/owners.ts';
import { pipelineRoutes } from './routes/pipelines.ts';
import { propertyRoutes } from './routes/properties.ts';
import { readinessRoutes } from './routes/ready.ts';
import { recommendationRoutes } from './routes/recommendations.ts';
import { schemaRoutes } from './routes/schemas.ts';
import { viewRoutes } from './routes/views.ts';

export interface AppOptions {
  db: Db;
  /**
   * How long a verified token is trusted before the database is asked again (ms): also how long
   * another server process may still accept a token revoked here (default 1 s).
   */
  tokenCacheMs?: number;
  /** Wrong tokens per client address before 429 (default 20 a minute, then refused for a minute). */
  wrongTokens?: WrongTokenThrottleOptions;
  /** The background job runner, woken when an import is queued (without it, jobs wait for a poll). */
  jobs?: JobWaker;
  /** Imports: the largest CSV file accepted (default 512 MiB). */
  importFileBytes?: number;
  /** Every other route: the largest request body accepted (default 4 MiB). */
  maxBodyBytes?: number;
  /** Requests per window per token (default: 190 per 10 s for app tokens, 600 for users, none for the owner). */
  rateLimits?: RateLimitOptions;
  /** The extension origins that get CORS answers (default: the companion's fixed Chrome id). */
  extensionOrigins?: readonly string[];
  /** The `host:port` names the server is reached as, once it listens (null or absent: no Host check). */
  hosts?: () => ReadonlySet<string> | null;
  /** Serve the demo mailbox at /demo/mail (`--demo`); without it that path is a 404 like any unknown one. */
  demoMail?: boolean;
}

/** The CSV uploads (ours and HubSpot's imports API) stream their file under a larger limit of their own (importFileBytes). */
const CSV_UPLOADS = new Set(['/api/imports', '/crm/v3/imports', '/crm/v3/imports/']);
const isCsvUpload = (c: { req: { method: string; path: string } }) => c.req.method === 'POST' && CSV_UPLOADS.has(c.req.path);

/**
 * Security headers on every answer. One CSP for all: nothing the server serves runs scripts or
 * loads anything (the /docs page has only inline styles). HSTS is left to the TLS proxy in front.
 */
const securityHeaders = secureHeaders({
  contentSecurityPolicy: { defaultSrc: ["'none'"], styleSrc: ["'unsafe-inline'"], baseUri: ["'none'"], formAction: ["'none'"], frameAncestors: ["'none'"] },
  referrerPolicy: 'no-referrer',
  strictTransportSecurity: false,
});

export function createApp(options: AppOptions) {
  const { db } = options;
  const cache = new TokenCache(options.tokenCacheMs ?? 1_000);
  const revocations = new Revocations({ db });
  revocations.onRevoked((tokenIds) => cache.dropTokens(tokenIds));
  const auth = bearerAuth({ db, cache, throttle: new WrongTokenThrottle(options.wrongTokens) });
  const allowed = authorize();
  const keys = idempotency();
  const actor = actorScope();
  const limits = tokenRateLimit(options.rateLimits);
  const text = storableText();

  const api = new Hono<AppEnv>()
    .use('*', securityHeaders)
    // before auth: a preflight carries no token, and a refused origin gets nothing else
    .use('*', extensionCors({ ...(options.extensionOrigins ? { origins: options.extensionOrigins } : {}), ...(options.hosts ? { hosts: options.hosts } : {}) }))
    // before auth and anything that reads a body
    .use('*', jsonBodyLimit({ ...(options.maxBodyBytes !== undefined ? { maxBytes: options.maxBodyBytes } : {}), exempt: isCsvUpload }))
    // outermost of the writes: wakes the live change streams once a write has committed
    .use('*', changeNotifier())
    .get('/health', (c) => c.json({ status: 'ok' as const }))
    // readiness checks the database (docs/deployment.md)
    .route('/', readinessRoutes(db))
    .use('/api/*', auth)
    .use('/crm/*', auth)
    .use('/crm-object-schemas/*', auth)
    // after auth, before anything is done: the permission table (server/permissions.ts)
    .use('/api/*', allowed)
    .use('/crm/*', allowed)
    .use('/crm-object-schemas/*', allowed)
    // after auth: the budget is per token; before the idempotency keys, so a refusal costs nothing
    .use('/api/*', limits)
    .use('/crm/*', limits)
    .use('/crm-object-schemas/*', limits)
    // after auth, before any write: no NUL or lone surrogate reaches a route (issue 13)
    .use('/api/*', text)
    .use('/crm/*', text)
    .use('/crm-object-schemas/*', text)
    // after auth: keys are per workspace
    .use('/api/*', keys)
    .use('/crm/*', keys)
    .use('/crm-object-schemas/*', keys)
    // after auth: the caller is the actor of the record changes a request writes (audit trail)
    .use('/api/*', actor)
    .use('/crm/*', actor)
    .use('/crm-object-schemas/*', actor)
    .route('/api', adminRoutes(cache, revocations))
    .route('/api', recommendationRoutes())
    .route('/api', historyRoutes())
    .route('/api', auditRoutes())
    .route('/api', changeStreamRoutes({ revocations }))
    .route('/api', viewRoutes())
    .route('/api', companionRoutes())
    .route('/api', associationUsageRoutes())
    .route('/api', importRoutes(options.jobs, { maxFileBytes: options.importFileBytes }))
    .route('/crm/v3/objects', objectRoutes())
    .route('/', lifecycleRoutes())
    .route('/crm/v3/pipelines', pipelineRoutes())
    .route('/crm/v3/properties', propertyRoutes())
    .route('/crm/v3', ownerRoutes())
    .route('/crm/v3', hubspotImportRoutes(options.jobs, { maxFileBytes: options.importFileBytes }))
    .route('/crm/v3/schemas', schemaRoutes())
    .route('/crm-object-schemas/v3/schemas', schemaRoutes())
    .route('/crm/v4', associationRoutes())
    // the client calls labels and limits under both prefixes
    .route('/crm/v4/associations', associationSchemaRoutes())
    .route('/crm/associations/v4', associationSchemaRoutes());

  const app = new Hono<AppEnv>().route('/', api).route('/', docsRoutes(api));
  if (options.demoMail) app.route('/', demoRoutes());
  app.onError(onError);
  app.notFound((c) => c.json(errorBodyOf(new ApiError('NOT_FOUND', `No route for ${c.req.method} ${c.req.path}`, { errors: [{ message: 'unknown route', in: 'path' }] })), 404));
  return app;
}

export type AppType = ReturnType<typeof createApp>;
