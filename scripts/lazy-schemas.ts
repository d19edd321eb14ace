import { readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Plugin, parseAst } from 'vite';

/**
 * The companion's build: every zod schema defined at the top level of a shared module is built at
 * its first use, not when the module loads (shared/lazy-schema.ts says why). Rewrites
 *
 *   export const contactBody = z.object({ ... });
 *   const page = contactBody.extend({ ... }).optional();
 *
 * into `/* @__PURE__ *\/ __lazySchema(() => <the same expression>, 'contactBody')`, which also lets
 * the bundler drop the definitions a bundle never uses. A definition is rewritten when it is a
 * call whose chain starts at zod's `z`, at a definition rewritten before it in the same module or
 * at one imported from another module of the project; anything else (a property of a schema, a
 * value that is not a call, a helper's call) runs as written. Line numbers stay as they are.
 */
const LAZY_SCHEMA_MODULE = fileURLToPath(new URL('../shared/lazy-schema.ts', import.meta.url)).replaceAll('\\', '/');
const HELPER = '__lazySchema';

/** The few node shapes looked at (ESTree with TypeScript's nodes, as the bundler's parser gives them). */
interface Node {
  type: string;
  start: number;
  end: number;
  [key: string]: unknown;
}

interface Analysis {
  /** The definitions rewritten: their initializers' places and names. */
  edits: Array<{ start: number; end: number; name: string }>;
  /** The names the module exports that are rewritten definitions. */
  exports: Set<string>;
}

/**
 * Which top-level definitions of a module are schema chains: starting at zod's `z`, at a definition
 * before it in the module, or at an import that is one in its own module (`lazyExportsOf`).
 */
function analyse(source: string, fileName: string, lazyExportsOf: (specifier: string) => ReadonlySet<string>): Analysis {
  const program = parseAst(source, { lang: fileName.endsWith('.tsx') ? 'tsx' : 'ts' }, fileName) as unknown as { body: Node[] };
  const roots = new Set<string>();
  const zod = zodBinding(program.body);
  if (zod) roots.add(zod);
  for (const statement of program.body) {
    if (statement.type !== 'ImportDeclaration' || statement.importKind === 'type') continue;
    const from = (statement.source as Node).value as string;
    if (!from.startsWith('.')) continue;
    const lazy = lazyExportsOf(from);
    for (const specifier of statement.specifiers as Node[]) {
      if (specifier.type === 'ImportSpecifier' && specifier.importKind !== 'type' && lazy.has((specifier.imported as Node).name as string)) roots.add((specifier.local as Node).name as string);
    }
  }
  const analysis: Analysis = { edits: [], exports: new Set() };
  if (roots.size === 0) return analysis;
  const exportedAs = new Map<string, string[]>();
  for (const statement of program.body) {
    const exported = statement.type === 'ExportNamedDeclaration';
    if (exported && !statement.declaration && !statement.source) {
      for (const specifier of statement.specifiers as Node[]) {
        const local = (specifier.local as Node).name as string;
        exportedAs.set(local, [...(exportedAs.get(local) ?? []), (specifier.exported as Node).name as string]);
      }
    }
    const declaration = exported ? (statement.declaration as Node | null) : statement;
    if (declaration?.type !== 'VariableDeclaration' || declaration.kind !== 'const') continue;
    for (const declarator of declaration.declarations as Node[]) {
      const id = declarator.id as Node;
      const init = declarator.init as Node | null;
      if (id.type !== 'Identifier' || !init || !isSchemaChain(init, roots)) continue;
      const name = id.name as string;
      roots.add(name);
      analysis.edits.push({ start: init.start, end: init.end, name });
      if (exported) analysis.exports.add(name);
    }
  }
  for (const { name } of analysis.edits) for (const as of exportedAs.get(name) ?? []) analysis.exports.add(as);
  return analysis;
}

/** Analyses of the project's modules, by path and modification time (each module's imports are read from disk). */
const analyses = new Map<string, Analysis>();
const EMPTY: ReadonlySet<string> = new Set();

function analyseFile(path: string): Analysis {
  let key: string;
  try {
    key = `${path}:${statSync(path).mtimeMs}`;
  } catch {
    return { edits: [], exports: new Set() };
  }
  const known = analyses.get(key);
  if (known) return known;
  // an import cycle sees the module as having no schemas while it is being read: its definitions stay eager
  analyses.set(key, { edits: [], exports: new Set() });
  const analysis = analyse(readFileSync(path, 'utf8'), path, (specifier) => importedLazy(path, specifier));
  analyses.set(key, analysis);
  return analysis;
}

/** The rewritten definitions an import names (a module of the project, by its relative path). */
function importedLazy(importer: string, specifier: string): ReadonlySet<string> {
  const target = resolve(dirname(importer), specifier).replaceAll('\\', '/');
  return /\.tsx?$/.test(target) && !target.includes('/node_modules/') ? analyseFile(target).exports : EMPTY;
}

/** The module with its schema definitions rewritten, or null when it has none. */
export function makeSchemasLazy(source: string, fileName: string): string | null {
  const { edits } = analyse(source, fileName, (specifier) => importedLazy(fileName, specifier));
  if (edits.length === 0) return null;
  let out = source;
  for (const { start, end, name } of [...edits].reverse()) {
    out = `${out.slice(0, start)}/* @__PURE__ */ ${HELPER}(() => (${out.slice(start, end)}), ${JSON.stringify(name)})${out.slice(end)}`;
  }
  // on the first line, so that every line keeps its number
  return `import { lazySchema as ${HELPER} } from ${JSON.stringify(LAZY_SCHEMA_MODULE)}; ${out}`;
}

/** The local name of `import { z } from 'zod'` (or `zod/v4`), if the module imports it as a value. */
function zodBinding(body: Node[]): string | null {
  for (const statement of body) {
    if (statement.type !== 'ImportDeclaration' || statement.importKind === 'type') continue;
    const from = (statement.source as Node).value;
    if (from !== 'zod' && from !== 'zod/v4') continue;
    for (const specifier of statement.specifiers as Node[]) {
      if (specifier.type === 'ImportSpecifier' && specifier.importKind !== 'type' && (specifier.imported as Node).name === 'z') return (specifier.local as Node).name as string;
    }
  }
  return null;
}

/** A call (its outermost operation) whose chain of calls and property reads starts at one of `roots`. */
function isSchemaChain(init: Node, roots: ReadonlySet<string>): boolean {
  let e = unwrap(init);
  if (e.type !== 'CallExpression') return false;
  for (;;) {
    e = unwrap(e);
    if (e.type === 'CallExpression') e = e.callee as Node;
    else if (e.type === 'MemberExpression' && !e.computed) e = e.object as Node;
    else break;
  }
  return e.type === 'Identifier' && roots.has(e.name as string);
}

const WRAPPERS = new Set(['ParenthesizedExpression', 'TSAsExpression', 'TSSatisfiesExpression', 'TSNonNullExpression', 'ChainExpression']);

function unwrap(e: Node): Node {
  while (WRAPPERS.has(e.type)) e = e.expression as Node;
  return e;
}

/** The build step: the shared modules and the companion's own (not tests). */
export function lazySchemas(): Plugin {
  return {
    name: 'crm-lazy-schemas',
    enforce: 'pre',
    transform(code, id) {
      const path = id.split('?')[0]!.replaceAll('\\', '/');
      if (!/\/(shared|extension)\/.+\.tsx?$/.test(path) || /\.test\.tsx?$/.test(path) || path.includes('/node_modules/') || path === LAZY_SCHEMA_MODULE) return null;
      const out = makeSchemasLazy(code, path);
      return out === null ? null : { code: out, map: null };
    },
  };
}
