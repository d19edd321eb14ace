import { describe, expect, it } from 'vitest';
import { SIGNATURE_MAX, signatureOf, threadSignature } from './signature.ts';
import type { MailMessage, Participant } from './types.ts';

const message = (from: string, text: string): MailMessage => ({ id: `m-${from}-${text.length}`, from: { email: from, name: '' }, to: [], cc: [], sentAt: null, text });
const participant = (email: string): Participant => ({ email, name: '', roles: ['from'] });

describe('signatures in a thread (issue 20: a company named in a signature)', () => {
  it('the lines under the last sign-off, in English and Dutch, or after "--"', () => {
    expect(signatureOf('Sounds good.\nKind regards,\nPriya Raman\nHead of Procurement\nQuillfeather Logistics')).toBe('Priya Raman\nHead of Procurement\nQuillfeather Logistics');
    expect(signatureOf('Prima, tot dan.\nMet vriendelijke groet,\nJan de Vries\nBakkerij Jansen B.V.')).toBe('Jan de Vries\nBakkerij Jansen B.V.');
    expect(signatureOf('See attached.\n--\nErin Walsh | Tailspin Toys')).toBe('Erin Walsh | Tailspin Toys');
    expect(signatureOf('Thanks!\nBest,\nSam')).toBe('Sam');
    // at most six lines, none of the overlong ones
    expect(signatureOf(`Cheers\n${Array.from({ length: 10 }, (_, i) => `line ${i}`).join('\n')}`).split('\n')).toHaveLength(6);
  });

  it('nothing without a sign-off of its own line; a quoted reply and its signature are not the message\'s', () => {
    expect(signatureOf('Can we meet on Thursday? Best regards from sunny Lisbon and the team')).toBe('');
    expect(signatureOf('')).toBe('');
    const reply = 'Yes, Thursday.\nOn Tue, 10 Nov 2026 at 11:30, Alice Chen <alice.chen@northwind.example> wrote:\n> Thursday works.\n> Kind regards,\n> Alice Chen\n> Northwind Traders';
    expect(signatureOf(reply)).toBe('');
    const dutchReply = 'Akkoord.\nGroeten,\nPiet\nOp di 10 nov 2026 om 11:30 schreef Alice Chen <alice.chen@northwind.example>:\nKind regards,\nAlice Chen';
    expect(signatureOf(dutchReply)).toBe('Piet');
  });

  it("only the participants' messages count (never the rep's own), each signature once, within the server's limit", () => {
    const participants = [participant('priya@quillfeather.example'), participant('jan@jansen.example')];
    const thread = {
      participants,
      messages: [
        message('priya@quillfeather.example', 'Hi\nKind regards,\nPriya Raman\nQuillfeather Logistics'),
        message('jane.rep@acme.com', 'Hello\nBest,\nJane Rep\nAcme Corp'),
        message('priya@quillfeather.example', 'Again\nKind regards,\nPriya Raman\nQuillfeather Logistics'),
        message('jan@jansen.example', 'Goed\nGroeten,\nJan de Vries\nBakkerij Jansen'),
      ],
    };
    expect(threadSignature(thread)).toBe('Priya Raman\nQuillfeather Logistics\nJan de Vries\nBakkerij Jansen');
    expect(threadSignature({ participants, messages: undefined })).toBe('');
    const many = { participants, messages: Array.from({ length: 200 }, (_, i) => message('jan@jansen.example', `x\nRegards,\nJan ${i}\n${'Bakkerij '.repeat(10)}${i}`)) };
    const long = threadSignature(many);
    expect(long.length).toBeLessThanOrEqual(SIGNATURE_MAX);
    expect(long.length).toBeGreaterThan(SIGNATURE_MAX - 200);
  });
});
