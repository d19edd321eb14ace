import { Hono } from 'hono';
import { stream } from 'hono/streaming';
import { describeRoute, resolver } from 'hono-openapi';
import { findUnstorable, unstorableText } from '../../shared/text.ts';
import { autoDomainJobView, importIdParam, importList, importOptions, importView, mappingPreview, mappingPreviewBody } from '../../shared/imports.ts';
import type { Db } from '../db/client.ts';
import { autoDomainView, createImport, errorsCsv, fileTooLarge, getJob, IMPORT_LIMITS, importView as viewOf, listImports, previewMapping } from '../domain/imports/jobs.ts';
import { type MultipartPart, MultipartReader, multipartBoundary } from '../domain/imports/multipart.ts';
import { cancelImport, startAutoDomainJob } from '../domain/imports/runner.ts';
import { undoImport } from '../domain/imports/undo.ts';
import { actorOf, type AppEnv } from '../env.ts';
import { ApiError } from '../errors.ts';
import { assertMayManageImport } from '../permissions.ts';
import { validate } from '../validate.ts';

const tags = ['Imports'];
const json = (schema: Parameters<typeof resolver>[0], description: string) => ({ description, content: { 'application/json': { schema: resolver(schema) } } });

/** Whoever runs jobs in this process: told when one is queued. */
export interface JobWaker {
  wake(): void;
}

/** The `options` field's size limit: a column mapping of 1,000 columns fits many times over. */
const OPTIONS_BYTES = 1024 * 1024;
/** What a form may hold besides the file: the options, part headers, boundaries. */
const FORM_OVERHEAD_BYTES = OPTIONS_BYTES + 64 * 1024;

const missingOptions = () => new ApiError('VALIDATION_ERROR', 'The form field `options` is required: JSON {objectType, mode, columnMapping?}', { errors: [{ message: 'missing', in: 'body:options' }] });
const missingFile = () => new ApiError('VALIDATION_ERROR', 'The form field `file` must be the CSV file', { errors: [{ message: 'missing file', in: 'body:file' }] });

/** The `options` field: JSON, checked like a body, errors naming `options.<field>`. */
function parseOptions(raw: string) {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new ApiError('INVALID_JSON', 'The form field `options` is not valid JSON', { errors: [{ message: 'not JSON', in: 'body:options' }] });
  }
  const unstorable = findUnstorable(value);
  if (unstorable) throw new ApiError('VALIDATION_ERROR', `Invalid options: ${unstorable.in}: ${unstorable.message}`, { errors: [{ message: unstorable.message, in: `body:options.${unstorable.in}`, code: 'INVALID_CHARACTER' }] });
  const parsed = importOptions.safeParse(value);
  if (!parsed.success) {
    const errors = parsed.error.issues.map((i) => ({ message: i.message, in: `body:options.${i.path.join('.')}`, code: 'INVALID_VALUE' }));
    throw new ApiError('VALIDATION_ERROR', `Invalid options: ${errors[0]!.in.slice('body:options.'.length)}: ${errors[0]!.message}`, { errors });
  }
  return parsed.data;
}

/** The next part named `name`, skipping any other field; null when the form ends first. */
async function partNamed(form: MultipartReader, name: string): Promise<MultipartPart | null> {
  for (let part = await form.next(); part; part = await form.next()) if (part.name === name) return part;
  return null;
}

export interface ImportRouteOptions {
  /** The largest CSV file accepted (default IMPORT_LIMITS.fileBytes). */
  maxFileBytes?: number;
}

/** CSV imports (R16, R17, B1) and the auto-domain job (R18). Mounted at /api. */
export function importRoutes(runner?: JobWaker, routeOptions: ImportRouteOptions = {}) {
  const maxFileBytes = routeOptions.maxFileBytes ?? IMPORT_LIMITS.fileBytes;
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
      async (c) => {
        const auth = c.get('auth');
        const boundary = multipartBoundary(c.req.header('content-type'));
        if (!boundary) {
          throw new ApiError('VALIDATION_ERROR', 'Send the file as multipart/form-data with the fields `file` and `options`', { errors: [{ message: 'not multipart', in: 'header:content-type' }] });
        }
        // a declared size says at once what streaming would find out late
        const declared = Number(c.req.header('content-length') ?? Number.NaN);
        if (declared > maxFileBytes + FORM_OVERHEAD_BYTES) throw fileTooLarge(maxFileBytes, 'body:file');
        const body = c.req.raw.body;
        if (!body) throw missingFile();
        // read from the request as it arrives, never whole: the file goes to the database in pieces
        const form = new MultipartReader(body as unknown as AsyncIterable<Uint8Array>, boundary, maxFileBytes + FORM_OVERHEAD_BYTES);
        let options: ReturnType<typeof parseOptions> | undefined;
        let file: MultipartPart | null = null;
        while (!file) {
          const part = await form.next();
          if (!part) break;
          if (part.name === 'options' && options === undefined) options = parseOptions(await part.text(OPTIONS_BYTES));
          else if (part.name === 'file') file = part;
        }
        if (!file || file.fileName === undefined) throw missingFile();
        const badName = unstorableText(file.fileName);
        if (badName) throw new ApiError('VALIDATION_ERROR', `The file name ${badName}`, { errors: [{ message: `the file name ${badName}`, in: 'body:file.filename', code: 'INVALID_CHARACTER' }] });
        const later = async () => {
          // options after the file: only that field is read, and the rest of the form after it
          const part = await partNamed(form, 'options');
          if (!part) throw missingOptions();
          return parseOptions(await part.text(OPTIONS_BYTES));
        };
        const { id } = await createImport(
          c.get('db'),
          { workspaceId: auth.workspaceId, actor: actorOf(auth), fileName: file.fileName || null, options: options ?? later, maxFileBytes },
          file.content(),
        );
        runner?.wake();
        return c.json({ id }, 202);
      },
    )
    .post(
      '/imports/mapping',
      describeRoute({
        summary: 'The column mapping an import would use for a header, before importing',
        description: 'The same options as `POST /api/imports`, and the file\'s first row as `header`. Answers each column\'s target (null: ignored), or the 400 the import would give; nothing is stored. Edit the mapping with `columnMapping`.',
        tags,
        responses: { 200: json(mappingPreview, 'The mapping'), 400: { description: 'Bad options or header' } },
      }),
      validate('json', mappingPreviewBody),
      async (c) => c.json(await previewMapping(c.get('db'), c.get('auth').workspaceId, c.req.valid('json'))),
    )
    .get('/imports', describeRoute({ summary: 'The latest imports of this workspace (100 at most), newest first, with who started each', tags, responses: { 200: json(importList, 'The imports') } }), async (c) => {
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
      '/imports/:id/cancel',
      describeRoute({
        summary: 'Cancel a queued or running import: it stops before its next batch and becomes failed (CANCELED); what was done stays until undone',
        tags,
        responses: { 200: json(importView, 'The import, now failed with failure CANCELED'), 409: { description: 'The import is done, failed or undone already' } },
      }),
      validate('param', importIdParam),
      async (c) => {
        const auth = c.get('auth');
        const id = c.req.valid('param').id;
        assertMayManageImport(auth.principal, (await getJob(c.get('db'), auth.workspaceId, id, 'import')).startedBy);
        await cancelImport(c.get('db'), auth.workspaceId, id);
        return c.json(await viewOf(c.get('db'), auth.workspaceId, id));
      },
    )
    .post(
      '/imports/:id/undo',
      describeRoute({ summary: 'Undo an import (B1): the records it created go, the associations it made are removed', tags, responses: { 200: json(importView, 'The import, now undone') } }),
      validate('param', importIdParam),
      async (c) => {
        const auth = c.get('auth');
        const id = c.req.valid('param').id;
        assertMayManageImport(auth.principal, (await getJob(c.get('db'), auth.workspaceId, id, 'import')).startedBy);
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
