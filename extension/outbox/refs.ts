import { type Operation, PENDING_PREFIX, type RecordRef } from './operation.ts';

/** Every record an operation refers to. */
export function refsOf(op: Operation): RecordRef[] {
  switch (op.kind) {
    case 'createContact':
    case 'revert':
      return [];
    case 'createAssociated':
      return [op.with];
    case 'updateRecord':
      return [op.record];
    case 'associate':
    case 'removeLabels':
    case 'remove':
      return [op.from, op.to];
    case 'setPrimary':
      return [op.contact, op.company];
    case 'logEmail':
      return [op.on, ...op.alsoAssociate];
    case 'logActivity':
      return [op.on];
  }
}

/** The same operation with each record reference passed through `map`. */
export function mapRefs(op: Operation, map: (ref: RecordRef) => RecordRef): Operation {
  switch (op.kind) {
    case 'createContact':
    case 'revert':
      return op;
    case 'createAssociated':
      return { ...op, with: map(op.with) };
    case 'updateRecord':
      return { ...op, record: map(op.record) };
    case 'associate':
    case 'removeLabels':
    case 'remove':
      return { ...op, from: map(op.from), to: map(op.to) };
    case 'setPrimary':
      return { ...op, contact: map(op.contact), company: map(op.company) };
    case 'logEmail':
      return { ...op, on: map(op.on), alsoAssociate: op.alsoAssociate.map(map) };
    case 'logActivity':
      return { ...op, on: map(op.on) };
  }
}

/** The opId of the createContact a `pending:<opId>` reference waits for, else undefined. */
export function pendingOpIdOf(ref: RecordRef): string | undefined {
  return ref.id.startsWith(PENDING_PREFIX) ? ref.id.slice(PENDING_PREFIX.length) : undefined;
}

/** The opIds of the createContact operations this operation still waits for. */
export function pendingDependencies(op: Operation): string[] {
  const out = new Set<string>();
  for (const ref of refsOf(op)) {
    const opId = pendingOpIdOf(ref);
    if (opId !== undefined) out.add(opId);
  }
  return [...out];
}
