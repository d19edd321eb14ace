import { useEffect, useRef, useState } from 'preact/hooks';
import { apiPaths } from '../../../shared/api-paths.ts';
import { type ImportListItem, type ImportMode, importIdParam, importList, type MappingPreview, mappingPreview } from '../../../shared/imports.ts';
import { objectSchemaList } from '../../../shared/records.ts';
import { t } from '../../i18n.ts';
import type { AppSession, PageProps } from '../App.tsx';
import { reasonOf, shownState, stateWord, when } from './format.ts';
import { fileHeader } from './header.ts';

/** The standard objects an import's rows may be; the workspace's custom objects follow them. */
const OBJECTS = ['contacts', 'companies', 'deals', 'tickets'] as const;
const MODES: Array<{ mode: ImportMode; key: 'importsModeCreateAndUpdate' | 'importsModeCreate' | 'importsModeUpdate' }> = [
  { mode: 'create_and_update', key: 'importsModeCreateAndUpdate' },
  { mode: 'create', key: 'importsModeCreate' },
  { mode: 'update', key: 'importsModeUpdate' },
];

/** `#/imports`: start an import (R16, R17) and the imports started before. */
export function ImportsPage({ session }: PageProps<'imports'>) {
  useEffect(() => void (document.title = `${t('importsTitle')} · ${session.me.workspace.name}`), []);
  return (
    <section class="crm-imports">
      <h1>{t('importsTitle')}</h1>
      <NewImport session={session} />
      <PastImports session={session} />
    </section>
  );
}

type Preview = { state: 'none' } | { state: 'loading' } | { state: 'ready'; preview: MappingPreview } | { state: 'refused'; message: string };

/**
 * Pick or drop a CSV file, choose its object and mode, see how its columns map and change any
 * target, then start. The file goes to the server as the File itself inside the form: the browser
 * streams it from disk; the page reads only the file's first piece, for the header.
 */
function NewImport({ session }: { session: AppSession }) {
  const [file, setFile] = useState<File | null>(null);
  const [header, setHeader] = useState<string[] | null>(null);
  const [objectType, setObjectType] = useState<string>('contacts');
  const [mode, setMode] = useState<ImportMode>('create_and_update');
  const [targets, setTargets] = useState<Record<string, string>>({});
  const [preview, setPreview] = useState<Preview>({ state: 'none' });
  const [dragging, setDragging] = useState(false);
  const [sending, setSending] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const [customs, setCustoms] = useState<Array<{ name: string; label: string }>>([]);
  const input = useRef<HTMLInputElement>(null);
  const asked = useRef(0);

  useEffect(() => {
    // custom objects are offered when the workspace has any; without them the standard ones remain
    session.client.request(apiPaths.objectSchemas(), { method: 'GET', schema: objectSchemaList }).then(
      (l) => setCustoms(l.results.filter((s) => !s.archived).map((s) => ({ name: s.name, label: s.labels.plural }))),
      () => setCustoms([]),
    );
  }, []);

  const pick = async (picked: File | null) => {
    setFile(picked);
    setTargets({});
    setFailure(null);
    setHeader(picked ? await fileHeader(picked) : null);
  };

  /** The mapping the server would use, with the targets changed here. */
  const columnMapping = (): Record<string, string | null> | undefined => {
    const entries = Object.entries(targets);
    return entries.length ? Object.fromEntries(entries.map(([h, v]) => [h, v.trim() === '' ? null : v.trim()])) : undefined;
  };

  useEffect(() => {
    if (!header) return setPreview({ state: 'none' });
    const ask = ++asked.current;
    setPreview({ state: 'loading' });
    const mapping = columnMapping();
    session.client
      .request(apiPaths.importMapping(), { method: 'POST', body: { objectType, mode, header, ...(mapping ? { columnMapping: mapping } : {}) }, schema: mappingPreview })
      .then(
        (p) => ask === asked.current && setPreview({ state: 'ready', preview: p }),
        (err) => ask === asked.current && setPreview({ state: 'refused', message: reasonOf(err) }),
      );
  }, [header, objectType, mode, targets]);

  const start = async (event: Event) => {
    event.preventDefault();
    if (!file) return;
    setSending(true);
    setFailure(null);
    const mapping = columnMapping();
    const form = new FormData();
    // options first: the server checks them before it stores the file
    form.append('options', JSON.stringify({ objectType, mode, ...(mapping ? { columnMapping: mapping } : {}) }));
    form.append('file', file, file.name);
    try {
      const { id } = await session.client.request(apiPaths.imports(), { method: 'POST', form, schema: importIdParam, timeoutMs: null });
      session.navigate({ page: 'import', id });
    } catch (err) {
      setFailure(reasonOf(err));
      setSending(false);
    }
  };

  // while a changed target is checked or refused, the others keep the targets last shown
  const lastGood = useRef<MappingPreview['columns'] | null>(null);
  if (preview.state === 'ready') lastGood.current = preview.preview.columns;
  if (!header) lastGood.current = null;
  const columns = lastGood.current ?? (header ?? []).map((h) => ({ header: h, target: null }));
  return (
    <form class="crm-imports-new" onSubmit={start} aria-labelledby="imports-new">
      <h2 id="imports-new">{t('importsNew')}</h2>
      <div
        class={`crm-imports-drop${dragging ? ' crm-imports-dragging' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setDragging(true);
        }}
        onDragLeave={() => setDragging(false)}
        onDrop={(e) => {
          e.preventDefault();
          setDragging(false);
          const dropped = e.dataTransfer?.files[0] ?? null;
          if (dropped && input.current && e.dataTransfer) input.current.files = e.dataTransfer.files;
          void pick(dropped);
        }}
      >
        <p>{t('importsDrop')}</p>
        <label>
          {t('importsFile')}{' '}
          <input ref={input} type="file" accept=".csv,text/csv" onChange={(e) => void pick((e.currentTarget as HTMLInputElement).files?.[0] ?? null)} />
        </label>
      </div>
      <div class="crm-imports-choices">
        <label>
          {t('importsObject')}{' '}
          <select value={objectType} onChange={(e) => setObjectType((e.currentTarget as HTMLSelectElement).value)}>
            {OBJECTS.map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
            {customs.map((c) => (
              <option key={c.name} value={c.name}>
                {c.label}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t('importsMode')}{' '}
          <select value={mode} onChange={(e) => setMode((e.currentTarget as HTMLSelectElement).value as ImportMode)}>
            {MODES.map(({ mode: m, key }) => (
              <option key={m} value={m}>
                {t(key)}
              </option>
            ))}
          </select>
        </label>
      </div>
      {header && (
        <fieldset class="crm-imports-mapping">
          <legend>{t('importsMapping')}</legend>
          <p class="crm-muted">{t('importsMappingHint')}</p>
          <table>
            <thead>
              <tr>
                <th scope="col">{t('importsColumn')}</th>
                <th scope="col">{t('importsTarget')}</th>
              </tr>
            </thead>
            <tbody>
              {columns.map((c, i) => (
                <tr key={i}>
                  <th scope="row">{c.header}</th>
                  <td>
                    <input
                      type="text"
                      aria-label={t('importsTargetOf', c.header)}
                      value={targets[c.header] ?? c.target ?? ''}
                      placeholder={t('importsIgnored')}
                      onInput={(e) => setTargets({ ...targets, [c.header]: (e.currentTarget as HTMLInputElement).value })}
                    />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {preview.state === 'ready' && preview.preview.withObjectType && <p>{t('importsSecondObject', preview.preview.withObjectType)}</p>}
          {preview.state === 'ready' && preview.preview.associatedObjectTypes.length > 0 && <p>{t('importsAssociatedWith', preview.preview.associatedObjectTypes.join(', '))}</p>}
          {preview.state === 'refused' && (
            <p class="crm-error" role="alert">
              {t('importsMappingFailed', preview.message)}
            </p>
          )}
        </fieldset>
      )}
      <p>
        <button type="submit" disabled={!file || sending || preview.state !== 'ready'}>
          {t('importsStart')}
        </button>
        {sending && file && (
          <span role="status" class="crm-muted">
            {' '}
            {t('importsUploading', file.name)}
          </span>
        )}
      </p>
      {failure && (
        <p class="crm-error" role="alert">
          {t('importsStartFailed', failure)}
        </p>
      )}
    </form>
  );
}

/** Who started an import, as a name. */
export const starterName = (item: ImportListItem['startedBy']) => (item.source === 'USER' ? (item.name ?? item.userId) : t('importsApiToken', item.tokenId ?? '?'));

/** The latest imports: state, who started each, and the records each made (the index page filtered by import). */
function PastImports({ session }: { session: AppSession }) {
  const [list, setList] = useState<ImportListItem[] | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  useEffect(() => {
    session.client.request(apiPaths.imports(), { method: 'GET', schema: importList }).then(
      (l) => setList(l.results),
      (err) => setFailure(reasonOf(err)),
    );
  }, []);
  return (
    <section class="crm-imports-past" aria-labelledby="imports-past">
      <h2 id="imports-past">{t('importsPast')}</h2>
      {failure && (
        <p class="crm-error" role="alert">
          {t('importsLoadFailed', failure)}
        </p>
      )}
      {list && list.length === 0 && <p>{t('importsNone')}</p>}
      {list && list.length > 0 && (
        <table class="crm-table">
          <thead>
            <tr>
              <th scope="col">{t('importsFileName')}</th>
              <th scope="col">{t('importsObject')}</th>
              <th scope="col">{t('importsState')}</th>
              <th scope="col">{t('importsStartedBy')}</th>
              <th scope="col">{t('importsStartedAt')}</th>
              <th scope="col">{t('importsRecords')}</th>
            </tr>
          </thead>
          <tbody>
            {list.map((item) => {
              const name = item.fileName || t('importsUntitled');
              return (
                <tr key={item.id}>
                  <td>
                    <a href={session.href({ page: 'import', id: item.id })}>{name}</a>
                  </td>
                  <td>{item.objectType ?? '—'}</td>
                  <td>{stateWord(shownState(item))}</td>
                  <td>{starterName(item.startedBy)}</td>
                  <td>{when(item.createdAt)}</td>
                  <td>
                    {item.objectType && (
                      <a href={session.href({ page: 'index', objectType: item.objectType, query: new URLSearchParams({ import: item.id }) })} aria-label={t('importsRecordsOf', name)}>
                        {t('importsRecords')}
                      </a>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
