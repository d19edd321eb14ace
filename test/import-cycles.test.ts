import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

// Product modules must not import each other in a circle: a cycle means two modules share a job
// (records ↔ auto-domain, associations ↔ labels, the background's requests ↔ messaging were such
// pairs), and at run time it leaves one of them half-initialised during the other's import.
// Type-only imports count too: they tie the layers together just the same.

const ROOT = resolve(import.meta.dirname, '..');
const PRODUCT = ['server', 'shared', 'extension'];

function productFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.tsx?$/.test(entry.name) && !/\.test\.tsx?$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(path);
    }
  };
  for (const dir of PRODUCT) walk(join(ROOT, dir));
  return out;
}

/** Static `import … from './x.ts'` and `export … from './x.ts'` of a source text (dynamic imports are lazy and break no initialisation). */
function relativeImports(source: string): string[] {
  return [...source.matchAll(/^\s*(?:import|export)\s[^'"`;]*?\bfrom\s+['"](\.{1,2}\/[^'"]+)['"]/gm), ...source.matchAll(/^\s*import\s+['"](\.{1,2}\/[^'"]+)['"]/gm)].map((m) => m[1]!);
}

/** Every cycle a depth-first walk meets, each as the list of modules around it. */
function cyclesOf(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const visit = (node: string) => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (!graph.has(next)) continue;
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of graph.keys()) if (!state.has(node)) visit(node);
  return cycles;
}

describe('import cycles', () => {
  it('the finder sees imports across lines, type-only ones, re-exports and side-effect imports, and finds a cycle', () => {
    const source = "import type {\n  A,\n  B,\n} from './a.ts';\nexport { c } from '../c.ts';\nimport './side.ts';\nimport { z } from 'zod';\nconst lazy = () => import('./lazy.ts');";
    expect(relativeImports(source).sort()).toEqual(['../c.ts', './a.ts', './side.ts']);
    const graph = new Map([['a', ['b']], ['b', ['c']], ['c', ['a']], ['d', ['a']]]);
    expect(cyclesOf(graph)).toEqual([['a', 'b', 'c', 'a']]);
    expect(cyclesOf(new Map([['a', ['b']], ['b', []]]))).toEqual([]);
  });

  it('server/, shared/ and extension/ have none', () => {
    const files = productFiles();
    expect(files.length).toBeGreaterThan(100);
    const graph = new Map(files.map((file) => [file, relativeImports(readFileSync(file, 'utf8')).map((spec) => resolve(dirname(file), spec))]));
    const cycles = cyclesOf(graph).map((cycle) => cycle.map((file) => relative(ROOT, file)).join(' → '));
    expect(cycles).toEqual([]);
  });
});
