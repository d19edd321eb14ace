import { existsSync, mkdtempSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The documentation is split over README.md, docs/ and bench/README.md, and files move: a link
// that points nowhere is found here rather than by a reader.

const root = fileURLToPath(new URL('..', import.meta.url));

/** The documentation files, relative to `base`: README.md, bench/README.md and docs/*.md. */
function docFiles(base: string): string[] {
  const docs = existsSync(join(base, 'docs')) ? readdirSync(join(base, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`) : [];
  return ['README.md', 'bench/README.md', ...docs.sort()].filter((f) => existsSync(join(base, f)));
}

/** Markdown without code: links inside fences or `code spans` are examples, not links. */
function withoutCode(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[`*]/g, '')
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
}

/** The anchors a Markdown file offers: its headings (numbered when repeated) and explicit ids. */
function anchors(markdown: string): Set<string> {
  const found = new Set<string>();
  const seen = new Map<string, number>();
  const prose = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
  for (const [, heading] of prose.matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug(heading!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    found.add(n === 0 ? base : `${base}-${n}`);
  }
  for (const [, id] of prose.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) found.add(id!);
  return found;
}

/** Every relative link in the documentation of `base` whose file (or heading) does not exist. */
function brokenLinks(base: string): string[] {
  const broken: string[] = [];
  for (const file of docFiles(base)) {
    const markdown = readFileSync(join(base, file), 'utf8');
    const targets = [
      ...[...withoutCode(markdown).matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!),
      ...[...markdown.matchAll(/^\s*\[[^\]]+\]:\s*(\S+)/gm)].map((m) => m[1]!),
    ];
    for (const target of targets) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto:, chrome-extension: ...
      const [path = '', fragment] = target.split('#');
      const resolved = path ? posix.normalize(posix.join(posix.dirname(file), decodeURI(path))) : file;
      if (resolved.startsWith('..') || !existsSync(join(base, resolved))) {
        broken.push(`${file}: ${target} (no file ${resolved})`);
      } else if (fragment && resolved.endsWith('.md') && !anchors(readFileSync(join(base, resolved), 'utf8')).has(fragment)) {
        broken.push(`${file}: ${target} (no heading #${fragment} in ${resolved})`);
      }
    }
  }
  return broken;
}

describe('links in the documentation', () => {
  it('every relative link in README.md, bench/README.md and docs/*.md points to an existing file and heading', () => {
    expect(docFiles(root)).toContain('README.md');
    expect(brokenLinks(root)).toEqual([]);
  });

  it('a link to a missing file or heading is reported; web links, code and existing targets are not', () => {
    const base = mkdtempSync(join(tmpdir(), 'crm-doc-links-'));
    try {
      mkdirSync(join(base, 'docs'));
      writeFileSync(join(base, 'docs', 'api.md'), '# API guide\n\n## Errors `400`\n\n## Errors `400`\n');
      writeFileSync(
        join(base, 'README.md'),
        [
          '# Project',
          '![picture](docs/api.md) [api](docs/api.md#errors-400) [again](docs/api.md#errors-400-1) [here](#project)',
          '[web](https://example.com/x.md) `[code](nowhere.md)`',
          '```',
          '[fenced](nowhere.md)',
          '```',
          '[gone](docs/gone.md) [no heading](docs/api.md#nothing) [up](../outside.md) [self](#missing)',
        ].join('\n'),
      );
      expect(brokenLinks(base)).toEqual([
        'README.md: docs/gone.md (no file docs/gone.md)',
        'README.md: docs/api.md#nothing (no heading #nothing in docs/api.md)',
        'README.md: ../outside.md (no file ../outside.md)',
        'README.md: #missing (no heading #missing in README.md)',
      ]);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});
