/**
 * The people and companies the demo workspace and the demo mailbox share: the story every screen
 * tells (a renewal with Halden Freight, a pilot with Corvina Foods, a new lead from a design studio).
 * Their domains end in TLDs the generated companies never use, so they never collide with them.
 */

export interface DemoPerson {
  firstname: string;
  lastname: string;
  email: string;
  jobtitle?: string;
}

export const fullName = (p: DemoPerson) => `${p.firstname} ${p.lastname}`;

/** The rep whose mailbox the demo shows (a workspace user), and the admin who set the workspace up. */
export const DEMO_REP: DemoPerson = { firstname: 'Sam', lastname: 'Rivera', email: 'sam.rivera@northbeam.io', jobtitle: 'Account Executive' };
export const DEMO_ADMIN: DemoPerson = { firstname: 'Priya', lastname: 'Nair', email: 'priya.nair@northbeam.io', jobtitle: 'Sales Operations' };

export const HALDEN = { name: 'Halden Freight', domain: 'haldenfreight.se', industry: 'Logistics', city: 'Gothenburg' };
export const CORVINA = { name: 'Corvina Foods', domain: 'corvinafoods.ie', industry: 'Food production', city: 'Cork' };

/** In the workspace: Halden's VP Operations (on the renewal deal) and fleet manager (with an open ticket). */
export const ASTRID: DemoPerson = { firstname: 'Astrid', lastname: 'Lund', email: 'astrid.lund@haldenfreight.se', jobtitle: 'VP Operations' };
export const ERIK: DemoPerson = { firstname: 'Erik', lastname: 'Sandberg', email: 'erik.sandberg@haldenfreight.se', jobtitle: 'Fleet Manager' };
/** In the workspace: Corvina's head of procurement; her colleague Liam came in with the trade-fair import. */
export const NIAMH: DemoPerson = { firstname: 'Niamh', lastname: 'Byrne', email: 'niamh.byrne@corvinafoods.ie', jobtitle: 'Head of Procurement' };
export const LIAM: DemoPerson = { firstname: 'Liam', lastname: 'Walsh', email: 'liam.walsh@corvinafoods.ie', jobtitle: 'Warehouse Lead' };
/** Not in the workspace: Halden's new procurement lead (her company is known by domain) and a designer whose studio is unknown. */
export const MAJA: DemoPerson = { firstname: 'Maja', lastname: 'Holm', email: 'maja.holm@haldenfreight.se', jobtitle: 'Procurement Lead' };
export const TOMAS: DemoPerson = { firstname: 'Tomás', lastname: 'Ferreira', email: 'tomas@ferreiradesign.pt', jobtitle: 'Founder' };
/** Astrid's personal address: the trade-fair import made a second contact of her, merged afterwards. */
export const ASTRID_PERSONAL = 'astrid.lund@outlook.com';

export const DEALS = {
  renewal: { dealname: 'Halden Freight — fleet tracking renewal', dealstage: 'contractsent', amount: '48000' },
  expansion: { dealname: 'Halden Freight — Nordic expansion', dealstage: 'qualifiedtobuy', amount: '120000' },
  pilot: { dealname: 'Corvina Foods — warehouse pilot', dealstage: 'appointmentscheduled', amount: '15000' },
} as const;

export const TICKETS = {
  routeExport: { subject: 'Route export fails for long trips', hs_pipeline: '0', hs_pipeline_stage: '2' },
  corvinaInvoice: { subject: 'Invoice shows the wrong VAT number', hs_pipeline: '0', hs_pipeline_stage: '1' },
} as const;
