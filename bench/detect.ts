/**
 * Benchmark of thread detection (X1) in a DOM (happy-dom), on the 52-message fixture pages of Gmail
 * and Outlook:
 *  - parse: reading the open thread off the page (ids, subject, participants, own/internal filtered);
 *  - detect: from the page swapping in the thread (the fixture's `openThread`, the way the webmail
 *    does it) to the `threadOpened` event, through the MutationObserver and the coalescing microtask;
 *  - baselines, in the same run on the same document: a bare `querySelectorAll` of the address elements
 *    reading their attributes, the least any reader has to do; once on a settled page (beside parse)
 *    and once right after the same swap (beside detect).
 * happy-dom is slower than a browser's DOM; the ratios to the baseline are the portable part.
 * A benchmark reports; it never fails a run.
 *
 *   npm run bench:detect -- [--runs 100] [--warmup 10]
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { Window } from 'happy-dom';
import { gmailAdapter } from '../extension/mail/gmail/adapter.ts';
import { watchMail } from '../extension/mail/index.ts';
import { outlookAdapter } from '../extension/mail/outlook/adapter.ts';
import type { MailEvent } from '../extension/mail/types.ts';
import { readThreadOnce, type Adapter } from '../extension/mail/watch.ts';
import { markdownTable, ms, summarize, type Summary } from './stats.ts';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '100' },
    warmup: { type: 'string', default: '10' },
  },
});
const RUNS = Number(args.runs);
const WARMUP = Number(args.warmup);

interface FixtureControls {
  threads(): Array<{ threadId: string; hashId: string; subject: string }>;
  openThread(id: string): string;
}

interface Case {
  name: string;
  adapter: Adapter;
  file: string;
  url: string;
  /** The element every address sits in, for the baseline. */
  addressSelector: string;
  addressAttribute: string;
}

const CASES: Case[] = [
  {
    name: 'Gmail',
    adapter: gmailAdapter,
    file: 'extension/mail/gmail/fixtures/long-thread.html',
    url: 'https://mail.google.com/mail/u/0/#inbox/FMfcgzQXJPilotLongThread',
    addressSelector: 'span[email]',
    addressAttribute: 'email',
  },
  {
    name: 'Outlook',
    adapter: outlookAdapter,
    file: 'extension/mail/outlook/fixtures/long-thread.html',
    url: 'https://outlook.office.com/mail/inbox',
    addressSelector: '[title*="@"]',
    addressAttribute: 'title',
  },
];

const OPTIONS = { ownAddresses: [], internalDomains: ['acme.com'] };

function time(fn: () => void): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

function measure(fn: () => void): Summary {
  for (let i = 0; i < WARMUP; i++) fn();
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) samples.push(time(fn));
  return summarize(samples);
}

async function run(c: Case): Promise<Array<Array<string | number>>> {
  // The fixture's own script (window.__fixture) has to run; it is this project's file.
  const window = new Window({ url: c.url, settings: { enableJavaScriptEvaluation: true, suppressInsecureJavaScriptEnvironmentWarning: true } });
  const document = window.document as unknown as Document;
  document.write(readFileSync(c.file, 'utf8'));
  await window.happyDOM.waitUntilComplete();
  const fixture = (window as unknown as { __fixture: FixtureControls }).__fixture;
  const [long, other] = fixture.threads();
  if (!long || !other) throw new Error(`${c.file}: expected two threads`);
  fixture.openThread(long.hashId);

  const thread = readThreadOnce(c.adapter, { document, ...OPTIONS });
  if (!thread || thread.messageIds.length < 50) throw new Error(`${c.name}: the long thread did not parse (${thread?.messageIds.length} messages)`);

  let sink = 0;
  const baseline = measure(() => {
    for (const el of Array.from(document.querySelectorAll(c.addressSelector))) sink += el.getAttribute(c.addressAttribute)?.length ?? 0;
  });
  const parse = measure(() => {
    sink += readThreadOnce(c.adapter, { document, ...OPTIONS })!.participants.length;
  });

  // Right after the page swaps a thread in, happy-dom's first queries over the new nodes are far slower
  // than later ones; so the cold baseline is the same bare query run right after the same swap.
  // Runs alternate: even ones time the bare query after the swap, odd ones the watcher's event.
  let resolveEvent: ((event: MailEvent) => void) | null = null;
  const watcher = watchMail({ document, ...OPTIONS, onEvent: (event) => resolveEvent?.(event) });
  const next = () =>
    new Promise<number>((resolve) => {
      resolveEvent = (event) => {
        if (event.type === 'threadOpened') resolve(performance.now());
      };
    });
  await new Promise((r) => setTimeout(r, 0));
  const detect: number[] = [];
  const coldBaseline: number[] = [];
  for (let i = 0; i < 2 * (WARMUP + RUNS); i++) {
    const away = next();
    fixture.openThread(other.hashId);
    await away;
    const opened = next();
    fixture.openThread(long.hashId);
    const swapped = performance.now();
    if (i % 2 === 0) {
      for (const el of Array.from(document.querySelectorAll(c.addressSelector))) sink += el.getAttribute(c.addressAttribute)?.length ?? 0;
      const done = performance.now();
      await opened;
      if (i >= 2 * WARMUP) coldBaseline.push(done - swapped);
    } else {
      const at = await opened;
      if (i >= 2 * WARMUP) detect.push(at - swapped);
    }
  }
  watcher.stop();
  await window.happyDOM.close();
  if (sink < 0) console.log(sink);

  const row = (what: string, s: Summary, base: Summary) => [c.name, what, s.count, ms(s.p50), ms(s.p99), ms(s.max), `${(s.p50 / base.p50).toFixed(1)}×`];
  const cold = summarize(coldBaseline);
  return [
    row(`baseline: querySelectorAll('${c.addressSelector}')`, baseline, baseline),
    row(`parse ${thread.messageIds.length} messages, ${thread.participants.length} participants`, parse, baseline),
    row(`cold baseline: thread swapped in → querySelectorAll('${c.addressSelector}')`, cold, cold),
    row('detect: thread swapped in → threadOpened', summarize(detect), cold),
  ];
}

console.log(`# Thread detection, 52-message threads in happy-dom (${RUNS} runs after ${WARMUP} warm-up; load average ${loadavg()[0]!.toFixed(2)} on ${cpus().length} cores)`);
const rows: Array<Array<string | number>> = [];
for (const c of CASES) rows.push(...(await run(c)));
console.log();
console.log(markdownTable(['webmail', 'what', 'runs', 'p50 ms', 'p99 ms', 'max ms', 'p50 / its baseline'], rows));
