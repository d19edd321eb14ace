import { Hono } from 'hono';
import type { AppEnv } from '../env.ts';
import { DEMO_MAIL_PATH } from '../../shared/api-paths.ts';
import { demoMailboxPage } from '../demo/mailbox.ts';

/**
 * The demo mailbox (`--demo` only): not part of the API, so no token and not in the OpenAPI
 * document. The page is the same for every request: made once.
 */
export function demoRoutes() {
  const page = demoMailboxPage();
  return new Hono<AppEnv>().get(DEMO_MAIL_PATH, (c) => c.html(page));
}
