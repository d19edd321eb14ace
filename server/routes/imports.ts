import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { stream } from 'hono/streaming';
import { describeRoute, resolver } from 'hono-openapi';
import { autoDomainJobView, importIdParam, importOptions, importView } from '../../shared/imports.ts';
import type { Db } from '../db/client.ts';
import { autoDomainView, createImport, errorsCsv, getJob, IMPORT_LIMITS, importView as viewOf, listImports } from '../domain/imports/jobs.ts';
import { startAutoDomainJob } from '../domain/imports/runner.ts';
import { undoImport } from '../domain/imports/undo.ts';
import { actorOf, type AppEnv } from '../env.ts';
import { ApiError } from '../errors.ts';
import { requireAdmin } from '../middleware/auth.ts';
import { validate } from '../validate.ts';

const tags = ['Imports'];
const json = (schema: Parameters<typeof resolver>[0], description: string) => ({ description, content: { 'application/json': { schema: resolver(schema) } } });

/** Whoever runs jobs in this process: told when one is queued. */
export interface JobWaker {
  wake(): void;
}

/** The `options` field: JSON, checked like a body, errors naming `options.<field>`. */
function parseOptions(raw: unknown) {
  if (typeof raw !== 'string') throw new ApiError('VALIDATION_ERROR', 'The form field `options` is required: JSON {objectType, mode, columnMapping?}', { errors: [{ message: 'missing', in: 'body:options' }] });
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new ApiError('INVALID_JSON', 'The form field `options` is not valid JSON', { errors: [{ message: 'not JSON', in: 'body:options' }] });
  }
  const parsed = importOptions.safeParse(value);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((i) => ({ message: i.message, in: `body:options.${i.path.join('.')}`, code: 'INVALID_VALUE' }));
    throw new ApiError('VALIDATION_ERROR', `Invalid options: ${errors[0]!.in.slice('body:options.'.length)}: ${errors[0]!.message}`, { errors });
  }
  return parsed.data;
}

/** CSV imports (R16, R17, B1) and the auto-domain job (R18). Mounted at /api. */
export function importRoutes(runner?: JobWaker) {
  return new Hono<AppEnv>()
    .post(
      '/imports',
      describeRoute({
        summary: 'Start a CSV import (multipart: `file`, and `options` as JSON {objectType, mode, columnMapping?})',
        description:
          'Answers 202 with the job id at once; the rows are applied in the background. Headers map without configuration when they are HubSpot\'s usual import headers or `objectType.property`; a bad header refuses the file (400) and nothing is stored.',
        tags,
        requestBody: {
          content: {
            'multipart/form-data': {
              schema: {
                type: 'object',
                required: ['file', 'options'],
                properties: { file: { type: 'string', format: 'binary', description: 'The CSV file (UTF-8, comma or semicolon)' }, options: { type: 'string', description: 'JSON: {objectType, mode, columnMapping?, withObjectType?}' } },
              },
            },
          },
        },
        responses: { 202: json(importIdParam, 'The import job, queued'), 400: { description: 'Bad options or header' }, 413: { description: 'The file is too large' } },
      }),
      bodyLimit({
        maxSize: IMPORT_LIMITS.fileBytes + 1024 * 1024,
        onError: () => {
          throw new ApiError('FILE_TOO_LARGE', `The file is larger than ${IMPORT_LIMITS.fileBytes / 1024 / 1024} MiB; split it`, { errors: [{ message: 'file too large', in: 'body:file' }] });
        },
      }),
      async (c) => {
        const auth = c.get('auth');
        if (!(c.req.header('content-type') ?? '').startsWith('multipart/form-data')) {
          throw new ApiError('VALIDATION_ERROR', 'Send the file as multipart/form-data with the fields `file` and `options`', { errors: [{ message: 'not multipart', in: 'header:content-type' }] });
        }
        const form = await c.req.parseBody();
        const options = parseOptions(form.options);
        const file = form.file;
        if (!(file instanceof File)) throw new ApiError('VALIDATION_ERROR', 'The form field `file` must be the CSV file', { errors: [{ message: 'missing file', in: 'body:file' }] });
        const { id } = await createImport(c.get('db'), { workspaceId: auth.workspaceId, actor: actorOf(auth), fileName: file.name || null, options }, file.stream() as unknown as AsyncIterable<Uint8Array>);
        runner?.wake();
        return c.json({ id }, 202);
      },
    )
    .get('/imports', describeRoute({ summary: 'The latest imports of this workspace (100 at most)', tags }), async (c) => {
      return c.json({ results: await listImports(c.get('db'), c.get('auth').workspaceId) });
    })
    .get(
      '/imports/:id',
      describeRoute({ summary: 'An import: state, progress, counts and every refused row', tags, responses: { 200: json(importView, 'The import') } }),
      validate('param', importIdParam),
      async (c) => c.json(await viewOf(c.get('db'), c.get('auth').workspaceId, c.req.valid('param').id)),
    )
    .get(
      '/imports/:id/errors.csv',
      describeRoute({ summary: "The refused rows as CSV: row, column, code, message and the row's values (cells that a spreadsheet would run as formulas are escaped)", tags, responses: { 200: { description: 'text/csv' } } }),
      validate('param', importIdParam),
      async (c) => {
        const { workspaceId } = c.get('auth');
        const id = c.req.valid('param').id;
        const db: Db = c.get('db');
        await getJob(db, workspaceId, id, 'import');
        c.header('content-type', 'text/csv; charset=utf-8');
        c.header('content-disposition', `attachment; filename="import-${id}-errors.csv"`);
        return stream(c, async (out) => {
          for await (const line of errorsCsv(db, workspaceId, id)) await out.write(line);
        });
      },
    )
    .post(
      '/imports/:id/undo',
      describeRoute({ summary: 'Undo an import (B1): the records it created go, the associations it made are removed', tags, responses: { 200: json(importView, 'The import, now undone') } }),
      validate('param', importIdParam),
      async (c) => {
        const auth = c.get('auth');
        const id = c.req.valid('param').id;
        await undoImport(c.get('db'), { workspaceId: auth.workspaceId, plan: auth.plan }, id);
        return c.json(await viewOf(c.get('db'), auth.workspaceId, id));
      },
    )
    .post(
      '/auto-domain/jobs',
      describeRoute({
        summary: 'Associate every existing contact with the company of its email domain (R18), in the background (admin)',
        description: "Uses the workspace's settings (auto-create, exclusions); history source AUTO_DOMAIN with the job's id.",
        tags,
        responses: { 202: json(importIdParam, 'The job, queued') },
      }),
      async (c) => {
        const auth = c.get('auth');
        requireAdmin(auth);
        const { id } = await startAutoDomainJob(c.get('db'), auth.workspaceId);
        runner?.wake();
        return c.json({ id }, 202);
      },
    )
    .get(
      '/auto-domain/jobs/:id',
      describeRoute({ summary: 'Progress of an automatic association job', tags, responses: { 200: json(autoDomainJobView, 'The job') } }),
      validate('param', importIdParam),
      async (c) => c.json(autoDomainView(await getJob(c.get('db'), c.get('auth').workspaceId, c.req.valid('param').id, 'auto_domain'))),
    );
}
