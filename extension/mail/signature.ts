/**
 * The signatures of a thread's messages from other people, as text for the server's
 * recommendations (a company named under a sender's name is evidence for that company, issue 20).
 * Read from each message's text as the page shows it: the lines after the last sign-off ("Kind
 * regards,", "Met vriendelijke groet", "--") of the message's own part, before any quoted reply.
 * A message without a sign-off has no signature: nothing is guessed from its last lines.
 */
import { RECOMMENDATION_LIMITS } from '../../shared/recommendations.ts';
import type { MailThread } from './types.ts';

/** At most this many characters go to the server: the limit its body schema holds to. */
export const SIGNATURE_MAX = RECOMMENDATION_LIMITS.maxSignature;
/** Lines of a signature kept after its sign-off: name, title, company, and a little more. */
const SIGNATURE_LINES = 6;

/** A line that ends the message's own text: the start of a quoted reply or forward. */
const QUOTE_START = /^(?:>|on .{1,300} wrote:$|op .{1,300} schreef .{0,100}:$|-{2,}\s*(?:original message|forwarded message|oorspronkelijk bericht|doorgestuurd bericht)\s*-{2,}$|(?:from|van):\s.+)/i;
/** A sign-off, alone on its line (a comma or full stop after it allowed). */
const SIGN_OFF =
  /^(?:--|—|(?:kind|best|warm|many|with)?\s*(?:regards|wishes)|regards|cheers|thanks(?: again)?|thank you|many thanks|sincerely|best|all the best|yours(?: sincerely| truly)?|(?:met )?(?:vriendelijke|hartelijke|beste|warme) groet(?:en)?|groet(?:en|jes)?|mvg|m\.v\.g\.|gr\.?)[,.!]?$/i;

/** One message's signature: the lines after its last sign-off, '' when it has none. */
export function signatureOf(text: string): string {
  const lines: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (QUOTE_START.test(line)) break;
    lines.push(line);
  }
  let signOff = -1;
  for (const [i, line] of lines.entries()) if (SIGN_OFF.test(line)) signOff = i;
  if (signOff === -1) return '';
  return lines
    .slice(signOff + 1)
    .filter((line) => line !== '' && line.length <= 100)
    .slice(0, SIGNATURE_LINES)
    .join('\n');
}

/** The signatures of the messages sent by the thread's participants (never the rep's own), each once, within SIGNATURE_MAX. */
export function threadSignature(thread: Pick<MailThread, 'participants' | 'messages'>): string {
  const others = new Set(thread.participants.map((p) => p.email));
  const seen = new Set<string>();
  let out = '';
  for (const message of thread.messages ?? []) {
    if (!message.from || !others.has(message.from.email)) continue;
    const signature = signatureOf(message.text);
    if (signature === '' || seen.has(signature)) continue;
    seen.add(signature);
    const next = out === '' ? signature : `${out}\n${signature}`;
    if (next.length > SIGNATURE_MAX) break;
    out = next;
  }
  return out;
}
