import { type Context, Hono } from 'hono';
import { describeRoute, resolver } from 'hono-openapi';
import {
  actionResponse,
  type HubSpotImportRequest,
  hubspotImportErrorsQuery,
  hubspotImportIdParam,
  hubspotImportListQuery,
  publicImportErrorPage,
  publicImportPage,
  publicImportResponse,
} from '../../shared/hubspot-imports.ts';
import { unstorableText } from '../../shared/text.ts';
import { fileTooLarge, IMPORT_LIMITS, createImport } from '../domain/imports/jobs.ts';
import { jobByNumber, listPublicImports, optionsFromRequest, parseImportRequest, publicImport, publicImportErrors } from '../domain/imports/hubspot.ts';
import { type MultipartPart, MultipartReader, multipartBoundary } from '../domain/imports/multipart.ts';
import { cancelImport } from '../domain/imports/runner.ts';
import { csvOf } from '../domain/imports/xlsx.ts';
import { actorOf, type AppEnv } from '../env.ts';
import { ApiError } from '../errors.ts';
import { assertMayManageImport } from '../permissions.ts';
import { validate } from '../validate.ts';
import type { ImportRouteOptions, JobWaker } from './imports.ts';

const tags = ['Imports (HubSpot)'];
const json = (schema: Parameters<typeof resolver>[0], description: string) => ({ description, content: { 'application/json': { schema: resolver(schema) } } });

/** The `importRequest` field's size limit: 1,000 column mappings fit many times over. */
const REQUEST_BYTES = 1024 * 1024;
const FORM_OVERHEAD_BYTES = REQUEST_BYTES + 64 * 1024;

const missingRequest = () => new ApiError('VALIDATION_ERROR', 'The form field `importRequest` is required: the import as JSON {name, files: [{fileName, fileFormat, fileImportPage}], importOperations?}', { errors: [{ message: 'missing', in: 'importRequest', code: 'REQUIRED' }] });
const missingFile = (name?: string) =>
  new ApiError('VALIDATION_ERROR', `The form field \`files\` must be the CSV file${name ? ` "${name}" that importRequest.files[0].fileName names` : ''}`, { errors: [{ message: 'missing file', in: 'files', code: 'REQUIRED' }] });

/** The file's kind (known from its first bytes) against the request's `fileFormat`. */
function checkFormat(request: HubSpotImportRequest, found: ReturnType<ReturnType<typeof csvOf>['format']>): void {
  if (found === 'COMPOUND') {
    throw new ApiError('VALIDATION_ERROR', 'The file is an old .xls workbook or a password-protected one: save it as .xlsx (without a password) or as CSV', { errors: [{ message: 'not readable', in: 'files', code: 'INVALID_FILE_TYPE' }] });
  }
  const declared = request.files[0]!.fileFormat;
  if (found && found !== declared) {
    const what = found === 'SPREADSHEET' ? 'an .xlsx workbook' : 'not a workbook (read as CSV)';
    throw new ApiError('VALIDATION_ERROR', `The file sent is ${what}, but importRequest.files[0].fileFormat is ${declared}: they must match`, { errors: [{ message: `the file is ${found}`, in: 'importRequest.files[0].fileFormat', code: 'INVALID_FILE_TYPE' }] });
  }
}

function checkFileName(request: HubSpotImportRequest, part: MultipartPart): void {
  const expected = request.files[0]!.fileName;
  if (part.fileName !== expected) {
    throw new ApiError('VALIDATION_ERROR', `The file sent is named "${part.fileName ?? ''}", but importRequest.files[0].fileName is "${expected}": they must match`, {
      errors: [{ message: `file name ${part.fileName ?? '(none)'} does not match`, in: 'importRequest.files[0].fileName', code: 'FILE_NAME_MISMATCH' }],
    });
  }
}

const createRoute = describeRoute({
  summary: "Start an import (HubSpot's imports API): multipart with `importRequest` (JSON) and `files` (one CSV file or one-sheet .xlsx workbook)",
  description:
    "HubSpot's `POST /crm/v3/imports`, on the same import engine as `POST /api/imports`: the same rules, limits and history (source IMPORT). Answers 200 with the import, STARTED; the rows are applied in the background. A bad importRequest (malformed, an unknown column, object type or field, a file name that does not match, an option we do not honour) is refused with 400 naming the field, and nothing is stored. docs/import.md lists the options honoured and refused.",
  tags,
  requestBody: {
    content: {
      'multipart/form-data': {
        schema: {
          type: 'object',
          required: ['files', 'importRequest'],
          properties: { files: { type: 'string', format: 'binary', description: 'The CSV file (UTF-8, comma or semicolon) or .xlsx workbook of one sheet (at most 32 MiB), named as importRequest.files[0].fileName' }, importRequest: { type: 'string', description: 'JSON: HubSpot\'s import request' } },
        },
      },
    },
  },
  responses: { 200: json(publicImportResponse, 'The import, started'), 400: { description: 'A bad importRequest or file; nothing stored' }, 413: { description: 'The file is too large' } },
});

const listRoute = describeRoute({ summary: 'Imports of this workspace, newest first (HubSpot paging: after, before, limit up to 100)', tags, responses: { 200: json(publicImportPage, 'A page of imports') } });

/** HubSpot's imports API (`/crm/v3/imports`) over our import jobs. Mounted at /crm/v3. */
export function hubspotImportRoutes(runner?: JobWaker, routeOptions: ImportRouteOptions = {}) {
  const maxFileBytes = routeOptions.maxFileBytes ?? IMPORT_LIMITS.fileBytes;
  const create = async (c: Context<AppEnv>) => {
    const auth = c.get('auth');
    const boundary = multipartBoundary(c.req.header('content-type'));
    if (!boundary) throw new ApiError('VALIDATION_ERROR', 'Send the import as multipart/form-data with the fields `importRequest` and `files`', { errors: [{ message: 'not multipart', in: 'header:content-type' }] });
    const declared = Number(c.req.header('content-length') ?? Number.NaN);
    if (declared > maxFileBytes + FORM_OVERHEAD_BYTES) throw fileTooLarge(maxFileBytes, 'files');
    const body = c.req.raw.body;
    if (!body) throw missingFile();
    // streamed as it arrives, as POST /api/imports does: the file goes to the database in pieces
    const form = new MultipartReader(body as unknown as AsyncIterable<Uint8Array>, boundary, maxFileBytes + FORM_OVERHEAD_BYTES);
    let request: HubSpotImportRequest | undefined;
    let file: MultipartPart | null = null;
    while (!file) {
      const part = await form.next();
      if (!part) break;
      if (part.name === 'importRequest' && request === undefined) request = parseImportRequest(await part.text(REQUEST_BYTES));
      else if (part.name === 'files') file = part;
    }
    if (!file || file.fileName === undefined) throw missingFile(request?.files[0]?.fileName);
    const badName = unstorableText(file.fileName);
    if (badName) throw new ApiError('VALIDATION_ERROR', `The file name ${badName}`, { errors: [{ message: `the file name ${badName}`, in: 'files.filename', code: 'INVALID_CHARACTER' }] });
    if (request) checkFileName(request, file);
    const fileName = file.fileName;
    const db = c.get('db');
    // the request after the file (HubSpot's client sends it so): read once the file is stored; a
    // second file in the form is a multi-file import, refused
    const requestNow = async (): Promise<HubSpotImportRequest> => {
      if (request) return request;
      for (let part = await form.next(); part; part = await form.next()) {
        if (part.name === 'files') throw new ApiError('VALIDATION_ERROR', 'One file per import here: multi-file imports are not supported; put both objects in one file', { errors: [{ message: 'a second file', in: 'files', code: 'UNSUPPORTED' }] });
        if (part.name === 'importRequest') {
          request = parseImportRequest(await part.text(REQUEST_BYTES));
          checkFileName(request, file!);
          return request;
        }
      }
      throw missingRequest();
    };
    // a workbook becomes CSV on the way in; a CSV file streams through
    const converted = csvOf(file.content());
    const { number } = await createImport(
      db,
      {
        workspaceId: auth.workspaceId,
        actor: actorOf(auth),
        fileName: fileName || null,
        options: {
          ready: () => request !== undefined,
          fromHeader: async (header) => {
            const req = await requestNow();
            checkFormat(req, converted.format());
            return optionsFromRequest(db, auth.workspaceId, req, header);
          },
        },
        maxFileBytes,
        hubspot: () => ({
          name: request?.name ?? null,
          request: request as unknown as Record<string, unknown>,
          // HubSpot's default order when the request names none
          dateFormat: request?.files[0]?.dateFormat ?? request?.dateFormat ?? 'MONTH_DAY_YEAR',
        }),
      },
      converted.chunks,
    );
    runner?.wake();
    return c.json(publicImport(await jobByNumber(db, auth.workspaceId, String(number))), 200);
  };
  return new Hono<AppEnv>()
    .post('/imports', createRoute, create)
    // HubSpot's client posts to `/crm/v3/imports/`
    .post('/imports/', createRoute, create)
    .get('/imports', listRoute, validate('query', hubspotImportListQuery), async (c) => c.json(await listPublicImports(c.get('db'), c.get('auth').workspaceId, c.req.valid('query'))))
    // HubSpot's client reads the list at `/crm/v3/imports/`
    .get('/imports/', listRoute, validate('query', hubspotImportListQuery), async (c) => c.json(await listPublicImports(c.get('db'), c.get('auth').workspaceId, c.req.valid('query'))))
    .get(
      '/imports/:importId',
      describeRoute({ summary: 'An import: state, counters, the request it was started with', tags, responses: { 200: json(publicImportResponse, 'The import'), 404: { description: 'No such import' } } }),
      validate('param', hubspotImportIdParam),
      async (c) => c.json(publicImport(await jobByNumber(c.get('db'), c.get('auth').workspaceId, c.req.valid('param').importId))),
    )
    .post(
      '/imports/:importId/cancel',
      describeRoute({
        summary: 'Cancel a started or processing import: it stops before its next batch and becomes CANCELED; what was done stays',
        tags,
        responses: { 200: json(actionResponse, 'The cancel, complete'), 409: { description: 'The import is done, failed, canceled or reverted already' } },
      }),
      validate('param', hubspotImportIdParam),
      async (c) => {
        const auth = c.get('auth');
        const requestedAt = new Date().toISOString();
        const job = await jobByNumber(c.get('db'), auth.workspaceId, c.req.valid('param').importId);
        assertMayManageImport(auth.principal, job.startedBy);
        await cancelImport(c.get('db'), auth.workspaceId, job.id);
        return c.json({ status: 'COMPLETE' as const, requestedAt, startedAt: requestedAt, completedAt: new Date().toISOString() });
      },
    )
    .get(
      '/imports/:importId/errors',
      describeRoute({
        summary: "An import's refused rows, in file order (HubSpot paging: after, limit up to 500; includeErrorMessage, includeRowData)",
        tags,
        responses: { 200: json(publicImportErrorPage, 'A page of errors'), 404: { description: 'No such import' } },
      }),
      validate('param', hubspotImportIdParam),
      validate('query', hubspotImportErrorsQuery),
      async (c) => {
        const job = await jobByNumber(c.get('db'), c.get('auth').workspaceId, c.req.valid('param').importId);
        return c.json(await publicImportErrors(c.get('db'), job, c.req.valid('query')));
      },
    );
}
