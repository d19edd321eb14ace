import { type DBSchema, type IDBPDatabase, openDB } from 'idb';
import type { ErrorCode } from '../../shared/errors.ts';
import type { ClientErrorCode } from '../api/client.ts';
import type { Notice } from '../notice.ts';
import type { Operation } from './operation.ts';

/** Where an operation stands. `sending` left behind by a worker that died is sent again as is. */
export type EntryState = 'pending' | 'sending' | 'refused';

/** Why the outbox itself refuses an operation: a `pending:` record it refers to will not come. */
export type DependencyCode = 'DEPENDS_ON_REFUSED' | 'DEPENDENCY_GONE' | 'DEPENDS_ON_LATER';

/** The server's refusal, kept until the rep retries or dismisses the operation. */
export interface Refusal {
  status: number;
  /** The server's error code (`ASSOCIATION_LIMIT_EXCEEDED`, ...), the client's (`INVALID_RESPONSE`) or the outbox's (`DEPENDS_ON_REFUSED`). */
  code: ErrorCode | ClientErrorCode | DependencyCode;
  /** The server's reason as it sent it (shown verbatim), or the outbox's own in English. */
  message: string;
  /** The outbox's own reason as a notice, written in the rep's language when shown; absent for the server's. */
  notice?: Notice;
}

/** One operation in the outbox, as stored. */
export interface OutboxEntry {
  opId: string;
  /** The order of submission among operations with the same createdAt. */
  seq: number;
  createdAt: number;
  op: Operation;
  state: EntryState;
  /** Sends started so far (a send cut off by a dying worker counts). */
  attempts: number;
  /** Epoch ms before which the operation is not sent again. */
  nextTryAt: number;
  /** Epoch ms before which the server asked not to be asked again (Retry-After), whatever else happens. */
  serverNotBefore?: number;
  /** Why the last attempt did not confirm (offline, 503, ...). */
  lastError?: string;
  /** The same reason as a notice, when the companion wrote it (not the server): shown in the rep's language. */
  lastNotice?: Notice;
  refusal?: Refusal;
}

/** A `pending:<opId>` reference whose createContact the server confirmed. */
export interface ResolvedRef {
  opId: string;
  id: string;
}

export interface OutboxSchema extends DBSchema {
  ops: { key: string; value: OutboxEntry; indexes: { byOrder: [number, number] } };
  resolved: { key: string; value: ResolvedRef };
  meta: { key: string; value: number };
}

export type OutboxDb = IDBPDatabase<OutboxSchema>;

/** Schema versions of the outbox database; each step upgrades from the one before. */
const VERSION = 1;

export function openOutboxDb(name: string): Promise<OutboxDb> {
  return openDB<OutboxSchema>(name, VERSION, {
    upgrade(db, oldVersion) {
      if (oldVersion < 1) {
        const ops = db.createObjectStore('ops', { keyPath: 'opId' });
        ops.createIndex('byOrder', ['createdAt', 'seq']);
        db.createObjectStore('resolved', { keyPath: 'opId' });
        db.createObjectStore('meta');
      }
    },
  });
}
