import type { Plugin } from 'vite';

/**
 * Two pieces of dependency code that the companion never runs, taken out of its bundle at build
 * time, so Mozilla's add-on linter (`web-ext lint`) finds no eval and no raw HTML in it:
 *
 * - zod's probe for `new Function` (whether it may compile a schema into JavaScript): the answer is
 *   fixed to "no", as `z.config({ jitless: true })` makes it at run time. zod then checks every
 *   value by walking the schema, and its compiler (`new F(...)` in doc.js) is never reached.
 * - Preact's `dangerouslySetInnerHTML`: the companion renders text only, so the one `innerHTML`
 *   assignment becomes an error saying so. Mail content can never reach the page as HTML.
 *
 * Each replacement must find its text: a dependency update that changes it fails the build here,
 * rather than leaving the code in quietly.
 */
interface Patch {
  /** The end of the module id (a path inside node_modules). */
  module: string;
  find: RegExp;
  replace: string;
  why: string;
}

const PATCHES: Patch[] = [
  {
    module: '/zod/v4/core/util.js',
    find: /const F = Function;\s*new F\(""\);\s*return true;/,
    replace: 'return false;',
    why: "zod's eval probe",
  },
  {
    module: '/preact/dist/preact.mjs',
    find: /\((\w+)\.innerHTML=(\w+)\.__html\)/,
    replace: '(()=>{throw new Error("dangerouslySetInnerHTML is turned off in the companion: render text")})()',
    why: "Preact's innerHTML assignment",
  },
];

export function bundleHardening(): Plugin {
  return {
    name: 'crm-bundle-hardening',
    enforce: 'pre',
    transform(code, id) {
      const path = id.split('?')[0]!.replaceAll('\\', '/');
      const patch = PATCHES.find((p) => path.endsWith(p.module));
      if (!patch) return null;
      if (!patch.find.test(code)) throw new Error(`bundle hardening: ${patch.why} not found in ${patch.module}; the dependency changed, update scripts/bundle-hardening.ts`);
      return { code: code.replace(patch.find, patch.replace), map: null };
    },
  };
}
