/**
 * The demo mailbox (`GET /demo/mail`, served only with `--demo`): a few threads between the rep of
 * the demo workspace and its contacts, and people not in it yet, written in the structure of
 * Gmail's page as the companion's Gmail reader knows it (gmail.js and InboxSDK read the same: the
 * subject `h2.hP` with `data-thread-perm-id`, messages `div.adn` with `data-message-id`, the sender
 * `span.gD[email]` in `h3.iw`, recipients `span.hb span.g2[email]`, the details table
 * `table.ajB tr.ajv` with `td.gG` labels, the account button's "Google Account:" label).
 *
 * Navigation is Gmail's: one page, the thread in the URL's hash (`#inbox/<id>`), views swapped
 * without a reload. Done with CSS `:target` rather than a script: the server's pages run no scripts
 * (its CSP says so), and every thread view stays in the page, hidden, as Gmail keeps the views it left.
 */
import { DEMO_MAIL_PATH } from '../../shared/api-paths.ts';
import { escapeHtml as e } from '../routes/docs.ts';
import { ASTRID, DEMO_REP, type DemoPerson, ERIK, fullName, LIAM, MAJA, NIAMH, TOMAS } from './people.ts';


interface DemoMessage {
  n: string;
  from: DemoPerson;
  to: DemoPerson[];
  cc: DemoPerson[];
  date: string;
  body: string[];
}

export interface DemoThread {
  /** The hash id: the thread opens at `/demo/mail#inbox/<hashId>`. */
  hashId: string;
  n: string;
  subject: string;
  messages: DemoMessage[];
}

/** What the companion shows for each thread, as the README's quick start tells it. */
export const DEMO_THREADS: DemoThread[] = [
  {
    hashId: 'FMfcgzDemoHaldenRenewal',
    n: '1790000000000900101',
    subject: 'Fleet tracking renewal — contract for 140 vehicles',
    messages: [
      {
        n: '1790000000000901001', from: ASTRID, to: [DEMO_REP], cc: [ERIK], date: 'Mon, 23 Nov 2026, 09:12',
        body: ['Hi Sam,', 'Option B from your proposal works for us: 140 vehicles, three years, with the route export included.', 'Erik will confirm the export issue is fixed before we sign.', 'Astrid'],
      },
      {
        n: '1790000000000901002', from: DEMO_REP, to: [ASTRID], cc: [ERIK, MAJA], date: 'Mon, 23 Nov 2026, 15:40',
        body: ['Hi Astrid,', 'Great news. The export fix ships this week; Erik has the ticket. I have added Maja from procurement for the contract.', 'Sam'],
      },
      {
        n: '1790000000000901003', from: MAJA, to: [DEMO_REP], cc: [ASTRID], date: 'Tue, 24 Nov 2026, 10:05',
        body: ['Hello Sam,', 'I take over the contract from our side. Could you send the order form? We would also like to talk about the Nordic depots next month.', 'Best regards,', 'Maja Holm, Procurement Lead, Halden Freight'],
      },
    ],
  },
  {
    hashId: 'FMfcgzDemoCorvinaPilot',
    n: '1790000000000900202',
    subject: 'Warehouse pilot — next steps',
    messages: [
      {
        n: '1790000000000902001', from: NIAMH, to: [DEMO_REP], cc: [LIAM], date: 'Wed, 25 Nov 2026, 11:30',
        body: ['Hi Sam,', 'We are ready to start the pilot in the Cork warehouse on the 7th. Liam runs the docks and will be your contact on site.', 'Niamh'],
      },
      {
        n: '1790000000000902002', from: LIAM, to: [DEMO_REP, NIAMH], cc: [], date: 'Wed, 25 Nov 2026, 16:02',
        body: ['Hi Sam, dock 3 will be free from 7am. The invoice still shows our old VAT number, by the way.', 'Liam'],
      },
    ],
  },
  {
    hashId: 'FMfcgzDemoFerreiraStudio',
    n: '1790000000000900303',
    subject: 'Brand refresh for your fleet app',
    messages: [
      {
        n: '1790000000000903001', from: TOMAS, to: [DEMO_REP], cc: [], date: 'Thu, 26 Nov 2026, 08:47',
        body: ['Hi Sam,', 'We met at the Gothenburg trade fair. Our studio redesigns driver apps; I would love to show you two examples next week.', 'Tomás Ferreira, Ferreira Design'],
      },
    ],
  },
];

const legacyId = (n: string) => BigInt(n).toString(16);

function sender(p: DemoPerson): string {
  return `<span translate="no" email="${e(p.email)}" name="${e(fullName(p))}" data-hovercard-id="${e(p.email)}" class="gD"><span class="zF">${e(fullName(p))}</span></span>`;
}

function recipient(p: DemoPerson): string {
  const shown = p === DEMO_REP ? 'me' : fullName(p);
  return `<span translate="no" dir="ltr" email="${e(p.email)}" name="${e(shown)}" data-hovercard-id="${e(p.email)}" class="g2">${e(shown)}</span>`;
}

function detailsRow(label: string, value: string): string {
  return `<tr class="ajv"><td colspan="2" class="gG"><span class="gI">${label}:</span></td><td class="gL"><span class="gI">${value}</span></td></tr>`;
}

function message(m: DemoMessage): string {
  const address = `<span class="go"><span aria-hidden="true">&lt;</span>${e(m.from.email)}<span aria-hidden="true">&gt;</span></span>`;
  const details = `<div class="ajA SK" role="dialog"><table cellpadding="0" class="ajB gS"><tbody>
${detailsRow('from', `<span translate="no" class="qu">${sender(m.from)} ${address}</span>`)}
${detailsRow('to', m.to.map(recipient).join(', '))}
${m.cc.length ? detailsRow('cc', m.cc.map(recipient).join(', ')) : ''}
${detailsRow('date', e(m.date))}
${detailsRow('mailed-by', e(m.from.email.split('@')[1]!))}
</tbody></table></div>`;
  return `<div role="listitem" class="h7 ie nH oy8Mbf" aria-expanded="true" tabindex="-1"><div class="Bk"><div class="G3 G2"><div><div class="adn ads" data-message-id="#msg-f:${m.n}" data-legacy-message-id="${legacyId(m.n)}">
<div class="gs"><div class="gE iv gt"><table class="cf gJ"><tbody><tr class="acZ">
<td class="gF gK"><h3 class="iw"><span class="qu" role="gridcell" tabindex="-1">${sender(m.from)} ${address}</span></h3></td>
<td class="gH"><span class="g3" title="${e(m.date)}">${e(m.date)}</span></td>
</tr></tbody></table>
<div class="iw ajw"><span class="hb">to ${[...m.to, ...m.cc].map(recipient).join(', ')}</span></div>${details}</div>
<div class="ii gt"><div class="a3s aiL"><div dir="ltr">${m.body.map((p) => `<p>${e(p)}</p>`).join('')}</div></div></div></div>
</div></div></div></div></div>`;
}

function threadView(t: DemoThread): string {
  return `<div class="nH g id demo-thread" id="inbox/${e(t.hashId)}"><div class="demo-bar"><a href="#inbox" class="demo-back" aria-label="Back to Inbox">← Inbox</a></div>
<div class="nH a98 iY"><div class="nH"><div class="ha"><h2 class="hP" data-thread-perm-id="thread-f:${t.n}" data-legacy-thread-id="${legacyId(t.n)}" tabindex="-1">${e(t.subject)}</h2></div></div>
<div class="nH aHU"><div role="list">
${t.messages.map(message).join('\n')}
</div></div></div></div>`;
}

function inboxRow(t: DemoThread): string {
  const last = t.messages.at(-1)!;
  const snippet = last.body.reduce((a, b) => (b.length > a.length ? b : a));
  const people = [...new Set(t.messages.map((m) => (m.from === DEMO_REP ? 'me' : m.from.firstname)))].join(', ');
  return `<tr class="zA zE" role="row"><td class="yX xY"><a href="#inbox/${e(t.hashId)}" class="demo-row"><span class="bA4"><span class="zF" name="${e(fullName(last.from))}">${e(people)}</span></span></a></td>
<td class="xY a4W"><a href="#inbox/${e(t.hashId)}" class="demo-row"><span class="bog"><span data-thread-id="#thread-f:${t.n}" data-legacy-thread-id="${legacyId(t.n)}">${e(t.subject)}</span></span> <span class="y2">— ${e(snippet)}</span></a></td>
<td class="xW xY"><span title="${e(last.date)}">${e(last.date.split(',').slice(1, 2).join('').trim())}</span></td></tr>`;
}

const STYLE = `body{font-family:Roboto,Arial,sans-serif;margin:0;color:#202124;background:#f6f8fc}
a{color:inherit;text-decoration:none}
header{display:flex;align-items:center;justify-content:space-between;padding:8px 16px;height:48px}
.demo-logo{font-size:22px;color:#5f6368}.demo-logo b{color:#c5221f}
.demo-note{font-size:13px;color:#5f6368;background:#fef7e0;border-radius:8px;padding:6px 12px}
.gb_A{display:inline-flex;width:32px;height:32px;border-radius:50%;background:#1a73e8;color:#fff;align-items:center;justify-content:center;font-weight:500}
.bkK{display:flex}.nav{width:200px;padding:8px 0}.nav a{display:block;padding:6px 24px;border-radius:0 16px 16px 0;font-size:14px}.nav a.on{background:#d3e3fd;font-weight:600}
main{flex:1;background:#fff;border-radius:16px;margin:0 16px 16px 0;min-height:calc(100vh - 80px);overflow:hidden}
table.F{width:100%;border-collapse:collapse}.zA td{padding:10px 12px;border-bottom:1px solid #f1f3f4;font-size:14px;white-space:nowrap}
.zA:hover{box-shadow:inset 0 -1px 0 #dadce0;background:#f2f6fc}.zA .bog{font-weight:600}.y2{color:#5f6368}.a4W{width:100%;overflow:hidden;text-overflow:ellipsis;max-width:0}
.demo-thread{display:none;padding:0 360px 24px 24px;scroll-margin-top:100vh}.demo-thread:target{display:block}main:has(.demo-thread:target) .demo-inbox{display:none}
.demo-bar{padding:12px 0}.demo-back{font-size:14px;color:#1a73e8}
h2.hP{font-size:22px;font-weight:400;margin:8px 0 16px}
.adn{border-top:1px solid #eceff1;padding:12px 0}.gJ{width:100%}.gD{font-weight:600}.go{color:#5f6368;font-size:12px}.g3{color:#5f6368;font-size:12px}
.hb{color:#5f6368;font-size:12px}.ajA.SK{display:none}.a3s p{margin:8px 0;font-size:14px;line-height:1.5}`;

/** The whole page: inbox list, every thread's view (the one in the hash shown), the account button. */
export function demoMailboxPage(): string {
  const initial = DEMO_REP.firstname[0]!;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Inbox - ${e(DEMO_REP.email)} - Demo mail</title><style>${STYLE}</style></head>
<body>
<div class="nH" id="gb"><header class="gb_Na" role="banner"><span class="demo-logo"><b>M</b> Demo mail</span>
<span class="demo-note">A demo mailbox served by your CRM server: the people here are the demo workspace's contacts, and some who are not in it yet.</span>
<a class="gb_A" aria-label="Google Account: ${e(fullName(DEMO_REP))}&#10;(${e(DEMO_REP.email)})" href="#inbox" role="button">${e(initial)}</a></header></div>
<div class="nH bkK"><div class="nav" role="navigation"><a href="#inbox" class="on" title="Inbox">Inbox <span>${DEMO_THREADS.length}</span></a><a href="#inbox" title="Sent">Sent</a></div>
<main class="nH" role="main">
<div class="ae4 UI demo-inbox"><table class="F cf zt"><tbody>
${DEMO_THREADS.map(inboxRow).join('\n')}
</tbody></table></div>
${DEMO_THREADS.map(threadView).join('\n')}
</main></div>
</body></html>
`;
}
