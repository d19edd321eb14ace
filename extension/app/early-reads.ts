import type { z } from 'zod';
import { apiPaths } from '../../shared/api-paths.ts';
import { associationsView, historyPage } from '../../shared/history.ts';
import { standardObject } from '../../shared/objects.ts';
import { pipelineCollection } from '../../shared/pipelines.ts';
import { nameProperties } from '../../shared/record-name.ts';
import { simplePublicObject } from '../../shared/records.ts';
import type { ApiClient } from '../api/client.ts';
import { historyPath, viewStateOf } from './history/view-state.ts';
import { headerRead } from './record/model.ts';
import type { AppRoute } from './routes.ts';

/**
 * A page's first reads, started by the app shell while it still asks the server who the rep is
 * (GET /api/me): the page needs the rep's role only for what it shows, never for what it reads,
 * so its reads wait for nothing. The page makes the same requests as ever; the client below hands
 * it the answer already under way (once, and only within `EARLY_MS`), else asks the server.
 */

export interface EarlyRead {
  path: string;
  schema: z.ZodType;
}

/** An early read no page took within this long is dropped (the page reads afresh). */
export const EARLY_MS = 10_000;

/** The GET requests a route's page makes first, with the schemas it checks them against (the same paths, built by the same helpers). */
export function firstReads(route: AppRoute): EarlyRead[] {
  switch (route.page) {
    case 'record': {
      const self = { objectType: route.objectType, id: route.id };
      const reads: EarlyRead[] = [
        { path: apiPaths.record(route.objectType, route.id, { properties: headerRead(route.objectType) }), schema: simplePublicObject },
        { path: apiPaths.associationsAt(self), schema: associationsView },
      ];
      if (route.objectType === 'deals' || route.objectType === 'tickets') reads.push({ path: apiPaths.pipelines(route.objectType), schema: pipelineCollection });
      return reads;
    }
    case 'history': {
      const record = { objectType: route.objectType, id: route.id };
      const reads: EarlyRead[] = [{ path: historyPath(record, viewStateOf(route.query)), schema: historyPage }];
      const type = standardObject(route.objectType);
      if (type) reads.push({ path: apiPaths.record(route.objectType, route.id, { properties: nameProperties(type.typeId) }), schema: simplePublicObject });
      return reads;
    }
    default:
      return [];
  }
}

export interface EarlyClient extends ApiClient {
  /** Starts these reads now; the first GET of the same path and schema gets the answer. */
  start(reads: readonly EarlyRead[]): void;
}

/** The client a page gets: the shell's early reads first, then the server as usual. */
export function withEarlyReads(client: ApiClient, now: () => number = () => performance.now()): EarlyClient {
  const waiting = new Map<string, { schema: z.ZodType; answer: Promise<unknown>; at: number }>();
  return {
    stream: client.stream.bind(client),
    check: client.check.bind(client),
    start(reads) {
      for (const { path, schema } of reads) {
        const answer = client.request(path, { method: 'GET', schema });
        // a failure is the page's to show once it takes the answer; until then it is no unhandled rejection
        answer.catch(() => {});
        waiting.set(path, { schema, answer, at: now() });
      }
    },
    request(path, options) {
      const early = waiting.get(path);
      if (early && options.method === 'GET' && early.schema === options.schema && options.signal === undefined) {
        waiting.delete(path);
        if (now() - early.at <= EARLY_MS) return early.answer as Promise<never>;
      }
      return client.request(path, options);
    },
  };
}
