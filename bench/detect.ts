/**
 * Benchmark of thread detection (X1) on the 52-message fixture pages of Gmail and Outlook, in
 * happy-dom (what the unit tests use) and in Debian's Chromium (what reps use):
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
    if (pathname.startsWith('/__mail/')) {
      const file = normalize(join(MAIL_DIR, pathname.slice('/__mail/'.length)));
      if (!file.startsWith(MAIL_DIR) || !file.endsWith('.ts')) return route.fulfill({ status: 404 });
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

const doms = args.dom === 'both' ? ['happy-dom', 'chromium'] : [args.dom!];
console.log(`# Thread detection, 52-message threads (${RUNS} runs after ${WARMUP} warm-up; load average ${loadavg()[0]!.toFixed(2)} on ${cpus().length} cores)`);
const table: Array<Array<string | number>> = [];
if (doms.includes('happy-dom')) for (const c of CASES) table.push(...rows('happy-dom', c, await inHappyDom(c)));
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
      for (const c of CASES) table.push(...rows(`Chromium ${browser.version()}`, c, await inChromium(browser, c)));
    } finally {
      await browser.close();
    }
  }
}
console.log();
console.log(markdownTable(['DOM', 'webmail', 'what', 'runs', 'p50 ms', 'p99 ms', 'max ms', 'p50 / its baseline'], table));
