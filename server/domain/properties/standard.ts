import { LIFECYCLE_STAGES } from '../../../shared/lifecycle.ts';
import type { PropertyOption } from '../../db/schema/index.ts';

/**
 * HubSpot's standard properties and groups of the standard object types, as HubSpot names and
 * types them: every workspace has them (seeded by createWorkspace; migration 0017 gave the
 * workspaces of before them). Their definitions are read-only (labels, descriptions, options and
 * display details may change; type and name never; they cannot be archived). `calculated` ones are
 * set by the server and refused on writes. Every property our own code writes on a standard object
 * is here.
 */
export interface StandardProperty {
  name: string;
  label: string;
  type: 'string' | 'number' | 'date' | 'datetime' | 'enumeration' | 'bool' | 'phone_number';
  fieldType: string;
  groupName: string;
  description?: string;
  options?: PropertyOption[];
  hasUniqueValue?: boolean;
  calculated?: boolean;
  externalOptions?: boolean;
  referencedObjectType?: string;
  hidden?: boolean;
  formField?: boolean;
}

export interface StandardGroup {
  name: string;
  label: string;
}

type Extra = Partial<Omit<StandardProperty, 'name' | 'label' | 'type' | 'fieldType' | 'groupName'>>;
type Maker = (name: string, label: string, extra?: Extra) => Omit<StandardProperty, 'groupName'>;

const text: Maker = (name, label, extra) => ({ name, label, type: 'string', fieldType: 'text', ...extra });
const textarea: Maker = (name, label, extra) => ({ name, label, type: 'string', fieldType: 'textarea', ...extra });
const html: Maker = (name, label, extra) => ({ name, label, type: 'string', fieldType: 'html', ...extra });
const phone: Maker = (name, label, extra) => ({ name, label, type: 'string', fieldType: 'phonenumber', ...extra });
const number: Maker = (name, label, extra) => ({ name, label, type: 'number', fieldType: 'number', ...extra });
const datetime: Maker = (name, label, extra) => ({ name, label, type: 'datetime', fieldType: 'date', ...extra });
const date: Maker = (name, label, extra) => ({ name, label, type: 'date', fieldType: 'date', ...extra });
const bool: Maker = (name, label, extra) => ({ name, label, type: 'bool', fieldType: 'booleancheckbox', options: [option('true', 'Yes', 0), option('false', 'No', 1)], ...extra });

function option(value: string, label: string, displayOrder: number): PropertyOption {
  return { label, value, displayOrder, hidden: false };
}

/** An enumeration from `[value, label]` pairs (a bare string is its own label). */
function select(name: string, label: string, values: Array<string | [string, string]>, extra?: Extra & { fieldType?: string }): Omit<StandardProperty, 'groupName'> {
  const options = values.map((v, i) => (typeof v === 'string' ? option(v, v, i) : option(v[0], v[1], i)));
  return { name, label, type: 'enumeration', fieldType: 'select', options, ...extra };
}

const title = (s: string) => s.charAt(0).toUpperCase() + s.slice(1).toLowerCase().replace(/_/g, ' ');

/** The properties every standard object has; the server sets all but the owner. */
function common(group: string): StandardProperty[] {
  return [
    number('hs_object_id', 'Record ID', { calculated: true, description: 'The unique ID for this record. This value is set automatically by HubSpot.' }),
    datetime('createdate', 'Create Date', { calculated: true }),
    datetime('lastmodifieddate', 'Last Modified Date', { calculated: true }),
    datetime('hs_lastmodifieddate', 'Last Modified Date', { calculated: true }),
    select('hubspot_owner_id', 'Owner', [], { externalOptions: true, referencedObjectType: 'OWNER', formField: false, description: 'The owner of the record' }),
    select('hs_merged_object_ids', 'Merged record IDs', [], { fieldType: 'checkbox', calculated: true, externalOptions: true, description: 'The list of record IDs that have been merged into this record.' }),
    datetime('hubspot_owner_assigneddate', 'Owner Assigned Date', { calculated: true }),
  ].map((p) => ({ ...p, groupName: group }));
}

const LEAD_STATUS = ['NEW', 'OPEN', 'IN_PROGRESS', 'OPEN_DEAL', 'UNQUALIFIED', 'ATTEMPTED_TO_CONTACT', 'CONNECTED', 'BAD_TIMING'].map((v): [string, string] => [v, title(v)]);
const LIFECYCLE_LABELS: Record<string, string> = {
  subscriber: 'Subscriber', lead: 'Lead', marketingqualifiedlead: 'Marketing Qualified Lead', salesqualifiedlead: 'Sales Qualified Lead',
  opportunity: 'Opportunity', customer: 'Customer', evangelist: 'Evangelist', other: 'Other',
};

const CONTACTS: StandardProperty[] = [
  ...common('contactinformation'),
  ...[
    text('email', 'Email', { hasUniqueValue: true, formField: true, description: "A contact's email address" }),
    text('firstname', 'First Name', { formField: true }),
    text('lastname', 'Last Name', { formField: true }),
    phone('phone', 'Phone Number', { formField: true }),
    phone('mobilephone', 'Mobile Phone Number', { formField: true }),
    phone('fax', 'Fax Number', { formField: true }),
    text('company', 'Company Name', { formField: true }),
    text('website', 'Website URL', { formField: true }),
    text('jobtitle', 'Job Title', { formField: true }),
    text('address', 'Street Address', { formField: true }),
    text('city', 'City', { formField: true }),
    text('state', 'State/Region', { formField: true }),
    text('zip', 'Postal Code', { formField: true }),
    text('country', 'Country/Region', { formField: true }),
    text('industry', 'Industry', { formField: true }),
    text('salutation', 'Salutation', { formField: true }),
    textarea('message', 'Message', { formField: true }),
    number('annualrevenue', 'Annual Revenue', { formField: true }),
    text('numemployees', 'Number of Employees', { formField: true }),
    textarea('hs_additional_emails', 'Additional email addresses', { description: 'A set of additional email addresses for a contact' }),
    select('lifecyclestage', 'Lifecycle Stage', LIFECYCLE_STAGES.map((v): [string, string] => [v, LIFECYCLE_LABELS[v] ?? title(v)]), { fieldType: 'radio', formField: true }),
    select('hs_lead_status', 'Lead Status', LEAD_STATUS, { fieldType: 'radio', formField: true }),
    text('hs_linkedin_url', 'LinkedIn URL'),
    text('twitterhandle', 'Twitter Username'),
    date('date_of_birth', 'Date of birth'),
    datetime('notes_last_updated', 'Last Activity Date', { calculated: true }),
    datetime('notes_last_contacted', 'Last Contacted', { calculated: true }),
    number('num_notes', 'Number of Sales Activities', { calculated: true }),
    datetime('hs_lifecyclestage_customer_date', 'Became a Customer Date', { calculated: true }),
    datetime('hs_lifecyclestage_lead_date', 'Became a Lead Date', { calculated: true }),
    number('associatedcompanyid', 'Primary Associated Company ID', { calculated: true }),
  ].map((p) => ({ ...p, groupName: 'contactinformation' })),
];

const COMPANY_TYPES = ['PROSPECT', 'PARTNER', 'RESELLER', 'VENDOR', 'OTHER'].map((v): [string, string] => [v, title(v)]);

const COMPANIES: StandardProperty[] = [
  ...common('companyinformation'),
  ...[
    text('name', 'Company name', { formField: true }),
    text('domain', 'Company Domain Name', { formField: true }),
    text('website', 'Website URL', { formField: true }),
    text('industry', 'Industry', { formField: true }),
    phone('phone', 'Phone Number', { formField: true }),
    text('address', 'Street Address', { formField: true }),
    text('address2', 'Street Address 2', { formField: true }),
    text('city', 'City', { formField: true }),
    text('state', 'State/Region', { formField: true }),
    text('zip', 'Postal Code', { formField: true }),
    text('country', 'Country/Region', { formField: true }),
    number('numberofemployees', 'Number of Employees', { formField: true }),
    number('annualrevenue', 'Annual Revenue', { formField: true }),
    textarea('description', 'Description', { formField: true }),
    select('type', 'Type', COMPANY_TYPES, { formField: true }),
    select('lifecyclestage', 'Lifecycle Stage', LIFECYCLE_STAGES.map((v): [string, string] => [v, LIFECYCLE_LABELS[v] ?? title(v)]), { fieldType: 'radio' }),
    select('hs_lead_status', 'Lead Status', LEAD_STATUS, { fieldType: 'radio' }),
    text('founded_year', 'Year Founded'),
    text('timezone', 'Time Zone'),
    text('linkedin_company_page', 'LinkedIn Company Page'),
    text('twitterhandle', 'Twitter Handle'),
    text('facebook_company_page', 'Facebook Company Page'),
    bool('is_public', 'Is Public'),
    number('num_associated_contacts', 'Number of Associated Contacts', { calculated: true }),
    number('num_associated_deals', 'Number of Associated Deals', { calculated: true }),
    datetime('notes_last_updated', 'Last Activity Date', { calculated: true }),
  ].map((p) => ({ ...p, groupName: 'companyinformation' })),
];

const DEALS: StandardProperty[] = [
  ...common('dealinformation'),
  ...[
    text('dealname', 'Deal Name'),
    number('amount', 'Amount', { description: 'The total amount of the deal' }),
    datetime('closedate', 'Close Date'),
    // options are the workspace's pipelines and stages (checked against them, see record-properties.ts)
    select('pipeline', 'Pipeline', [], { externalOptions: true }),
    select('dealstage', 'Deal Stage', [], { fieldType: 'radio', externalOptions: true }),
    select('dealtype', 'Deal Type', [['newbusiness', 'New Business'], ['existingbusiness', 'Existing Business']], { fieldType: 'radio' }),
    textarea('description', 'Deal Description'),
    select('hs_priority', 'Priority', [['low', 'Low'], ['medium', 'Medium'], ['high', 'High']]),
    text('deal_currency_code', 'Currency'),
    number('hs_deal_stage_probability', 'Deal Stage Probability', { calculated: true }),
    bool('hs_is_closed', 'Is Deal Closed?', { description: 'True if the deal is in a closed stage (won or lost).' }),
    bool('hs_is_closed_won', 'Is Closed Won', { calculated: true }),
    text('closed_lost_reason', 'Closed Lost Reason'),
    text('closed_won_reason', 'Closed Won Reason'),
    datetime('notes_last_updated', 'Last Activity Date', { calculated: true }),
    number('num_associated_contacts', 'Number of Associated Contacts', { calculated: true }),
  ].map((p) => ({ ...p, groupName: 'dealinformation' })),
];

const TICKETS: StandardProperty[] = [
  ...common('ticketinformation'),
  ...[
    text('subject', 'Ticket name'),
    textarea('content', 'Ticket description'),
    select('hs_pipeline', 'Pipeline', [], { externalOptions: true }),
    select('hs_pipeline_stage', 'Ticket status', [], { externalOptions: true }),
    select('hs_ticket_priority', 'Priority', [['LOW', 'Low'], ['MEDIUM', 'Medium'], ['HIGH', 'High'], ['URGENT', 'Urgent']]),
    select('hs_ticket_category', 'Category', [['PRODUCT_ISSUE', 'Product issue'], ['BILLING_ISSUE', 'Billing issue'], ['FEATURE_REQUEST', 'Feature request'], ['GENERAL_INQUIRY', 'General inquiry']], { fieldType: 'checkbox' }),
    select('source_type', 'Source', [['CHAT', 'Chat'], ['EMAIL', 'Email'], ['FORM', 'Form'], ['PHONE', 'Phone']]),
    datetime('closed_date', 'Close date'),
    datetime('hs_resolution_due_date', 'Due date'),
    number('time_to_close', 'Time to close', { calculated: true }),
    datetime('notes_last_updated', 'Last Activity Date', { calculated: true }),
  ].map((p) => ({ ...p, groupName: 'ticketinformation' })),
];

/** What every activity has: its time, owner and the ids of whom it was logged by. */
function activity(group: string, own: Array<Omit<StandardProperty, 'groupName'>>): StandardProperty[] {
  return [
    ...common(group),
    ...[
      datetime('hs_timestamp', 'Activity date', { description: 'The date the activity occurred' }),
      text('hs_activity_type', 'Activity type'),
      text('hs_attachment_ids', 'Attached file IDs'),
      ...own,
    ].map((p) => ({ ...p, groupName: group })),
  ];
}

const EMAILS = activity('emailinformation', [
  text('hs_email_subject', 'Email subject'),
  textarea('hs_email_text', 'Email body'),
  html('hs_email_html', 'Email HTML body'),
  select('hs_email_direction', 'Email direction', [['EMAIL', 'Outgoing email'], ['INCOMING_EMAIL', 'Incoming email'], ['FORWARDED_EMAIL', 'Forwarded email']]),
  select('hs_email_status', 'Email send status', ['BOUNCED', 'FAILED', 'SCHEDULED', 'SENDING', 'SENT'].map((v): [string, string] => [v, title(v)])),
  textarea('hs_email_headers', 'Email headers'),
  text('hs_email_thread_id', 'Email thread ID'),
  textarea('hs_email_message_ids', 'Email message IDs', { description: 'The Message-ID headers of the email, separated by spaces' }),
  text('hs_email_from_email', 'From email', { calculated: true }),
  text('hs_email_to_email', 'To email', { calculated: true }),
  text('hs_email_message_id', 'Email message ID', { hasUniqueValue: true, description: "The message's own id (its Message-ID header, or the webmail's id of it): one logged email per message in a workspace" }),
]);

const CALLS = activity('callinformation', [
  text('hs_call_title', 'Call title'),
  textarea('hs_call_body', 'Call notes'),
  number('hs_call_duration', 'Call duration', { description: 'The duration of the call in milliseconds' }),
  text('hs_call_from_number', 'From number'),
  text('hs_call_to_number', 'To number'),
  text('hs_call_recording_url', 'Recording URL'),
  select('hs_call_direction', 'Call direction', [['INBOUND', 'Inbound'], ['OUTBOUND', 'Outbound']]),
  select('hs_call_status', 'Call status', ['BUSY', 'CALLING_CRM_USER', 'CANCELED', 'COMPLETED', 'CONNECTING', 'FAILED', 'IN_PROGRESS', 'NO_ANSWER', 'QUEUED', 'RINGING'].map((v): [string, string] => [v, title(v)])),
  text('hs_call_disposition', 'Call outcome'),
]);

const MEETINGS = activity('meetinginformation', [
  text('hs_meeting_title', 'Meeting name'),
  textarea('hs_meeting_body', 'Meeting description'),
  textarea('hs_internal_meeting_notes', 'Internal notes'),
  text('hs_meeting_external_url', 'External URL'),
  text('hs_meeting_location', 'Location'),
  datetime('hs_meeting_start_time', 'Start time'),
  datetime('hs_meeting_end_time', 'End time'),
  select('hs_meeting_outcome', 'Meeting outcome', ['SCHEDULED', 'COMPLETED', 'RESCHEDULED', 'NO_SHOW', 'CANCELED'].map((v): [string, string] => [v, title(v)])),
]);

const NOTES = activity('noteinformation', [html('hs_note_body', 'Note body')]);

const TASKS = activity('taskinformation', [
  text('hs_task_subject', 'Task title'),
  html('hs_task_body', 'Task notes'),
  select('hs_task_status', 'Task status', [['NOT_STARTED', 'Not started'], ['IN_PROGRESS', 'In progress'], ['WAITING', 'Waiting'], ['COMPLETED', 'Completed'], ['DEFERRED', 'Deferred']]),
  select('hs_task_priority', 'Priority', [['NONE', 'None'], ['LOW', 'Low'], ['MEDIUM', 'Medium'], ['HIGH', 'High']]),
  select('hs_task_type', 'Task type', [['CALL', 'Call'], ['EMAIL', 'Email'], ['TODO', 'To-do'], ['LINKED_IN', 'LinkedIn']]),
  datetime('hs_task_completion_date', 'Completed at', { calculated: true }),
  datetime('hs_task_reminders', 'Reminder'),
]);

function groups(...list: Array<[string, string]>): StandardGroup[] {
  return list.map(([name, label]) => ({ name, label }));
}

/** Standard properties and groups by object type id. */
export const STANDARD_PROPERTIES: Record<string, { properties: StandardProperty[]; groups: StandardGroup[] }> = {
  '0-1': { properties: CONTACTS, groups: groups(['contactinformation', 'Contact information'], ['contact_activity', 'Contact activity'], ['emailinformation', 'Email information']) },
  '0-2': { properties: COMPANIES, groups: groups(['companyinformation', 'Company information'], ['company_activity', 'Company activity']) },
  '0-3': { properties: DEALS, groups: groups(['dealinformation', 'Deal information'], ['deal_activity', 'Deal activity']) },
  '0-5': { properties: TICKETS, groups: groups(['ticketinformation', 'Ticket information']) },
  '0-49': { properties: EMAILS, groups: groups(['emailinformation', 'Email information']) },
  '0-48': { properties: CALLS, groups: groups(['callinformation', 'Call information']) },
  '0-47': { properties: MEETINGS, groups: groups(['meetinginformation', 'Meeting information']) },
  '0-46': { properties: NOTES, groups: groups(['noteinformation', 'Note information']) },
  '0-27': { properties: TASKS, groups: groups(['taskinformation', 'Task information']) },
};
