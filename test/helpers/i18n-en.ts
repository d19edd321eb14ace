/**
 * Imported for its effect, before any of the companion's modules: the browser's i18n in English
 * (see i18n.ts), for test files that import those modules statically.
 */
import { installI18n } from './i18n.ts';

installI18n('en');
