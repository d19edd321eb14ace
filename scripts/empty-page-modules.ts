import type { Plugin } from 'vite';

/**
 * WXT puts a module into every page for its runtime plugins (`virtual:wxt-html-plugins`); the
 * companion has none, so the chunk is empty. A page whose own code is a classic script (app.html:
 * extension/entrypoints/app-main.tsx) would still fetch that empty module before
 * DOMContentLoaded. Its tag is taken out of a page only when the chunk it names has no code, and
 * only where nothing else imports it; with a WXT plugin added, the chunk has code and stays.
 */
export function emptyPageModules(): Plugin {
  return {
    name: 'crm:empty-page-modules',
    transformIndexHtml: {
      order: 'post',
      handler(html, ctx) {
        const bundle = ctx.bundle;
        if (!bundle) return html;
        const empty = new Set(Object.values(bundle).flatMap((out) => (out.type === 'chunk' && out.code.trim() === '' ? [out.fileName] : [])));
        return html.replace(/[ \t]*<script type="module" crossorigin src="\/([^"]+)"><\/script>\n?/g, (tag, file: string) => (empty.has(file) ? '' : tag));
      },
    },
  };
}
