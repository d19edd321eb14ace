import { useEffect, useState } from 'preact/hooks';
import { onTextsChange } from '../i18n.ts';

/** Renders the component again (and everything below it) when the rep picks another language on the options page. */
export function useTexts(): void {
  const [, bump] = useState(0);
  useEffect(() => onTextsChange(() => bump((n) => n + 1)), []);
}
