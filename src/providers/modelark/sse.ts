/** One server-sent event: its `event:` name if any, and its `data:` lines joined by newlines. */
export interface SseEvent {
  readonly event?: string;
  readonly data: string;
}

/** An incremental SSE parser: feed text in chunks cut anywhere, get the complete events. */
export interface SseParser {
  push(text: string): SseEvent[];
  /** Flushes a last event that the stream did not terminate with a blank line. */
  end(): SseEvent[];
}

/** Creates a parser following the WHATWG event-stream rules (CR, LF or CRLF line ends). */
export function createSseParser(): SseParser {
  let buffer = '';
  // Where to resume looking for a line end, so a long line arriving in many chunks is scanned once.
  let scanned = 0;
  let eventName: string | undefined;
  let dataLines: string[] = [];

  const dispatch = (out: SseEvent[]): void => {
    if (dataLines.length > 0) {
      const data = dataLines.join('\n');
      out.push(eventName === undefined ? { data } : { event: eventName, data });
    }
    eventName = undefined;
    dataLines = [];
  };

  const line = (text: string, out: SseEvent[]): void => {
    if (text === '') {
      dispatch(out);
      return;
    }
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    let value = colon < 0 ? '' : text.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') eventName = value;
    else if (field === 'data') dataLines.push(value);
  };

  const drain = (final: boolean): SseEvent[] => {
    const out: SseEvent[] = [];
    const lineEnd = /\r\n|\r|\n/g;
    let start = 0;
    let resumeAt = -1;
    lineEnd.lastIndex = scanned;
    for (;;) {
      const match = lineEnd.exec(buffer);
      if (!match) break;
      // A CR at the very end may be the first half of a CRLF split across chunks.
      if (match[0] === '\r' && match.index === buffer.length - 1 && !final) {
        resumeAt = match.index;
        break;
      }
      line(buffer.slice(start, match.index), out);
      start = match.index + match[0].length;
    }
    scanned = (resumeAt >= 0 ? resumeAt : buffer.length) - start;
    buffer = buffer.slice(start);
    return out;
  };

  return {
    push(text) {
      buffer += text;
      return drain(false);
    },
    end() {
      const out = drain(true);
      if (buffer !== '') line(buffer, out);
      buffer = '';
      scanned = 0;
      dispatch(out);
      return out;
    },
  };
}

/** Reads a byte stream as SSE; stops reading (and ends the stream) when the consumer stops. */
export async function* readSse(body: AsyncIterable<Uint8Array>): AsyncGenerator<SseEvent> {
  const parser = createSseParser();
  const decoder = new TextDecoder();
  // Leaving this loop early (the consumer stopped) returns the body's iterator, which ends it.
  for await (const chunk of body) {
    yield* parser.push(decoder.decode(chunk, { stream: true }));
  }
  yield* parser.push(decoder.decode());
  yield* parser.end();
}
