import { Hono } from 'hono';
import type { Db } from './db/client.ts';
import type { AppEnv } from './env.ts';
import { onError } from './errors.ts';
import { bearerAuth, TokenCache } from './middleware/auth.ts';
import { extensionCors } from './middleware/cors.ts';
import { idempotency } from './middleware/idempotency.ts';
import { adminRoutes } from './routes/admin.ts';
import { associationRoutes, associationSchemaRoutes } from './routes/associations.ts';
import { changeNotifier, changeStreamRoutes } from './routes/changes-stream.ts';
import { companionRoutes } from './routes/companion.ts';
import { docsRoutes } from './routes/docs.ts';
import { historyRoutes } from './routes/history.ts';
import { importRoutes, type JobWaker } from './routes/imports.ts';
import { lifecycleRoutes } from './routes/lifecycle.ts';
import { objectRoutes } from './routes/objects.ts';
import { readinessRoutes } from './routes/ready.ts';
import { recommendationRoutes } from './routes/recommendations.ts';
import { schemaRoutes } from './routes/schemas.ts';
import { viewRoutes } from './routes/views.ts';

export interface AppOptions {
  db: Db;
  /** How long a verified token is trusted before the database is asked again (ms). */
  tokenCacheMs?: number;
  /** The background job runner, woken when an import is queued (without it, jobs wait for a poll). */
  jobs?: JobWaker;
  /** Imports: the largest CSV file accepted (default 512 MiB). */
  importFileBytes?: number;
}

export function createApp(options: AppOptions) {
  const { db } = options;
  const cache = new TokenCache(options.tokenCacheMs ?? 5_000);
  const auth = bearerAuth({ db, cache });
  const keys = idempotency();

  const api = new Hono<AppEnv>()
    // before auth: a preflight carries no token, and a refused origin gets nothing else
    .use('*', extensionCors())
    // outermost of the writes: wakes the live change streams once a write has committed
    .use('*', changeNotifier())
    .get('/health', (c) => c.json({ status: 'ok' as const }))
    // readiness checks the database (docs/deployment.md)
    .route('/', readinessRoutes(db))
    .use('/api/*', auth)
    .use('/crm/*', auth)
    .use('/crm-object-schemas/*', auth)
    // after auth: keys are per workspace
    .use('/api/*', keys)
    .use('/crm/*', keys)
    .use('/crm-object-schemas/*', keys)
    .route('/api', adminRoutes(cache))
    .route('/api', recommendationRoutes())
    .route('/api', historyRoutes())
    .route('/api', changeStreamRoutes())
    .route('/api', viewRoutes())
    .route('/api', companionRoutes())
    .route('/api', importRoutes(options.jobs, { maxFileBytes: options.importFileBytes }))
    .route('/crm/v3/objects', objectRoutes())
    .route('/', lifecycleRoutes())
    .route('/crm/v3/schemas', schemaRoutes())
    .route('/crm-object-schemas/v3/schemas', schemaRoutes())
    .route('/crm/v4', associationRoutes())
    // the client calls labels and limits under both prefixes
    .route('/crm/v4/associations', associationSchemaRoutes())
    .route('/crm/associations/v4', associationSchemaRoutes());

  const app = new Hono<AppEnv>().route('/', api).route('/', docsRoutes(api));
  app.onError(onError);
  app.notFound((c) => c.json({ status: 'error', message: `No route for ${c.req.method} ${c.req.path}`, category: 'OBJECT_NOT_FOUND', subCategory: 'NOT_FOUND', correlationId: crypto.randomUUID(), errors: [{ message: 'unknown route', in: 'path' }] }, 404));
  return app;
}

export type AppType = ReturnType<typeof createApp>;
