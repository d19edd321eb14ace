/** One server-sent event as the stream carried it. */
export interface SseEvent {
  event: string;
  data: string;
  /** The event's `id:`, when it had one. */
  id?: string;
  /** A `retry:` the server asked for (ms). */
  retry?: number;
}

/**
 * An incremental parser of a text/event-stream (the WHATWG rules that matter here: fields,
 * multi-line data, comments, any line ending). Feed it decoded text as it arrives; it calls
 * `onEvent` for every complete event.
 */
export function createSseParser(onEvent: (event: SseEvent) => void): { push(text: string): void } {
  let buffer = '';
  let data: string[] = [];
  let event = '';
  let id: string | undefined;
  let retry: number | undefined;
  const dispatch = () => {
    if (data.length > 0 || event !== '') {
      onEvent({ event: event || 'message', data: data.join('\n'), ...(id !== undefined ? { id } : {}), ...(retry !== undefined ? { retry } : {}) });
    }
    data = [];
    event = '';
    id = undefined;
    retry = undefined;
  };
  const line = (l: string) => {
    if (l === '') return dispatch();
    if (l.startsWith(':')) return;
    const colon = l.indexOf(':');
    const field = colon === -1 ? l : l.slice(0, colon);
    let value = colon === -1 ? '' : l.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
    else if (field === 'id' && !value.includes('\0')) id = value;
    else if (field === 'retry' && /^\d+$/.test(value)) retry = Number(value);
  };
  return {
    push(text) {
      buffer += text;
      for (;;) {
        const match = /\r\n|\r|\n/.exec(buffer);
        // a lone \r at the end may be the first half of \r\n: wait for more
        if (!match || (match[0] === '\r' && match.index === buffer.length - 1)) return;
        line(buffer.slice(0, match.index));
        buffer = buffer.slice(match.index + match[0].length);
      }
    },
  };
}
