import { describe, expect, it } from 'vitest';
import { labelCreateBody } from '../../../shared/associations.ts';
import { internalNameOf, limitOf, PAIRS } from './logic.ts';

describe('settings screen logic', () => {
  it('R14: a label gets an internal name the server accepts, whatever was typed', () => {
    for (const label of ['Decision maker', 'Beslisser (hoofd)', 'Café-eigenaar', '決定者', '  ']) {
      const name = internalNameOf(label, 42);
      expect(labelCreateBody.safeParse({ label: label.trim() || 'x', name }).success, `${label} → ${name}`).toBe(true);
    }
    expect(internalNameOf('Decision maker')).toBe('decision_maker');
    expect(internalNameOf('決定者', 42)).toBe('label_42');
  });

  it('R4: a limit as typed is empty (the default), or a whole number from 1 to 10,000', () => {
    expect(limitOf('')).toEqual({ ok: true, value: null });
    expect(limitOf(' 25 ')).toEqual({ ok: true, value: 25 });
    expect(limitOf('10000')).toEqual({ ok: true, value: 10_000 });
    for (const bad of ['0', '10001', '2.5', '-3', 'ten']) expect(limitOf(bad).ok, bad).toBe(false);
  });

  it('every direction between two different standard objects, once', () => {
    expect(PAIRS).toHaveLength(12);
    expect(new Set(PAIRS.map((p) => `${p.from}>${p.to}`)).size).toBe(12);
    expect(PAIRS.every((p) => p.from !== p.to)).toBe(true);
  });
});
