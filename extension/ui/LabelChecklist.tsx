import type { EditableLabel } from '../app/record/model.ts';

/** The labels of one association as checkboxes (R14): the record page's and the sidebar's "Edit labels" both use it. */
export function LabelChecklist({ legend, labels, on, setOn }: { legend: string; labels: EditableLabel[] | null; on: Set<number>; setOn: (next: Set<number>) => void }) {
  return (
    <fieldset>
      <legend>{legend}</legend>
      {labels?.map((l) => (
        <label key={l.typeId} class="crm-check">
          <input
            type="checkbox"
            checked={on.has(l.typeId)}
            onChange={(e) => {
              const next = new Set(on);
              if (e.currentTarget.checked) next.add(l.typeId);
              else next.delete(l.typeId);
              setOn(next);
            }}
          />
          {l.label}
        </label>
      ))}
    </fieldset>
  );
}
