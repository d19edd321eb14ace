/**
 * Timing marks on a thread's way to the sidebar (User Timing, `performance.mark`): the content
 * script's and the background's, which bench/companion.ts reads to say where the time goes. Only
 * the latest mark of each name is kept, so a long webmail session does not collect them.
 */
export type ThreadMark =
  /** Content script: the watcher reported a thread opened (or its people changed). */
  | 'crm:thread-opened'
  /** Content script: the server read was asked of the background. */
  | 'crm:thread-asked'
  /** Content script: the background's answer arrived. */
  | 'crm:thread-answered'
  /** Background: the message arrived. */
  | 'crm:worker-received'
  /** Background: the settings (server, token, own addresses) read. */
  | 'crm:worker-settings'
  /** Background: the server's answer began (status and headers). */
  | 'crm:worker-headers'
  /** Background: the server answered (body read and checked). */
  | 'crm:worker-fetched'
  /** Background: the answer was handed back to the content script. */
  | 'crm:worker-replied';

export function mark(name: ThreadMark): void {
  if (typeof performance === 'undefined' || typeof performance.mark !== 'function') return;
  performance.clearMarks(name);
  performance.mark(name);
}
