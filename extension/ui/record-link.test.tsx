import { cleanup, fireEvent, render } from '@testing-library/preact';
import { afterEach, describe, expect, it } from 'vitest';
import { RecordLink, type RecordLinks, RecordLinksContext } from './record-link.tsx';

afterEach(cleanup);

describe('record names open the record page (R22)', () => {
  it('a link to the address of the record page; a click asks for a new tab instead of following it', () => {
    const opened: string[] = [];
    const links: RecordLinks = { href: (t, id) => `chrome-extension://abc/app.html#/${t}/${id}`, open: (t, id) => void opened.push(`${t}/${id}`) };
    const { getByRole } = render(
      <RecordLinksContext.Provider value={links}>
        <RecordLink objectType="contacts" id="42">
          Alice Chen
        </RecordLink>
      </RecordLinksContext.Provider>,
    );
    const link = getByRole('link', { name: 'Alice Chen' });
    expect(link.getAttribute('href')).toBe('chrome-extension://abc/app.html#/contacts/42');
    expect(link.getAttribute('target')).toBe('_blank');
    const event = new MouseEvent('click', { bubbles: true, cancelable: true });
    fireEvent(link, event);
    expect(event.defaultPrevented).toBe(true);
    expect(opened).toEqual(['contacts/42']);
  });

  it('plain text where no links are given', () => {
    const { container, queryByRole } = render(<RecordLink objectType="deals" id="7">Big deal</RecordLink>);
    expect(queryByRole('link')).toBeNull();
    expect(container.textContent).toBe('Big deal');
  });
});
