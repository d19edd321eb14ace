/**
 * What the extension's type check sees of `vite` and `ws`: nothing (extension/tsconfig.json maps both
 * here). WXT's entry-point helpers (defineBackground, defineContentScript) import its builder's types,
 * which import these two, which bring Node's globals into every program that uses WXT. Mapped to this
 * empty module they stay out, so product code that reaches for `process`, `Buffer` or `node:*` fails
 * the check instead of failing in the browser. Nothing here runs or ships.
 */
export {};
