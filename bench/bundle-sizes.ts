/**
 * The size of each entry point of a built extension (its own files plus the shared chunks it
 * loads), raw and gzip level 9, as a table: used by bench/companion.ts and bench/bundle.ts.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { int, markdownTable } from './stats.ts';

export const CONTENT_SCRIPT_TARGET_KB = 40;

/** Every file an HTML page loads (scripts, preloaded chunks, styles). */
function pageFiles(dir: string, html: string): string[] {
  const text = readFileSync(join(dir, html), 'utf8');
  return [html, ...[...text.matchAll(/(?:src|href)="\/?([^"]+\.(?:js|css))"/g)].map((m) => m[1]!)];
}

function gz(dir: string, files: string[]): { raw: number; gzip: number } {
  let raw = 0;
  let gzip = 0;
  for (const f of files) {
    // a source-map build's comment naming its map is not part of what ships
    const bytes = f.endsWith('.js') ? Buffer.from(readFileSync(join(dir, f), 'utf8').replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, '')) : readFileSync(join(dir, f));
    raw += bytes.length;
    gzip += gzipSync(bytes, { level: 9 }).length;
  }
  return { raw, gzip };
}

function walk(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path, base) : [relative(base, path)];
  });
}

/** The markdown table of the built extension in `dir` (source maps, if any, are not counted). */
export function entrySizeTable(dir: string): string {
  const files = walk(dir).filter((f) => !f.endsWith('.map'));
  const entries: Array<[string, string[]]> = [
    ['content script (Gmail, Outlook)', files.filter((f) => f.startsWith('content-scripts/'))],
    ['background (service worker)', ['background.js']],
    ['popup', pageFiles(dir, 'popup.html')],
    ['options', pageFiles(dir, 'options.html')],
  ];
  const rows = entries.map(([name, list]) => {
    const { raw, gzip } = gz(dir, list);
    const note = name.startsWith('content') ? (gzip / 1024 < CONTENT_SCRIPT_TARGET_KB ? `< ${CONTENT_SCRIPT_TARGET_KB} KB target` : `≥ ${CONTENT_SCRIPT_TARGET_KB} KB target`) : '';
    return [name, (raw / 1024).toFixed(1), (gzip / 1024).toFixed(1), note];
  });
  const all = gz(dir, files);
  rows.push(['whole extension (every file)', (all.raw / 1024).toFixed(1), (all.gzip / 1024).toFixed(1), `${int(files.length)} files`]);
  return markdownTable(['entry point', 'raw', 'gzip', ''], rows);
}
