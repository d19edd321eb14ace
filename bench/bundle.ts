/**
 * Where the companion's bundle goes: builds the extension with source maps and prints the size of
 * every entry point, then, for each file asked for (the content script by default), the bytes each
 * source module contributes (the minified code the source map attributes to it), biggest first, a
 * package's files as one row. The gzip column of a module is its code compressed on its own (an
 * upper bound: in the file, gzip also shares strings between modules); the file's own gzip size
 * is the real figure, beside the 40 KB target. `(unmapped)` is code the map gives no source for:
 * mostly multi-line template literals (the sidebar's CSS text) and the bundler's wrapper.
 * `--baseline <git ref>` builds that commit's tree too, in the same run, for a before/after.
 * A benchmark reports; it never fails a run.
 *
 *   npm run bench:bundle -- [--entry content-scripts/mail.js] [--top 40] [--modules] [--baseline HEAD]
 */
import { existsSync, readFileSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs, promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { buildExtension } from '../test/e2e/helpers/companion.ts';
import { CONTENT_SCRIPT_TARGET_KB, entrySizeTable } from './bundle-sizes.ts';
import { markdownTable } from './stats.ts';

const { values: args } = parseArgs({
  options: {
    entry: { type: 'string', multiple: true, default: ['content-scripts/mail.js'] },
    top: { type: 'string', default: '40' },
    // one row per file inside node_modules too (by default a package is one row)
    modules: { type: 'boolean', default: false },
    // a commit to build and measure beside the working tree
    baseline: { type: 'string' },
  },
});
const TOP = Number(args.top);

interface SourceMap {
  sources: string[];
  mappings: string;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** A source map's `mappings`, per generated line: [generated column, source index?] (source map v3, base64 VLQ, fields relative to the previous segment). */
function decode(mappings: string): Array<Array<[number, number?]>> {
  let source = 0;
  return mappings.split(';').map((line) => {
    let column = 0;
    return line.split(',').filter(Boolean).map((segment) => {
      const fields: number[] = [];
      let value = 0;
      let shift = 0;
      for (const char of segment) {
        const digit = BASE64.indexOf(char);
        if (digit < 0) throw new Error(`source map: bad character ${char}`);
        value += (digit & 31) << shift;
        if (digit & 32) shift += 5;
        else {
          fields.push(value & 1 ? -(value >>> 1) : value >>> 1);
          value = 0;
          shift = 0;
        }
      }
      column += fields[0]!;
      if (fields.length < 4) return [column] as [number, number?];
      source += fields[1]!;
      return [column, source] as [number, number?];
    });
  });
}

const root = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);

/** What names a source (a path relative to the map's folder): `extension/ui/Sidebar.tsx`, or `zod` for a package's files. */
function moduleName(mapDir: string, source: string, byFile: boolean): string {
  const path = relative(root, resolve(mapDir, source)).replaceAll('\\', '/');
  const nm = path.lastIndexOf('node_modules/');
  if (nm < 0) return path;
  const rest = path.slice(nm + 'node_modules/'.length);
  if (byFile) return rest;
  const parts = rest.split('/');
  return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
}

/** The generated code of one file, split by the module each stretch comes from (unmapped stretches: `(unmapped)`). */
function attribute(code: string, map: SourceMap, mapDir: string, byFile: boolean): Map<string, string> {
  const lines = code.split('\n');
  const decoded = decode(map.mappings);
  const parts = new Map<string, string[]>();
  const add = (name: string, text: string) => {
    if (!text) return;
    const list = parts.get(name) ?? [];
    list.push(text);
    parts.set(name, list);
  };
  lines.forEach((line, i) => {
    const segments = decoded[i] ?? [];
    if (segments.length === 0) return add('(unmapped)', line + '\n');
    add('(unmapped)', line.slice(0, segments[0]![0]));
    segments.forEach((segment, j) => {
      const end = j + 1 < segments.length ? segments[j + 1]![0] : line.length;
      const name = segment.length > 1 ? moduleName(mapDir, map.sources[segment[1]!]!, byFile) : '(unmapped)';
      add(name, line.slice(segment[0], end) + (j + 1 === segments.length ? '\n' : ''));
    });
  });
  return new Map([...parts].map(([name, texts]) => [name, texts.join('')]));
}

const kb = (bytes: number) => (bytes / 1024).toFixed(1);

/** `wxt build` of a commit's tree (git archive, this checkout's node_modules): answers the unpacked extension's folder. */
async function buildCommit(ref: string, work: string): Promise<string> {
  const tree = join(work, 'baseline');
  await mkdir(tree);
  await run('sh', ['-c', `git archive --format=tar "$REF" | tar -x -C "$TREE"`], { cwd: root, env: { ...process.env, REF: ref, TREE: tree }, maxBuffer: 64 * 1024 * 1024 });
  await symlink(join(root, 'node_modules'), join(tree, 'node_modules'), 'dir');
  await run(process.execPath, [join(tree, 'node_modules/wxt/bin/wxt.mjs'), 'build'], { cwd: tree, env: { ...process.env, CRM_EXTENSION_OUT_DIR: join(work, 'baseline-build') }, maxBuffer: 16 * 1024 * 1024 });
  return join(work, 'baseline-build', 'chrome-mv3');
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'crm-bench-bundle-'));
  try {
    process.env.CRM_EXTENSION_SOURCEMAP = '1';
    const dir = await buildExtension(join(work, 'build'));
    if (args.baseline) {
      const before = await buildCommit(args.baseline, work);
      console.log(`\nBundle sizes at ${args.baseline} (KB; an entry point counts the shared chunks it loads)\n`);
      console.log(entrySizeTable(before));
    }
    console.log('\nBundle sizes now (KB; an entry point counts the shared chunks it loads)\n');
    console.log(entrySizeTable(dir));
    for (const entry of args.entry!) {
      const file = join(dir, entry);
      if (!existsSync(`${file}.map`)) throw new Error(`${entry} has no source map: is CRM_EXTENSION_SOURCEMAP read by wxt.config.ts?`);
      // the shipped file without its sourceMappingURL comment (the figures are the shipped build's)
      const code = readFileSync(file, 'utf8').replace(/\n?\/\/# sourceMappingURL=\S+\s*$/, '');
      const map = JSON.parse(readFileSync(`${file}.map`, 'utf8')) as SourceMap;
      const total = Buffer.byteLength(code);
      const gzip = gzipSync(code, { level: 9 }).length;
      const target = entry.startsWith('content-scripts/') ? ` (target < ${CONTENT_SCRIPT_TARGET_KB} KB gzip: ${gzip / 1024 < CONTENT_SCRIPT_TARGET_KB ? 'met' : 'NOT met'})` : '';
      console.log(`\n${entry}: ${kb(total)} KB raw, ${kb(gzip)} KB gzip${target}\n`);
      const rows = [...attribute(code, map, dirname(file), args.modules!)]
        .map(([name, text]) => ({ name, raw: Buffer.byteLength(text), gzip: gzipSync(text, { level: 9 }).length }))
        .sort((a, b) => b.raw - a.raw);
      const shown = rows.slice(0, TOP);
      const rest = rows.slice(TOP);
      const table = shown.map((r) => [r.name, kb(r.raw), `${((r.raw / total) * 100).toFixed(1)} %`, kb(r.gzip)]);
      if (rest.length > 0) table.push([`${rest.length} more`, kb(rest.reduce((s, r) => s + r.raw, 0)), `${((rest.reduce((s, r) => s + r.raw, 0) / total) * 100).toFixed(1)} %`, '']);
      console.log(markdownTable(['module', 'raw KB', 'share', 'gzip KB alone'], table));
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

await main();
