import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

/** axe-core's browser script, read once. */
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  /** The CSS selectors of the offending elements. */
  targets: string[];
}

/**
 * The serious and critical accessibility violations axe-core finds in the page as it is now (WCAG
 * 2.x A and AA rules and axe's best practices). The script is evaluated through the debugging
 * protocol, so an extension page's content security policy (no inline scripts) does not stop it.
 * `include`: a selector to check only part of the page (the sidebar inside a webmail page, also
 * when it is inside an open shadow root).
 */
export async function seriousViolations(page: Page, include?: string): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  const found = await page.evaluate(async (selector) => {
    const axe = (globalThis as unknown as { axe: { run(context: unknown, options: unknown): Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: Array<{ target: unknown[] }> }> }> } }).axe;
    // a part inside an open shadow root (the sidebar's) is named to axe as [host, selector]
    const host = selector && !document.querySelector(selector) ? [...document.querySelectorAll('*')].find((el) => el.shadowRoot?.querySelector(selector)) : undefined;
    const context = selector ? { include: [host ? [host.tagName.toLowerCase(), selector] : selector] } : document;
    const result = await axe.run(context, { resultTypes: ['violations'] });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, targets: v.nodes.map((n) => n.target.map(String).join(' ')) }));
  }, include ?? null);
  return found.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
