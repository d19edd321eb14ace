import { describe, expect, it } from 'vitest';
import { isLive, shownState, total } from './format.ts';

describe('an import\'s state as the screens show it (R16)', () => {
  it('a failed import whose failure starts CANCELED was canceled; the others are their state', () => {
    expect(shownState({ state: 'failed', failure: 'CANCELED: by a user' })).toBe('canceled');
    expect(shownState({ state: 'failed', failure: 'The stored file is gone' })).toBe('failed');
    expect(shownState({ state: 'done' })).toBe('done');
    expect(shownState({ state: 'undone' })).toBe('undone');
  });

  it('queued and running imports are followed; finished ones are not', () => {
    expect(['queued', 'running', 'done', 'failed', 'canceled', 'undone'].filter((s) => isLive(s as never))).toEqual(['queued', 'running']);
  });

  it('per-type counts add up', () => {
    expect(total({ contacts: 3, companies: 2 })).toBe(5);
    expect(total({})).toBe(0);
  });
});
