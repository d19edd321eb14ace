import { useEffect, useRef, useState } from 'preact/hooks';
import { z } from 'zod';
import { apiPaths } from '../../../shared/api-paths.ts';
import { type AssociationUsage, associationUsageResponse, batchOutcomeResponse } from '../../../shared/associations.ts';
import { LIMITS, planAllows } from '../../../shared/plans.ts';
import { type MessageKey, t } from '../../i18n.ts';
import type { AppSession } from '../App.tsx';
import { ConfirmDialog, failureText, formatNumber, noContent, type Outcome, OutcomeLine } from './common.tsx';
import { internalNameOf, limitOf, PAIRS, type SettingsObject } from './logic.ts';

const OBJECT_NAMES: Record<SettingsObject, MessageKey> = { contacts: 'appNavContacts', companies: 'appNavCompanies', deals: 'appNavDeals', tickets: 'appNavTickets' };
const labelsAnswer = z.object({ results: z.array(z.unknown()) });
const PLAN_NAMES: Record<string, MessageKey> = { starter: 'settingsPlanStarter', professional: 'settingsPlanProfessional', enterprise: 'settingsPlanEnterprise' };

/** The label form: a new label, or a label being renamed. */
type LabelForm = { typeId: number | null; label: string; inverse: string } | null;

/**
 * R14 and R4: the labels of an object pair (create, single or paired; rename; delete, saying how
 * many associations carry the label) and its limits per record, per pair and per label. Labels
 * need Professional or Enterprise: on Starter the controls are shown, disabled, with the reason.
 */
export function AssociationSettings({ session, query }: { session: AppSession; query: URLSearchParams | undefined }) {
  // the pair shown lives in the address (`?from=deals&to=companies`), so a view can be shared and reloaded
  const pair = Math.max(0, PAIRS.findIndex((p) => p.from === query?.get('from') && p.to === query?.get('to')));
  const setPair = (index: number) => {
    const chosen = PAIRS[index]!;
    session.navigate({ page: 'settings', section: 'associations', query: new URLSearchParams({ from: chosen.from, to: chosen.to }) });
  };
  const { from, to } = PAIRS[pair]!;
  const [types, setTypes] = useState<AssociationUsage[] | null>(null);
  const [outcome, setOutcome] = useState<Outcome>(null);
  const [limitOutcome, setLimitOutcome] = useState<Outcome>(null);
  const [form, setForm] = useState<LabelForm>(null);
  const [deleting, setDeleting] = useState<AssociationUsage | null>(null);
  const [limits, setLimits] = useState<Record<number, string>>({});
  const createButton = useRef<HTMLButtonElement>(null);
  const formWasOpen = useRef(false);
  const plan = session.me.workspace.plan;
  const labelsAllowed = planAllows(plan, 'labels');

  const load = async () => {
    try {
      const answer = await session.client.request(apiPaths.associationUsage(from, to), { method: 'GET', schema: associationUsageResponse });
      setTypes(answer.results);
      setLimits(Object.fromEntries(answer.results.map((r) => [r.typeId, r.ownLimit === null ? '' : String(r.ownLimit)])));
    } catch (err) {
      setOutcome({ kind: 'error', text: failureText(err) });
    }
  };
  useEffect(() => {
    setTypes(null);
    setForm(null);
    setOutcome(null);
    setLimitOutcome(null);
    void load();
  }, [pair]);

  // keyboard: when the label form closes (saved or canceled), focus goes back to "Create label"
  useEffect(() => {
    if (form === null && formWasOpen.current) createButton.current?.focus();
    formWasOpen.current = form !== null;
  }, [form]);

  const pairName = (a: SettingsObject, b: SettingsObject) => `${t(OBJECT_NAMES[a])} → ${t(OBJECT_NAMES[b])}`;
  const labels = (types ?? []).filter((r) => r.label !== null && r.category === 'USER_DEFINED');
  const pairType = (types ?? []).find((r) => r.label === null);
  const limited = [...(pairType ? [pairType] : []), ...labels.filter((r) => !r.primary)];

  const saveLabel = async (e: Event) => {
    e.preventDefault();
    if (!form) return;
    setOutcome(null);
    const inverse = form.inverse.trim();
    try {
      if (form.typeId === null) {
        const body = { label: form.label.trim(), name: internalNameOf(form.label), ...(inverse ? { inverseLabel: inverse } : {}) };
        await session.client.request(apiPaths.labels(from, to), { method: 'POST', body, schema: labelsAnswer });
        setOutcome({ kind: 'ok', text: t('settingsLabelCreated', body.label) });
      } else {
        const body = { associationTypeId: form.typeId, label: form.label.trim(), ...(inverse ? { inverseLabel: inverse } : {}) };
        await session.client.request(apiPaths.labels(from, to), { method: 'PUT', body, schema: noContent });
        setOutcome({ kind: 'ok', text: t('settingsLabelRenamed', body.label) });
      }
      setForm(null);
      await load();
    } catch (err) {
      setOutcome({ kind: 'error', text: failureText(err) });
    }
  };

  const deleteLabel = async (type: AssociationUsage) => {
    setDeleting(null);
    setOutcome(null);
    try {
      await session.client.request(apiPaths.label(from, to, type.typeId), { method: 'DELETE', schema: noContent });
      setOutcome({ kind: 'ok', text: t('settingsLabelDeleted', type.label ?? '', formatNumber(type.associations)) });
      await load();
    } catch (err) {
      setOutcome({ kind: 'error', text: failureText(err) });
    }
  };

  const saveLimits = async (e: Event) => {
    e.preventDefault();
    setLimitOutcome(null);
    const set: Array<{ category: AssociationUsage['category']; typeId: number; maxToObjectIds: number }> = [];
    const purge: Array<{ category: AssociationUsage['category']; typeId: number }> = [];
    for (const type of limited) {
      const parsed = limitOf(limits[type.typeId] ?? '');
      if (!parsed.ok) return setLimitOutcome({ kind: 'error', text: t('settingsLimitInvalid', nameOf(type), formatNumber(LIMITS.maxToObjectIdsMax)) });
      if (parsed.value === type.ownLimit) continue;
      if (parsed.value === null) purge.push({ category: type.category, typeId: type.typeId });
      else set.push({ category: type.category, typeId: type.typeId, maxToObjectIds: parsed.value });
    }
    // a lower pair limit goes first, so a label lowered with it stays within it; a higher one last
    const pairFirst = set.sort((a, b) => (a.typeId === pairType?.typeId ? -1 : b.typeId === pairType?.typeId ? 1 : 0));
    try {
      const refused: string[] = [];
      if (purge.length) await session.client.request(apiPaths.purgeLimits(from, to), { method: 'POST', body: { inputs: purge }, schema: noContent });
      if (pairFirst.length) {
        const answer = await session.client.request(apiPaths.updateLimits(from, to), { method: 'POST', body: { inputs: pairFirst }, schema: batchOutcomeResponse });
        refused.push(...(answer.errors ?? []).map((err) => err.message));
      }
      const fresh = await session.client.request(apiPaths.associationUsage(from, to), { method: 'GET', schema: associationUsageResponse });
      setTypes(fresh.results);
      // what was refused stays typed in, to be corrected; what was saved shows as saved
      if (refused.length === 0) setLimits(Object.fromEntries(fresh.results.map((r) => [r.typeId, r.ownLimit === null ? '' : String(r.ownLimit)])));
      const above = fresh.results.filter((r) => r.recordsAbove > 0 && limited.some((l) => l.typeId === r.typeId));
      const note = above.map((r) => t('settingsRecordsAbove', formatNumber(r.recordsAbove), formatNumber(r.limit), nameOf(r))).join(' ');
      if (refused.length) setLimitOutcome({ kind: 'error', text: `${t('settingsLimitsRefused')} ${refused.join(' ')}` });
      else setLimitOutcome({ kind: 'ok', text: `${t('settingsLimitsSaved')}${note ? ` ${note}` : ''}` });
    } catch (err) {
      setLimitOutcome({ kind: 'error', text: failureText(err) });
    }
  };

  const nameOf = (type: AssociationUsage) => (type.label === null ? t('settingsPairLimitName') : type.label);

  return (
    <>
      <label class="crm-settings-pair">
        {t('settingsObjectPair')}
        <select value={String(pair)} onChange={(e) => setPair(Number((e.target as HTMLSelectElement).value))}>
          {PAIRS.map((p, i) => (
            <option key={i} value={String(i)}>
              {pairName(p.from, p.to)}
            </option>
          ))}
        </select>
      </label>

      <h3 id="crm-labels-title">{t('settingsLabels')}</h3>
      {!labelsAllowed && (
        <p class="crm-settings-gate" id="crm-labels-gate">
          {t('settingsLabelsPlanGate', t(PLAN_NAMES[plan] ?? 'settingsPlanStarter'))}
        </p>
      )}
      {types === null ? (
        <p role="status">{t('appLoading')}</p>
      ) : (
        <>
          <p class="crm-muted">{t('settingsLabelCount', formatNumber(labels.length), formatNumber(LIMITS.labelsPerPair))}</p>
          {labels.length === 0 ? (
            <p>{t('settingsNoLabels')}</p>
          ) : (
            <table class="crm-settings-table" aria-labelledby="crm-labels-title">
              <thead>
                <tr>
                  <th scope="col">{t('settingsLabelColumn', t(OBJECT_NAMES[from]), t(OBJECT_NAMES[to]))}</th>
                  <th scope="col">{t('settingsInverseColumn', t(OBJECT_NAMES[to]), t(OBJECT_NAMES[from]))}</th>
                  <th scope="col" class="crm-num">{t('settingsAssociationsColumn')}</th>
                  <th scope="col" class="crm-num">{t('settingsLimitColumn')}</th>
                  <th scope="col">
                    <span class="crm-visually-hidden">{t('settingsActions')}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {labels.map((type) => (
                  <tr key={type.typeId}>
                    <th scope="row">
                      {type.label}
                      {type.primary && <span class="crm-kind"> {t('settingsPrimaryStyle')}</span>}
                    </th>
                    <td>{type.inverseLabel ?? '—'}</td>
                    <td class="crm-num">{formatNumber(type.associations)}</td>
                    <td class="crm-num">
                      {formatNumber(type.limit)}
                      {type.recordsAbove > 0 && <div class="crm-pending-count">{t('settingsRecordsAboveShort', formatNumber(type.recordsAbove))}</div>}
                    </td>
                    <td class="crm-settings-actions">
                      <button
                        type="button"
                        class="crm-button"
                        disabled={!labelsAllowed}
                        aria-describedby={labelsAllowed ? undefined : 'crm-labels-gate'}
                        onClick={() => setForm({ typeId: type.typeId, label: type.label ?? '', inverse: type.inverseLabel ?? '' })}
                      >
                        {t('settingsRename')}
                      </button>
                      <button type="button" class="crm-button" disabled={!labelsAllowed} aria-describedby={labelsAllowed ? undefined : 'crm-labels-gate'} onClick={() => setDeleting(type)}>
                        {t('settingsDeleteLabel')}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          {form ? (
            <form class="crm-settings-form crm-settings-inline" onSubmit={(e) => void saveLabel(e)}>
              <h4>{form.typeId === null ? t('settingsNewLabel', pairName(from, to)) : t('settingsRenameLabel')}</h4>
              <label>
                {t('settingsLabelName')}
                <input type="text" required maxLength={100} value={form.label} autoFocus onKeyDown={(e) => e.key === 'Escape' && setForm(null)} onInput={(e) => setForm({ ...form, label: (e.target as HTMLInputElement).value })} />
              </label>
              <label>
                {t('settingsInverseLabelName')}
                <input type="text" maxLength={100} value={form.inverse} aria-describedby="crm-inverse-hint" onInput={(e) => setForm({ ...form, inverse: (e.target as HTMLInputElement).value })} />
              </label>
              <p id="crm-inverse-hint" class="crm-muted">
                {t('settingsInverseHint', t(OBJECT_NAMES[to]), t(OBJECT_NAMES[from]))}
              </p>
              <button type="submit" class="crm-button crm-primary">
                {t('settingsSave')}
              </button>
              <button type="button" class="crm-button" onClick={() => setForm(null)}>
                {t('settingsCancel')}
              </button>
            </form>
          ) : (
            <button
              ref={createButton}
              type="button"
              class="crm-button crm-primary"
              disabled={!labelsAllowed}
              aria-describedby={labelsAllowed ? undefined : 'crm-labels-gate'}
              onClick={() => setForm({ typeId: null, label: '', inverse: '' })}
            >
              {t('settingsCreateLabel')}
            </button>
          )}
          <OutcomeLine outcome={outcome} />

          <h3>{t('settingsLimits')}</h3>
          <p class="crm-muted">{t('settingsLimitsText', formatNumber(LIMITS.maxToObjectIdsMin), formatNumber(LIMITS.maxToObjectIdsMax))}</p>
          <form class="crm-settings-form crm-settings-limits" onSubmit={(e) => void saveLimits(e)}>
            {limited.map((type) => (
              <div key={type.typeId} class="crm-settings-limit">
                <label for={`crm-limit-input-${type.typeId}`}>{type.label === null ? t('settingsPairLimit', pairName(from, to)) : t('settingsLabelLimit', type.label)}</label>
                <input
                  id={`crm-limit-input-${type.typeId}`}
                  type="number"
                  inputMode="numeric"
                  min={LIMITS.maxToObjectIdsMin}
                  max={LIMITS.maxToObjectIdsMax}
                  placeholder={formatNumber(type.limit)}
                  value={limits[type.typeId] ?? ''}
                  aria-describedby={`crm-limit-${type.typeId}`}
                  onInput={(e) => setLimits({ ...limits, [type.typeId]: (e.target as HTMLInputElement).value })}
                />
                <span id={`crm-limit-${type.typeId}`} class="crm-muted">
                  {type.ownLimit === null ? t('settingsLimitDefault', formatNumber(type.limit)) : t('settingsLimitOwn')}
                  {type.recordsAbove > 0 && ` ${t('settingsRecordsAbove', formatNumber(type.recordsAbove), formatNumber(type.limit), nameOf(type))}`}
                </span>
              </div>
            ))}
            <button type="submit" class="crm-button crm-primary">
              {t('settingsSaveLimits')}
            </button>
            <OutcomeLine outcome={limitOutcome} />
          </form>
        </>
      )}

      {deleting && (
        <ConfirmDialog title={t('settingsDeleteLabel')} confirm={t('settingsConfirmDelete')} onConfirm={() => void deleteLabel(deleting)} onClose={() => setDeleting(null)}>
          <p>{t('settingsDeleteLabelText', deleting.label ?? '', formatNumber(deleting.associations))}</p>
        </ConfirmDialog>
      )}
    </>
  );
}
