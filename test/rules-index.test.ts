import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RULES, RULES_INDEX_PATH, collectRules, renderRulesIndex, testTitles } from '../scripts/rules-index.ts';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('the rules index (docs/rules.md)', () => {
  it('is what npm run docs:rules writes from the tests and sources of today', () => {
    const fresh = renderRulesIndex(root);
    const current = readFileSync(new URL(`../${RULES_INDEX_PATH}`, import.meta.url), 'utf8');
    if (current === fresh) return;
    const a = current.split('\n');
    const b = fresh.split('\n');
    const line = a.findIndex((text, i) => text !== b[i]);
    const at = line < 0 ? a.length : line;
    expect.fail(
      `${RULES_INDEX_PATH} is out of date (a test or source naming a rule changed): run \`npm run docs:rules\` and commit it.\n` +
        `First difference, line ${at + 1}:\n  in the file: ${a[at] ?? '(end of file)'}\n  fresh:       ${b[at] ?? '(end of file)'}`,
    );
  });

  it('every rule of the product has at least one test naming it', () => {
    const untested = collectRules(root).rules.filter((r) => r.tests.length === 0).map((r) => `${r.id} (${r.title})`);
    expect(untested, 'rules no test title names').toEqual([]);
  });

  it("every rule id a test title names is one of the product's rules", () => {
    const unknown = collectRules(root).unknownIds.map((u) => `${u.id} in ${u.where.file}: "${u.where.title}"`);
    expect(unknown, 'unknown rule ids in test titles').toEqual([]);
    expect(RULES.map((r) => r.id)).toEqual([
      ...Array.from({ length: 22 }, (_, i) => `R${i + 1}`),
      ...Array.from({ length: 5 }, (_, i) => `X${i + 1}`),
      ...Array.from({ length: 8 }, (_, i) => `B${i + 1}`),
    ]);
  });

  it('a call on the line right after a line comment is read (the comment ends at its line, not one character later)', () => {
    const source = ['// why this runs on PostgreSQL only', "describe.skipIf(x)('jobs (R17)', () => {", '  // a note', "  it('R8: primary', () => {});", '});'].join('\n');
    expect(testTitles('x.test.ts', source).map((t) => t.title)).toEqual(['jobs (R17)', 'R8: primary']);
  });

  it('reads titles from it, test, describe and their each, skipIf and runIf forms, not from comments of other calls', () => {
    const source = [
      "describe('companion (X2)', () => {",
      "  it('R8: first company is primary', async () => {});",
      '  it.each([',
      "    ['a', 'b'],",
      "  ])('R17: %s matches %s', () => {});",
      "  describe.skipIf(onPostgres)(`R4: ${'limits'} on PGlite`, () => {});",
      '  test.runIf(x)("B2: a \\"quoted\\" title", () => {});',
      "  expect(/x/.test('R9: not a title')).toBe(true);",
      "  z.string().describe('R21: not a test');",
      '  it(name, () => {});',
      '});',
    ].join('\n');
    expect(testTitles('x.test.ts', source)).toEqual([
      { file: 'x.test.ts', kind: 'describe', title: 'companion (X2)' },
      { file: 'x.test.ts', kind: 'test', title: 'R8: first company is primary' },
      { file: 'x.test.ts', kind: 'test', title: 'R17: %s matches %s' },
      { file: 'x.test.ts', kind: 'describe', title: "R4: ${'limits'} on PGlite" },
      { file: 'x.test.ts', kind: 'test', title: 'B2: a "quoted" title' },
    ]);
  });

  it('names the tests and sources of each rule, shows a rule without test as such, and reports unknown ids', () => {
    const base = mkdtempSync(join(tmpdir(), 'crm-rules-index-'));
    try {
      for (const dir of ['server/domain', 'shared', 'extension', 'test']) mkdirSync(join(base, dir), { recursive: true });
      writeFileSync(join(base, 'server/domain/primary.ts'), '// R8: the first company becomes primary (not R80)\nexport const x = 1;\n');
      writeFileSync(join(base, 'server/domain/primary.test.ts'), "it('R8: first company is primary', () => {});\nit('R23: no such rule', () => {});\n");
      writeFileSync(join(base, 'test/other.test.ts'), "describe('labels (R14, B4)', () => {});\n// it('R1: commented out')\n");
      const { rules, unknownIds } = collectRules(base);
      const r8 = rules.find((r) => r.id === 'R8')!;
      expect(r8.tests.map((t) => `${t.file}: ${t.title}`)).toEqual(['server/domain/primary.test.ts: R8: first company is primary']);
      expect(r8.code).toEqual(['server/domain/primary.ts']);
      expect(rules.filter((r) => r.tests.length > 0).map((r) => r.id)).toEqual(['R8', 'R14', 'B4']);
      expect(unknownIds.map((u) => u.id)).toEqual(['R23']);
      const page = renderRulesIndex(base);
      expect(page).toContain('| [R1](#r1) | Standard objects; custom object types per workspace (Enterprise) | **no test** | 0 |');
      expect(page).toContain('- [server/domain/primary.test.ts](../server/domain/primary.test.ts)\n  - "R8: first company is primary"');
      expect(page).toContain('  - describe "labels (R14, B4)"');
      expect(page).toContain('Source: [server/domain/primary.ts](../server/domain/primary.ts).');
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});
