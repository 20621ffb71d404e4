import { connect } from 'node:net';

/** What came back on a raw HTTP/1.1 connection. */
export interface RawOutcome {
  /** The response status, or 0 when the server closed without answering. */
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** From connecting until the response was complete (or the connection closed). */
  readonly ms: number;
  /** Body bytes the client managed to write before the server answered or closed. */
  readonly sent: number;
  /** For a stalled upload: from the last byte written until the answer (or the close). */
  readonly afterStallMs?: number;
}

export interface RawRequest {
  readonly port: number;
  /** The request line and headers, without the final blank line. */
  readonly head: string;
  /** The body, produced lazily (a 50 MB body is never one string in the test process). */
  readonly body?: () => Iterable<Buffer>;
  /** Stop writing after this many body bytes and keep the connection open (a stalled upload). */
  readonly stallAfter?: number;
  /** Give up after this long; the outcome then has status 0. */
  readonly timeoutMs?: number;
}

/** `start`, then `piece` until `bytes` in all, then `end`: a body of exactly `bytes` bytes. */
export function* repeated(
  start: string,
  piece: Buffer,
  bytes: number,
  end: string,
): Iterable<Buffer> {
  const head = Buffer.from(start);
  const tail = Buffer.from(end);
  yield head;
  let left = bytes - head.length - tail.length;
  while (left > 0) {
    const chunk = left >= piece.length ? piece : piece.subarray(0, left);
    left -= chunk.length;
    yield chunk;
  }
  yield tail;
}

function parseResponse(raw: Buffer): {
  status: number;
  headers: Record<string, string>;
  body: string;
} {
  const end = raw.indexOf('\r\n\r\n');
  if (end === -1) return { status: 0, headers: {}, body: '' };
  const [statusLine = '', ...lines] = raw.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    if (colon > 0)
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = raw.subarray(end + 4);
  if (headers['transfer-encoding'] === 'chunked') {
    const parts: Buffer[] = [];
    let at = 0;
    for (;;) {
      const lineEnd = body.indexOf('\r\n', at);
      if (lineEnd === -1) break;
      const size = Number.parseInt(body.subarray(at, lineEnd).toString('latin1'), 16);
      if (!(size > 0)) break;
      parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
    }
    body = Buffer.concat(parts);
  } else if (headers['content-length'] !== undefined) {
    body = body.subarray(0, Number(headers['content-length']));
  }
  return { status, headers, body: body.toString('utf8') };
}

/**
 * Sends one request over its own TCP connection, writing the body as fast as the server takes
 * it (or stalling), and resolves when the server has answered and the response is complete, or
 * has closed the connection. Write errors after the server stopped reading are expected.
 */
export function rawExchange(request: RawRequest): Promise<RawOutcome> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = connect(request.port, '127.0.0.1');
    const received: Buffer[] = [];
    let sent = 0;
    let stalledAt: number | undefined;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const parsed = parseResponse(Buffer.concat(received));
      const now = performance.now();
      resolve({
        ...parsed,
        ms: now - started,
        sent,
        ...(stalledAt === undefined ? {} : { afterStallMs: now - stalledAt }),
      });
    };
    const timer = setTimeout(finish, request.timeoutMs ?? 20_000);
    const complete = () => {
      const parsed = parseResponse(Buffer.concat(received));
      const length = parsed.headers['content-length'];
      return (
        parsed.status > 0 &&
        length !== undefined &&
        Buffer.byteLength(parsed.body) >= Number(length)
      );
    };
    socket.on('data', (chunk) => {
      received.push(chunk);
      if (complete()) finish();
    });
    socket.on('error', () => {});
    socket.on('close', finish);
    socket.on('connect', () => {
      socket.write(`${request.head}\r\n\r\n`);
      const chunks = (request.body?.() ?? [])[Symbol.iterator]();
      const stallAfter = request.stallAfter ?? Number.POSITIVE_INFINITY;
      // At most 128 KiB per turn of the event loop: loopback takes megabytes at once, and the
      // suite's own timings (and everything else in the test process) must keep running.
      const pump = () => {
        let turn = 0;
        while (!done && !socket.destroyed && sent < stallAfter) {
          if (turn >= 128 * 1024) {
            setImmediate(pump);
            return;
          }
          const next = chunks.next();
          if (next.done) return;
          const chunk = next.value.subarray(0, stallAfter - sent);
          sent += chunk.length;
          turn += chunk.length;
          const flushed = socket.write(chunk, () => {
            if (sent >= stallAfter) stalledAt ??= performance.now();
          });
          if (!flushed) {
            socket.once('drain', pump);
            return;
          }
        }
      };
      pump();
    });
  });
}
