import { describe, expect, it } from 'vitest';
import type { Operation } from '../outbox/operation.ts';
import { createPlan } from './CreateFromThread.tsx';

const contacts = [
  { objectType: 'contacts', id: '11' },
  { objectType: 'contacts', id: 'pending:op-of-bo' },
];
const companies = [{ objectType: 'companies', id: '21' }];
const starts = { deals: { pipeline: 'default', stage: 'appointmentscheduled', label: 'Appointment Scheduled' }, tickets: { pipeline: '0', stage: '1', label: 'New' } };

const byKind = <K extends Operation['kind']>(ops: Operation[], kind: K) => ops.filter((o): o is Extract<Operation, { kind: K }> => o.kind === kind);

describe('creating a record from a thread (X2, R5, R7)', () => {
  it('R5: a deal is created with the first contact in one operation, in the first stage, then associated with the other contact and the primary company', () => {
    const ops = createPlan({ objectType: 'deals', name: '  Q3 renewal ', contacts, companies, starts });
    const [create] = byKind(ops, 'createAssociated');
    expect(ops[0]).toBe(create);
    expect(create).toMatchObject({ objectType: 'deals', properties: { dealname: 'Q3 renewal', pipeline: 'default', dealstage: 'appointmentscheduled' }, with: contacts[0] });
    // the pair's unlabeled type, seen from the deal (deal → contact: 3)
    expect(create!.types).toEqual([{ associationCategory: 'HUBSPOT_DEFINED', associationTypeId: 3 }]);
    const created = { objectType: 'deals', id: `pending:${create!.opId}` };
    expect(byKind(ops, 'associate').map((o) => [o.from, o.to])).toEqual([
      [created, contacts[1]],
      [created, companies[0]],
    ]);
  });

  it('a ticket takes the ticket pipeline\'s first stage; a company goes to the contacts only, with no stage', () => {
    const [ticket] = createPlan({ objectType: 'tickets', name: 'Login broken', contacts, companies, starts });
    expect(ticket).toMatchObject({ properties: { subject: 'Login broken', hs_pipeline: '0', hs_pipeline_stage: '1' } });
    const companyOps = createPlan({ objectType: 'companies', name: 'Fabrikam', contacts, companies, starts });
    expect(companyOps[0]).toMatchObject({ kind: 'createAssociated', properties: { name: 'Fabrikam' } });
    expect(byKind(companyOps, 'associate').map((o) => o.to)).toEqual([contacts[1]]);
  });

  it('without contacts nothing is created; without known stages the server picks them', () => {
    expect(createPlan({ objectType: 'deals', name: 'x', contacts: [], companies, starts })).toEqual([]);
    const [deal] = createPlan({ objectType: 'deals', name: 'x', contacts, companies: [], starts: null });
    expect(deal).toMatchObject({ properties: { dealname: 'x' } });
    expect(Object.keys((deal as Extract<Operation, { kind: 'createAssociated' }>).properties)).toEqual(['dealname']);
  });
});
