// @ts-check
/**
 * The entry of `npm run server`, `npm start` and the `crm` command (server/cli/crm.mjs):
 * `node server/launch.mjs server|start|crm [args]`.
 *
 * Runs the server from one bundled file (esbuild, into .output/server), built again whenever a
 * file it was made from changed, like the extension's build. Loading the ~450 modules one by one
 * cost about a CPU second and 290 MB of resident memory (beyond Node's own 43 MB) before the
 * database even opened: Node strips the types of each TypeScript file (with a WASM compiler of its
 * own) and reads drizzle-orm's 178 KB package.json export map again for each of its files. The
 * bundle loads in 0.13-0.17 CPU seconds and 55 MB (docs/performance-startup.md). Node's compile
 * cache keeps the bundle's compiled code between starts.
 *
 * The bundle keeps each module's name and code as written, and its source map is beside it: stack
 * traces name the bundle's lines, or the sources' with `node --enable-source-maps` (not on by
 * default: reading the maps costs about 20 MB of resident memory).
 *
 * Without esbuild (an install without dev dependencies), or when the build fails, the server runs
 * from its sources as `node server/index.ts` does; CRM_BUNDLE=off asks for that too. This file is
 * plain JavaScript so that starting it needs no type stripping; it imports only Node's own modules.
 */
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { enableCompileCache } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** @type {Record<string, string>} what each entry name runs, under the repository root */
export const ENTRIES = { server: 'server/index.ts', start: 'server/cli/start.ts', crm: 'server/cli/crm.ts' };

const root = fileURLToPath(new URL('..', import.meta.url));
export const bundleDir = join(root, '.output', 'server');
const manifestPath = join(bundleDir, 'inputs.json');

/**
 * True when the bundle exists and no file it was made from changed since its build began. Stats
 * every input at once (~450 files, a few tens of milliseconds).
 * @returns {Promise<boolean>}
 */
export async function bundleIsFresh() {
  try {
    /** @type {{ builtFrom: number, inputs: string[] }} */
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8'));
    await Promise.all(Object.keys(ENTRIES).map((name) => stat(join(bundleDir, `${name}.js`))));
    const times = await Promise.all(manifest.inputs.map(async (path) => (await stat(join(root, path))).mtimeMs));
    return times.every((time) => time < manifest.builtFrom);
  } catch {
    return false;
  }
}

/**
 * Bundles both entries into .output/server; each file is written under a temporary name and
 * renamed, so a start that runs beside a build never loads half a file. Answers why it could not,
 * or undefined when it did.
 * @returns {Promise<string | undefined>}
 */
export async function buildBundle() {
  /** @type {typeof import('esbuild')} */
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    return 'esbuild is not installed';
  }
  // a source saved while the build reads it is newer than this, and makes the next start build again
  const builtFrom = Date.now() - 1;
  try {
    const result = await esbuild.build({
      absWorkingDir: root,
      entryPoints: Object.fromEntries(Object.entries(ENTRIES)),
      outdir: bundleDir,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node24',
      write: false,
      metafile: true,
      sourcemap: 'linked',
      logLevel: 'silent',
      // PGlite finds its WASM and data files beside its own modules
      external: ['@electric-sql/pglite', '@electric-sql/pglite/*'],
      // CommonJS dependencies (pg) call require
      banner: { js: "import { createRequire as __crmCreateRequire } from 'node:module'; const require = __crmCreateRequire(import.meta.url);" },
      plugins: [sourceLocations],
    });
    await mkdir(bundleDir, { recursive: true });
    for (const file of result.outputFiles) {
      const partial = `${file.path}.${process.pid}.partial`;
      await writeFile(partial, file.contents);
      await rename(partial, file.path);
    }
    const inputs = Object.keys(result.metafile.inputs).filter((path) => !path.includes(':'));
    const partial = `${manifestPath}.${process.pid}.partial`;
    await writeFile(partial, JSON.stringify({ builtFrom, inputs }));
    await rename(partial, manifestPath);
    return undefined;
  } catch (err) {
    return err instanceof Error ? err.message : String(err);
  } finally {
    // esbuild's own process would otherwise live as long as the server
    await esbuild.stop();
  }
}

/**
 * `import.meta.url` of our modules names the module's own file (a module finds its migrations or
 * the repository root by it): in the bundle it would name the bundle, so each one is replaced by
 * the URL of the source file, relative to the bundle's folder.
 * @type {import('esbuild').Plugin}
 */
const sourceLocations = {
  name: 'source-locations',
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, async (args) => {
      if (args.path.includes(`${sep}node_modules${sep}`)) return undefined;
      const text = await readFile(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return { contents: text, loader: 'ts' };
      const fromBundle = relative(bundleDir, args.path).split(sep).join('/');
      return { contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(fromBundle)}, import.meta.url).href`), loader: 'ts', resolveDir: dirname(args.path) };
    });
  },
};

/**
 * The module to run for an entry: the bundle (built first when stale), or the sources.
 * @param {string} name
 * @returns {Promise<string>}
 */
async function moduleFor(name) {
  const source = pathToFileURL(join(root, /** @type {string} */ (ENTRIES[name]))).href;
  if (process.env.CRM_BUNDLE === 'off') return source;
  if (!(await bundleIsFresh())) {
    const failed = await buildBundle();
    if (failed) {
      if (failed !== 'esbuild is not installed') process.stderr.write(`The server's bundle could not be built (running from its sources): ${failed.split('\n')[0]}\n`);
      return source;
    }
  }
  return pathToFileURL(join(bundleDir, `${name}.js`)).href;
}

/**
 * Runs entry `name` with the arguments after it (process.argv from index 2 on, as when the entry
 * is run directly).
 * @param {string} name
 */
export async function launch(name) {
  if (!(name in ENTRIES)) {
    process.stderr.write(`Usage: node server/launch.mjs ${Object.keys(ENTRIES).join('|')} [arguments]\n`);
    process.exit(2);
  }
  enableCompileCache();
  /** @type {{ main(): Promise<void> }} */
  const entry = await import(await moduleFor(name));
  await entry.main();
}

if (import.meta.main) {
  const name = process.argv[2] ?? '';
  // the entry sees its own arguments, as when it is run directly
  process.argv.splice(2, 1);
  await launch(name);
}
