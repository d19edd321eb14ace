/**
 * Benchmark of thread detection (X1) on the fixture pages of Gmail and Outlook, in happy-dom (what
 * the unit tests use) and in Debian's Chromium (what reps use):
 *  - coverage: every fixture page (test/fixtures/mail/README.md), served at its webmail URL and
 *    driven the way the rep would (expanding "older messages", "See more", moving to another
 *    thread): which of the thread's participants are detected, which are missed, which are wrong,
 *    the signed-in account read, and the time of one read of the settled page;
 * and on the 52-message pages:
 *  - parse: reading the open thread off a settled page (ids, subject, participants, own and
 *    internal addresses left out), beside a baseline on the same document: a bare
 *    `querySelectorAll` of the address elements reading their attributes, the least any reader does
 *    (each sample the mean of 20 calls, as browsers coarsen their clock);
 *  - detect: from the page swapping the thread in (the fixture's `openThread`, the way the webmail
 *    does it) to the `threadOpened` event, through the MutationObserver and the coalescing microtask,
 *    beside the same bare query run right after the same swap (a DOM's first queries over new nodes
 *    cost more than later ones). Runs alternate between the two after a swap to the other thread.
 * A benchmark reports; it never fails a run.
 *
 *   npm run bench:detect -- [--runs 100] [--warmup 10] [--dom both|happy-dom|chromium]
 */
import { existsSync, readFileSync } from 'node:fs';
import { stripTypeScriptTypes } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { join, normalize } from 'node:path';
import { parseArgs } from 'node:util';
import { Window } from 'happy-dom';
import { chromium } from 'playwright-core';
import { gmailAdapter } from '../extension/mail/gmail/adapter.ts';
import { watchMail } from '../extension/mail/index.ts';
import { outlookAdapter } from '../extension/mail/outlook/adapter.ts';
import type { MailEvent, MailThread, MailWatcher, WatchOptions } from '../extension/mail/types.ts';
import { readThreadOnce, type Adapter } from '../extension/mail/watch.ts';
import { markdownTable, ms, summarize, type Summary } from './stats.ts';
import { itemId } from '../test/fixtures/mail/outlook/page.ts';
import { alice, bob, carol, dave, erin, frank, guests, invitation, longThread, onboarding, personalThread, renewal, rep, repPersonal, rolloutThread, type Person } from '../test/fixtures/mail/people.ts';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '100' },
    warmup: { type: 'string', default: '10' },
    dom: { type: 'string', default: 'both' },
  },
});
const RUNS = Number(args.runs);
const WARMUP = Number(args.warmup);
const CHROMIUM = '/usr/bin/chromium';
const MAIL_DIR = join(import.meta.dirname, '../extension/mail');
const SHARED_DIR = join(import.meta.dirname, '../shared');

interface Case {
  name: string;
  adapter: Adapter;
  /** Module of the adapter under extension/mail, for the browser to import. */
  adapterModule: string;
  adapterExport: string;
  file: string;
  url: string;
  /** The elements every address sits in, for the baseline. */
  addressSelector: string;
  addressAttribute: string;
}

const CASES: Case[] = [
  {
    name: 'Gmail',
    adapter: gmailAdapter,
    adapterModule: 'gmail/adapter.ts',
    adapterExport: 'gmailAdapter',
    file: 'test/fixtures/mail/gmail/long-thread.html',
    url: 'https://mail.google.com/mail/u/0/#inbox',
    addressSelector: 'span[email]',
    addressAttribute: 'email',
  },
  {
    name: 'Outlook',
    adapter: outlookAdapter,
    adapterModule: 'outlook/adapter.ts',
    adapterExport: 'outlookAdapter',
    file: 'test/fixtures/mail/outlook/long-thread.html',
    url: 'https://outlook.office.com/mail/inbox',
    addressSelector: '[title*="@"]',
    addressAttribute: 'title',
  },
];

interface LoopInput {
  runs: number;
  warmup: number;
  addressSelector: string;
  addressAttribute: string;
}

interface LoopOutput {
  messages: number;
  participants: number;
  baseline: number[];
  parse: number[];
  coldBaseline: number[];
  detect: number[];
}

interface LoopEnv {
  document: Document;
  fixture: { threads(): Array<{ hashId: string }>; openThread(id: string): string };
  watchMail(options: WatchOptions): MailWatcher;
  readThread(): MailThread | null;
}

/**
 * The measurement itself. It runs where the page is (in Node beside happy-dom, or in the browser
 * through its source text), so it uses nothing but what `env` and the DOM give it.
 */
async function detectLoop(env: LoopEnv, input: LoopInput): Promise<LoopOutput> {
  const { document, fixture } = env;
  const [long, other] = fixture.threads();
  if (!long || !other) throw new Error('the fixture needs two threads');
  const bareQuery = () => {
    let n = 0;
    for (const el of Array.from(document.querySelectorAll(input.addressSelector))) n += el.getAttribute(input.addressAttribute)?.length ?? 0;
    return n;
  };
  // Browsers coarsen performance.now() (Chromium: 0.1 ms): on a settled page each sample is the mean
  // of a batch of calls.
  const BATCH = 20;
  const timed = (fn: () => unknown) => {
    const start = performance.now();
    for (let k = 0; k < BATCH; k++) fn();
    return (performance.now() - start) / BATCH;
  };

  fixture.openThread(long.hashId);
  const thread = env.readThread();
  if (!thread || thread.messageIds.length < 50) throw new Error(`the long thread did not parse (${thread?.messageIds.length} messages)`);
  const baseline: number[] = [];
  const parse: number[] = [];
  for (let i = 0; i < input.warmup + input.runs; i++) {
    const b = timed(bareQuery);
    const p = timed(() => env.readThread());
    if (i >= input.warmup) {
      baseline.push(b);
      parse.push(p);
    }
  }

  let onOpened: ((at: number) => void) | null = null;
  const watcher = env.watchMail({
    document,
    ownAddresses: [],
    internalDomains: ['acme.com'],
    onEvent: (event: MailEvent) => {
      if (event.type === 'threadOpened') onOpened?.(performance.now());
    },
  });
  const nextOpened = () => new Promise<number>((resolve) => (onOpened = resolve));
  await nextOpened();
  const coldBaseline: number[] = [];
  const detect: number[] = [];
  for (let i = 0; i < 2 * (input.warmup + input.runs); i++) {
    const away = nextOpened();
    fixture.openThread(other.hashId);
    await away;
    const back = nextOpened();
    fixture.openThread(long.hashId);
    const swapped = performance.now();
    if (i % 2 === 0) {
      bareQuery();
      const done = performance.now();
      await back;
      if (i >= 2 * input.warmup) coldBaseline.push(done - swapped);
    } else {
      const at = await back;
      if (i >= 2 * input.warmup) detect.push(at - swapped);
    }
  }
  watcher.stop();
  return { messages: thread.messageIds.length, participants: thread.participants.length, baseline, parse, coldBaseline, detect };
}

const OPTIONS = { ownAddresses: [], internalDomains: ['acme.com'] };
const input = (c: Case): LoopInput => ({ runs: RUNS, warmup: WARMUP, addressSelector: c.addressSelector, addressAttribute: c.addressAttribute });

async function inHappyDom(c: Case): Promise<LoopOutput> {
  // The fixture's own script (window.__fixture) has to run; it is this project's file.
  const window = new Window({ url: c.url, settings: { enableJavaScriptEvaluation: true, suppressInsecureJavaScriptEnvironmentWarning: true } });
  const document = window.document as unknown as Document;
  document.write(readFileSync(c.file, 'utf8'));
  await window.happyDOM.waitUntilComplete();
  const fixture = (window as unknown as { __fixture: LoopEnv['fixture'] }).__fixture;
  try {
    return await detectLoop({ document, fixture, watchMail, readThread: () => readThreadOnce(c.adapter, { document, ...OPTIONS }) }, input(c));
  } finally {
    await window.happyDOM.close();
  }
}

/** Serves the fixture page at its webmail URL and extension/mail's modules, types stripped, beside it. */
async function inChromium(browser: Awaited<ReturnType<typeof chromium.launch>>, c: Case): Promise<LoopOutput> {
  const page = await browser.newPage();
  const origin = new URL(c.url).origin;
  await page.route(`${origin}/**`, async (route) => {
    const { pathname } = new URL(route.request().url());
    if (pathname.startsWith('/__mail/') || pathname.startsWith('/shared/')) {
      // the readers' sources, and the shared modules they import (mail/hosts.ts: ../../shared/, which the page's URL resolves to /shared/)
      const [dir, rest] = pathname.startsWith('/shared/') ? [SHARED_DIR, pathname.slice('/shared/'.length)] : [MAIL_DIR, pathname.slice('/__mail/'.length)];
      const file = normalize(join(dir, rest));
      if (!file.startsWith(dir) || !file.endsWith('.ts')) return route.fulfill({ status: 404 });
      return route.fulfill({ contentType: 'text/javascript', body: stripTypeScriptTypes(readFileSync(file, 'utf8')) });
    }
    return route.fulfill({ contentType: 'text/html', body: readFileSync(c.file, 'utf8') });
  });
  try {
    await page.goto(c.url);
    const source = `(async (input) => {
      const [{ watchMail }, { readThreadOnce }, adapterModule] = await Promise.all([
        import('/__mail/index.ts'), import('/__mail/watch.ts'), import('/__mail/${c.adapterModule}'),
      ]);
      const adapter = adapterModule.${c.adapterExport};
      const options = ${JSON.stringify(OPTIONS)};
      const env = { document, fixture: window.__fixture, watchMail, readThread: () => readThreadOnce(adapter, { document, ...options }) };
      return (${detectLoop.toString()})(env, input);
    })(${JSON.stringify(input(c))})`;
    return (await page.evaluate(source)) as LoopOutput;
  } finally {
    await page.close();
  }
}

function rows(dom: string, c: Case, out: LoopOutput): Array<Array<string | number>> {
  const ratio = (s: Summary, base: Summary) => (base.p50 > 0 ? `${(s.p50 / base.p50).toFixed(1)}×` : '—');
  const row = (what: string, s: Summary, base: Summary) => [dom, c.name, what, s.count, ms(s.p50), ms(s.p99), ms(s.max), ratio(s, base)];
  const baseline = summarize(out.baseline);
  const cold = summarize(out.coldBaseline);
  return [
    row(`baseline: querySelectorAll('${c.addressSelector}')`, baseline, baseline),
    row(`parse: ${out.messages} messages → ${out.participants} participants`, summarize(out.parse), baseline),
    row('cold baseline: thread swapped in → the same query', cold, cold),
    row('detect: thread swapped in → threadOpened', summarize(out.detect), cold),
  ];
}

/** One fixture page, driven by `steps` (calls of `window.__fixture`, `name:arg`), and who it should show. */
interface CoverageCase {
  webmail: 'Gmail' | 'Outlook';
  adapter: Adapter;
  adapterModule: string;
  adapterExport: string;
  page: string;
  /** What the page represents, for the table. */
  shows: string;
  url: string;
  steps: string[];
  expected: Person[];
  account: string;
}

interface CoverageOutput {
  participants: string[];
  messages: number;
  account: string | null;
  events: string[];
  readMs: number[];
}

const G = 'https://mail.google.com/mail/u/0/';
const O = 'https://outlook.office.com/mail/';
const oid = (t: { messages: Array<{ n: string }> }) => encodeURIComponent(itemId(t.messages.at(-1)!));
const gmail = { webmail: 'Gmail' as const, adapter: gmailAdapter, adapterModule: 'gmail/adapter.ts', adapterExport: 'gmailAdapter', account: rep.email };
const outlook = { webmail: 'Outlook' as const, adapter: outlookAdapter, adapterModule: 'outlook/adapter.ts', adapterExport: 'outlookAdapter', account: rep.email };
const rollout = rolloutThread();
const renewalPeople = [alice, bob, carol, frank];

const COVERAGE: CoverageCase[] = [
  { ...gmail, page: 'gmail/conversation.html', shows: 'conversation view, 2 collapsed', url: `${G}#inbox/${renewal.hashId}`, steps: [], expected: renewalPeople },
  { ...gmail, page: 'gmail/reading-pane.html', shows: 'split pane', url: `${G}#inbox/${renewal.hashId}`, steps: [], expected: renewalPeople },
  { ...gmail, page: 'gmail/conversation-off.html', shows: 'conversation view off', url: G, steps: [], expected: [alice, dave] },
  { ...gmail, page: 'gmail/long-thread.html', shows: '52 messages, 48 older', url: `${G}#inbox/${longThread().hashId}`, steps: [], expected: [alice, bob, dave] },
  { ...gmail, page: 'gmail/older-messages.html', shows: 'collapsed-only sender', url: `${G}#inbox/${rollout.hashId}`, steps: [], expected: [dave, alice, bob] },
  { ...gmail, page: 'gmail/older-messages.html', shows: '+ "8 older messages" expanded', url: `${G}#inbox/${rollout.hashId}`, steps: ['showOlder'], expected: [dave, alice, bob, erin] },
  { ...gmail, page: 'gmail/older-messages.html', shows: '+ the cc\'d message expanded', url: `${G}#inbox/${rollout.hashId}`, steps: ['showOlder', `expandMessage:msg-f:${rollout.messages[6]!.n}`], expected: [dave, alice, bob, erin, frank] },
  { ...gmail, page: 'gmail/navigation.html', shows: 'view replaced after the hash', url: `${G}#inbox/${renewal.hashId}`, steps: [`openThread:${onboarding.hashId}`], expected: [erin, carol] },
  { ...gmail, page: 'gmail/navigation-overlap.html', shows: 'old view shown beside the new', url: `${G}#inbox/${renewal.hashId}`, steps: [`openThread:${onboarding.hashId}`], expected: [erin, carol] },
  { ...gmail, page: 'gmail/navigation.html', shows: 'opened from search results', url: `${G}#inbox/${renewal.hashId}`, steps: ['search:rollout', `openThread:${rollout.hashId}`], expected: [dave, alice, bob] },
  { ...gmail, page: 'gmail/second-account.html', shows: '/mail/u/1/ account', url: `https://mail.google.com/mail/u/1/#inbox/${personalThread.hashId}`, steps: [], expected: [erin, alice], account: repPersonal.email },
  { ...outlook, page: 'outlook/reading-pane.html', shows: 'reading pane, 2 collapsed', url: `${O}inbox/id/${oid(renewal)}`, steps: [], expected: renewalPeople },
  { ...outlook, page: 'outlook/individual-messages.html', shows: 'conversation view off', url: `${O}inbox/id/${oid({ messages: [renewal.messages[0]!] })}`, steps: [], expected: [alice, dave] },
  { ...outlook, page: 'outlook/long-thread.html', shows: '52 messages, 51 collapsed', url: `${O}inbox/id/${oid(longThread())}`, steps: [], expected: [alice, bob, dave] },
  { ...outlook, page: 'outlook/long-recipients.html', shows: '13 recipients, "See more"', url: `${O}inbox/id/${oid(invitation)}`, steps: [], expected: [alice, bob, carol, ...guests.slice(0, 3)] },
  { ...outlook, page: 'outlook/long-recipients.html', shows: '+ "See more" clicked', url: `${O}inbox/id/${oid(invitation)}`, steps: ['seeMore'], expected: [alice, bob, carol, ...guests] },
  { ...outlook, page: 'outlook/full-page.html', shows: 'message on its own page', url: `${O}deeplink/read/${oid(renewal)}`, steps: [], expected: renewalPeople },
  { ...outlook, page: 'outlook/full-page-individual.html', shows: 'own page, conversation off', url: `${O}deeplink/read/${oid({ messages: [renewal.messages.at(-1)!] })}`, steps: [], expected: [alice, bob, frank] },
];

/** Drives the page and reads it; runs beside the page (Node with happy-dom, or in the browser from its source). */
async function coverageRun(env: LoopEnv & { fixture: Record<string, (...args: string[]) => unknown>; readAccount(): string | null }, steps: string[]): Promise<CoverageOutput> {
  const events: string[] = [];
  let last: MailThread | null = null;
  const watcher = env.watchMail({
    document: env.document,
    ownAddresses: [],
    internalDomains: ['acme.com'],
    unreadableAfterMs: 500,
    onEvent: (event: MailEvent) => {
      events.push(event.type);
      if (event.type === 'threadOpened' || event.type === 'threadUpdated') last = event.thread;
      if (event.type === 'threadClosed' || event.type === 'threadUnreadable') last = null;
    },
  });
  const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
  await pause(50);
  for (const step of steps) {
    const [name, ...rest] = step.split(':');
    env.fixture[name!]!(...(rest.length ? [rest.join(':')] : []));
    await pause(150);
  }
  watcher.stop();
  const readMs: number[] = [];
  for (let i = 0; i < 30; i++) {
    const start = performance.now();
    for (let k = 0; k < 10; k++) env.readThread();
    readMs.push((performance.now() - start) / 10);
  }
  const thread = last as MailThread | null;
  return { participants: thread ? thread.participants.map((p) => p.email) : [], messages: thread ? thread.messageIds.length : 0, account: env.readAccount(), events, readMs: readMs.slice(5) };
}

async function coverageInHappyDom(c: CoverageCase): Promise<CoverageOutput> {
  const window = new Window({ url: c.url, settings: { enableJavaScriptEvaluation: true, suppressInsecureJavaScriptEnvironmentWarning: true } });
  const document = window.document as unknown as Document;
  document.write(readFileSync(join(import.meta.dirname, '../test/fixtures/mail', c.page), 'utf8'));
  await window.happyDOM.waitUntilComplete();
  const fixture = (window as unknown as { __fixture: Record<string, (...args: string[]) => unknown> }).__fixture;
  try {
    return await coverageRun(
      {
        document,
        fixture: fixture as LoopEnv['fixture'] & Record<string, (...args: string[]) => unknown>,
        watchMail,
        readThread: () => readThreadOnce(c.adapter, { document, ...OPTIONS }),
        readAccount: () => c.adapter.readAccount(document),
      },
      c.steps,
    );
  } finally {
    await window.happyDOM.close();
  }
}

async function coverageInChromium(browser: Awaited<ReturnType<typeof chromium.launch>>, c: CoverageCase): Promise<CoverageOutput> {
  const page = await browser.newPage();
  const origin = new URL(c.url).origin;
  const html = readFileSync(join(import.meta.dirname, '../test/fixtures/mail', c.page), 'utf8');
  await page.route(`${origin}/**`, async (route) => {
    const { pathname } = new URL(route.request().url());
    if (pathname.startsWith('/__mail/') || pathname.startsWith('/shared/')) {
      // the readers' sources, and the shared modules they import (mail/hosts.ts: ../../shared/, which the page's URL resolves to /shared/)
      const [dir, rest] = pathname.startsWith('/shared/') ? [SHARED_DIR, pathname.slice('/shared/'.length)] : [MAIL_DIR, pathname.slice('/__mail/'.length)];
      const file = normalize(join(dir, rest));
      if (!file.startsWith(dir) || !file.endsWith('.ts')) return route.fulfill({ status: 404 });
      return route.fulfill({ contentType: 'text/javascript', body: stripTypeScriptTypes(readFileSync(file, 'utf8')) });
    }
    return route.fulfill({ contentType: 'text/html', body: html });
  });
  try {
    await page.goto(c.url);
    const source = `(async (steps) => {
      const [{ watchMail }, { readThreadOnce }, adapterModule] = await Promise.all([
        import('/__mail/index.ts'), import('/__mail/watch.ts'), import('/__mail/${c.adapterModule}'),
      ]);
      const adapter = adapterModule.${c.adapterExport};
      const options = ${JSON.stringify(OPTIONS)};
      const env = { document, fixture: window.__fixture, watchMail, readThread: () => readThreadOnce(adapter, { document, ...options }), readAccount: () => adapter.readAccount(document) };
      return (${coverageRun.toString()})(env, steps);
    })(${JSON.stringify(c.steps)})`;
    return (await page.evaluate(source)) as CoverageOutput;
  } finally {
    await page.close();
  }
}

function coverageRow(dom: string, c: CoverageCase, out: CoverageOutput): Array<string | number> {
  const expected = c.expected.map((p) => p.email.toLowerCase());
  const found = expected.filter((e) => out.participants.includes(e));
  const missed = expected.filter((e) => !out.participants.includes(e));
  const wrong = out.participants.filter((e) => !expected.includes(e));
  const short = (list: string[]) => (list.length === 0 ? '—' : list.map((e) => e.split('@')[0]).join(', '));
  return [dom, c.page, c.shows, out.messages, `${found.length}/${expected.length}`, short(missed), short(wrong), out.account === c.account ? 'yes' : `no (${out.account ?? 'none'})`, ms(summarize(out.readMs).p50)];
}

const doms = args.dom === 'both' ? ['happy-dom', 'chromium'] : [args.dom!];
console.log(`# Thread detection (${RUNS} runs after ${WARMUP} warm-up; load average ${loadavg()[0]!.toFixed(2)} on ${cpus().length} cores)`);
const coverage: Array<Array<string | number>> = [];
const table: Array<Array<string | number>> = [];
if (doms.includes('happy-dom')) {
  for (const c of COVERAGE) coverage.push(coverageRow('happy-dom', c, await coverageInHappyDom(c)));
  for (const c of CASES) table.push(...rows('happy-dom', c, await inHappyDom(c)));
}
if (doms.includes('chromium')) {
  if (!existsSync(CHROMIUM)) {
    console.log(`${CHROMIUM} is missing: the Chromium rows are left out (apt-get install -y chromium)`);
  } else {
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    try {
      for (const c of COVERAGE) coverage.push(coverageRow(`Chromium ${browser.version()}`, c, await coverageInChromium(browser, c)));
      for (const c of CASES) table.push(...rows(`Chromium ${browser.version()}`, c, await inChromium(browser, c)));
    } finally {
      await browser.close();
    }
  }
}
console.log();
console.log('## Who each fixture page shows, detected (signed-in account and acme.com colleagues left out)');
console.log();
console.log(markdownTable(['DOM', 'page', 'shows', 'messages', 'participants found', 'missed', 'wrong', 'account read', 'read p50 ms'], coverage));
console.log();
console.log('## Speed on the 52-message threads');
console.log();
console.log(markdownTable(['DOM', 'webmail', 'what', 'runs', 'p50 ms', 'p99 ms', 'max ms', 'p50 / its baseline'], table));
