/**
 * Writes docs/rules.md: for each rule of the product (R1–R22, X1–X5, B1–B8), the tests that
 * name it and the source files that mention it. Tests name the rule they prove in their title
 * (`it('R8: ...')`, `describe('... (R18)')`), so the index is read from the code itself and a
 * test (test/rules-index.test.ts) fails when the checked-in file differs from a fresh one.
 *
 *   node scripts/rules-index.ts           write docs/rules.md
 *   node scripts/rules-index.ts --check   exit 1 when docs/rules.md is stale
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The rules of the product, with a short title each: the ids tests and comments name. */
export const RULES: readonly { id: string; title: string }[] = [
  { id: 'R1', title: 'Standard objects; custom object types per workspace (Enterprise)' },
  { id: 'R2', title: 'Associations are always two-way, never a half edge' },
  { id: 'R3', title: 'Activities can be associated with other records' },
  { id: 'R4', title: 'Per-record association limits; exceeding one is refused, nothing half-written' },
  { id: 'R5', title: 'Create-and-associate, search-and-associate, recommendations' },
  { id: 'R6', title: 'Set a company as primary, or replace the current primary' },
  { id: 'R7', title: 'A company associated while creating a record becomes its primary' },
  { id: 'R8', title: "A contact's first company is primary; exactly one primary" },
  { id: 'R9', title: 'Primary company in index columns' },
  { id: 'R10', title: 'Activities are associated automatically with the primary company only' },
  { id: 'R11', title: "Lifecycle-stage sync updates only the primary company" },
  { id: 'R12', title: 'Filters, reports and tokens refer to the primary association' },
  { id: 'R13', title: 'Built-in primary only towards companies; custom primary-style labels' },
  { id: 'R14', title: 'Association labels per object pair, paired labels (Professional, Enterprise)' },
  { id: 'R15', title: 'Per association: set or remove primary, edit labels, remove' },
  { id: 'R16', title: 'Bulk association: import, API, automatic by domain' },
  { id: 'R17', title: 'Import matches and deduplicates; refused rows reported, good rows land' },
  { id: 'R18', title: 'Automatic company association and creation by email domain' },
  { id: 'R19', title: 'Association columns on index pages' },
  { id: 'R20', title: 'Association history: name, id, created or deleted, time, source' },
  { id: 'R21', title: 'History sources' },
  { id: 'R22', title: "History entries link to the record; one association's history newest first" },
  { id: 'X1', title: "Companion: detect the open thread's participants in webmail" },
  { id: 'X2', title: 'Companion: sidebar with what the CRM knows, one-click actions' },
  { id: 'X3', title: 'Companion: popup search-and-associate, pending changes' },
  { id: 'X4', title: 'Companion: offline outbox with idempotency keys, cache follows the change feed' },
  { id: 'X5', title: 'The server is the source of truth, compatible with HubSpot CRM v3/v4' },
  { id: 'B1', title: 'Undo an import, a merge or an association change' },
  { id: 'B2', title: 'Change feed of association events (cursor based)' },
  { id: 'B3', title: "Point-in-time view of a record's associations" },
  { id: 'B4', title: 'Primary-style labels on any pair' },
  { id: 'B5', title: 'Rule-based auto-association beyond domain (source Job)' },
  { id: 'B6', title: 'Copy associations from one record to another' },
  { id: 'B7', title: 'Recommendations explain their ranking' },
  { id: 'B8', title: 'Workspace email-logging policy' },
];

/** A rule id as written in titles and comments; \b keeps R1 from matching inside R10. */
const RULE_ID = /\b[RXB]\d+\b/g;
const KNOWN = new Set(RULES.map((r) => r.id));

const SOURCE_DIRS = ['server', 'shared', 'extension', 'test'];
const CODE_DIRS = ['server', 'shared', 'extension'];
const SKIP_DIRS = new Set(['node_modules', '.output', '.wxt', 'meta']);

export type TestTitle = { file: string; kind: 'describe' | 'test'; title: string };

function listFiles(root: string, dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) {
      if (!SKIP_DIRS.has(entry.name)) out.push(...listFiles(root, path));
    } else if (/\.(ts|tsx|sql)$/.test(entry.name)) {
      out.push(path);
    }
  }
  return out.sort();
}

const isTestFile = (path: string) => /\.test\.tsx?$/.test(path);

/** The end of the string literal starting at `start` (a quote or backtick), or -1. */
function stringEnd(text: string, start: number): number {
  const quote = text[start];
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (quote === '`' && c === '$' && text[i + 1] === '{') {
      i = expressionEnd(text, i + 2);
      if (i < 0) return -1;
    } else if (c === quote) return i;
  }
  return -1;
}

/** The `}` that closes a template literal's `${` expression starting at `start`, or -1. */
function expressionEnd(text: string, start: number): number {
  let depth = 0;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === '"' || c === "'" || c === '`') {
      i = stringEnd(text, i);
      if (i < 0) return -1;
    } else if (c === '{') depth++;
    else if (c === '}' && depth-- === 0) return i;
  }
  return -1;
}

/** Index just past the parenthesised group opening at `open`, skipping strings inside it. */
function skipParens(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"' || c === "'" || c === '`') {
      const end = stringEnd(text, i);
      if (end < 0) return -1;
      i = end;
    } else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return -1;
}

function unquote(literal: string): string {
  return literal
    .slice(1, -1)
    .replace(/\\(.)/g, '$1')
    .replace(/\s+/g, ' ');
}

/**
 * The titles of `describe`, `it` and `test` calls in one test file, in source order:
 * `it('...')`, `it.skip('...')`, `describe.each([...])('...')`, `it.runIf(x)('...')` and the like. A title that is not a
 * literal (a variable) is left out: it cannot name a rule the reader can find.
 */
export function testTitles(file: string, text: string): TestTitle[] {
  const titles: TestTitle[] = [];
  const call = /(describe|it|test)((?:\.\w+)*)\s*\(/y;
  let previous = ''; // the last character of code, to tell a regular expression from a division
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (/\s/.test(c)) continue;
    // Comments, strings and regular expressions are skipped whole: a call written inside one is not a test.
    if (c === '/' && (text[i + 1] === '/' || text[i + 1] === '*')) {
      // the loop's i++ then steps past the line end or the comment's last '/', onto the next code
      const line = text[i + 1] === '/';
      const close = text.indexOf(line ? '\n' : '*/', i + 2);
      i = close < 0 ? text.length : line ? close : close + 1;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') i = Math.max(i, stringEnd(text, i));
    else if (c === '/' && /^$|[(,=:[!&|?{};+\-*%<>~^]/.test(previous)) i = regexEnd(text, i);
    else if (/[dit]/.test(c) && !/[\w$.]/.test(text[i - 1] ?? ' ')) {
      call.lastIndex = i;
      const m = call.exec(text);
      if (m) {
        const title = callTitle(text, m.index + m[0].length - 1, m[2]!);
        if (title) titles.push({ file, kind: m[1] === 'describe' ? 'describe' : 'test', title: unquote(text.slice(title.start, title.end + 1)) });
        i = m.index + m[0].length - 2; // go on from the parenthesis: the title is a string to skip
      }
    }
    previous = text[i] ?? '';
  }
  return titles;
}

/** The last index of the regular expression literal starting at `start`, or `start` if there is none. */
function regexEnd(text: string, start: number): number {
  let inClass = false;
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') return start;
    if (c === '\\') i++;
    else if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    else if (c === '/' && !inClass) {
      while (/[a-z]/.test(text[i + 1] ?? '')) i++;
      return i;
    }
  }
  return start;
}

/** Where the title literal of a call opening at `open` is, or undefined when it is not a literal. */
function callTitle(text: string, open: number, modifiers: string): { start: number; end: number } | undefined {
  let at = open;
  if (/\.(each|for|runIf|skipIf)\b/.test(modifiers)) {
    // it.each(table)(title, ...), it.skipIf(condition)(title, ...): the title is in the second group
    at = skipParens(text, at);
    if (at < 0) return undefined;
    while (/\s/.test(text[at] ?? '')) at++;
    if (text[at] !== '(') return undefined;
  }
  let start = at + 1;
  while (/\s/.test(text[start] ?? '')) start++;
  if (!['"', "'", '`'].includes(text[start] ?? '')) return undefined;
  const end = stringEnd(text, start);
  return end < 0 ? undefined : { start, end };
}

export type RuleEntry = { id: string; title: string; tests: TestTitle[]; code: string[] };
export type RulesIndex = { rules: RuleEntry[]; unknownIds: { id: string; where: TestTitle }[] };

/** Reads the repository at `root` and collects, per rule, the tests and code that name it. */
export function collectRules(root: string): RulesIndex {
  const files = SOURCE_DIRS.flatMap((dir) => listFiles(root, dir));
  const rules = RULES.map((r) => ({ ...r, tests: [] as TestTitle[], code: [] as string[] }));
  const byId = new Map(rules.map((r) => [r.id, r]));
  const unknownIds: RulesIndex['unknownIds'] = [];
  for (const file of files) {
    const text = readFileSync(join(root, file), 'utf8');
    if (isTestFile(file)) {
      for (const t of testTitles(file, text)) {
        for (const id of new Set(t.title.match(RULE_ID) ?? [])) {
          const rule = byId.get(id);
          if (rule) rule.tests.push(t);
          else unknownIds.push({ id, where: t });
        }
      }
    } else if (CODE_DIRS.some((dir) => file.startsWith(`${dir}/`))) {
      for (const id of new Set(text.match(RULE_ID) ?? [])) byId.get(id)?.code.push(file);
    }
  }
  return { rules, unknownIds };
}

/** Markdown-escape a test title for a list item. */
function escape(text: string): string {
  return text.replace(/[\\`*_[\]<>|]/g, (c) => `\\${c}`);
}

const link = (file: string) => `[${file}](../${file})`;

/** docs/rules.md for the repository at `root`. */
export function renderRulesIndex(root: string): string {
  const { rules } = collectRules(root);
  const untested = rules.filter((r) => r.tests.length === 0);
  const lines: string[] = [
    '# Rules index',
    '',
    '<!-- Generated by `npm run docs:rules` (scripts/rules-index.ts). Do not edit by hand. -->',
    '',
    'Each rule of the product, with the tests that name it in their title (`it(\'R8: ...\')`,',
    'or a `describe` block that does) and the source files that mention it. Generated from the code by',
    '`npm run docs:rules`; `test/rules-index.test.ts` fails when this file is out of date.',
    '',
    'R1–R22 are the rules of associations (objects, primary companies, labels, limits, bulk, index',
    'pages, history), X1–X5 those of the browser companion, B1–B8 what goes beyond them (undo, change',
    'feed, point-in-time view, rule-based association, copy, explained recommendations, logging policy).',
    '',
    `Rules with no test naming them: ${untested.length ? untested.map((r) => `**${r.id}**`).join(', ') : 'none'}.`,
    '',
    '| rule | what | tests | source files |',
    '| --- | --- | --- | --- |',
    ...rules.map((r) => `| [${r.id}](#${r.id.toLowerCase()}) | ${r.title} | ${r.tests.length || '**no test**'} | ${r.code.length} |`),
  ];
  for (const r of rules) {
    lines.push('', `## ${r.id}`, '', `${r.title}.`, '');
    if (r.tests.length === 0) lines.push('Tests: **no test names this rule.**');
    else {
      lines.push('Tests:', '');
      let file = '';
      for (const t of r.tests) {
        if (t.file !== file) lines.push(`- ${link((file = t.file))}`);
        lines.push(`  - ${t.kind === 'describe' ? 'describe ' : ''}"${escape(t.title)}"`);
      }
    }
    lines.push('');
    lines.push(r.code.length ? `Source: ${r.code.map(link).join(', ')}.` : 'Source: no source file mentions this rule.');
  }
  return `${lines.join('\n')}\n`;
}

export const RULES_INDEX_PATH = 'docs/rules.md';

if (import.meta.main) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const fresh = renderRulesIndex(root);
  const target = join(root, RULES_INDEX_PATH);
  if (process.argv.includes('--check')) {
    const current = (() => {
      try {
        return readFileSync(target, 'utf8');
      } catch {
        return '';
      }
    })();
    if (current !== fresh) {
      process.stderr.write(`${RULES_INDEX_PATH} is out of date: run npm run docs:rules and commit it.\n`);
      process.exit(1);
    }
  } else {
    writeFileSync(target, fresh);
    const untested = collectRules(root).rules.filter((r) => r.tests.length === 0);
    process.stdout.write(`wrote ${RULES_INDEX_PATH}; rules with no test: ${untested.map((r) => r.id).join(', ') || 'none'}\n`);
  }
}
