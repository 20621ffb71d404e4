import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';

/**
 * Reading a request body within bounds of size and time. Works on the Node request itself when
 * the app runs under @hono/node-server (no web stream is built for it), and on the web
 * `Request` body otherwise (in-process tests, other runtimes).
 */

export interface BodyBounds {
  /** Most bytes the body may have; a larger declared Content-Length is refused before reading. */
  readonly maxBytes: number;
  /** Longest wait for the next chunk. */
  readonly idleTimeoutMs: number;
  /** Longest time from the start of reading to the last byte. */
  readonly totalTimeoutMs: number;
}

/** Why a body was not read. `inspect` failures come back as they were returned. */
export type BodyReadFailure<F> =
  | { readonly kind: 'too_large'; readonly limit: number }
  | { readonly kind: 'idle_timeout'; readonly limit: number }
  | { readonly kind: 'total_timeout'; readonly limit: number }
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'rejected'; readonly failure: F };

export type BodyReadOutcome<F> =
  | { readonly ok: true; readonly bytes: Buffer }
  | { readonly ok: false; readonly failure: BodyReadFailure<F> };

/**
 * Looks at each chunk as it arrives and may refuse the body there (e.g. the JSON shape scan);
 * returning undefined keeps reading.
 */
export type ChunkInspector<F> = (chunk: Buffer) => F | undefined;

function nodeRequest(c: Context): IncomingMessage | undefined {
  const incoming = (c.env as { incoming?: unknown } | undefined)?.incoming;
  return incoming && typeof (incoming as IncomingMessage).on === 'function'
    ? (incoming as IncomingMessage)
    : undefined;
}

/** Reads the whole body of `c`'s request, or stops at the first bound broken. */
export async function readBoundedBody<F = never>(
  c: Context,
  bounds: BodyBounds,
  inspect?: ChunkInspector<F>,
): Promise<BodyReadOutcome<F>> {
  const declared = c.req.header('content-length');
  if (declared !== undefined && Number(declared) > bounds.maxBytes) {
    return { ok: false, failure: { kind: 'too_large', limit: bounds.maxBytes } };
  }
  const incoming = nodeRequest(c);
  if (incoming) return readIncoming(incoming, bounds, inspect);
  const body = c.req.raw.body;
  if (!body) return { ok: true, bytes: Buffer.alloc(0) };
  return readWebStream(body, bounds, inspect);
}

/** Collects chunks, counting bytes and running the inspector; shared by both readers. */
function collector<F>(bounds: BodyBounds, inspect: ChunkInspector<F> | undefined) {
  const chunks: Buffer[] = [];
  let total = 0;
  return {
    add(chunk: Buffer): BodyReadFailure<F> | undefined {
      total += chunk.length;
      if (total > bounds.maxBytes) return { kind: 'too_large', limit: bounds.maxBytes };
      const refused = inspect?.(chunk);
      if (refused !== undefined) return { kind: 'rejected', failure: refused };
      chunks.push(chunk);
      return undefined;
    },
    bytes: () => (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total)),
    drop() {
      chunks.length = 0;
    },
  };
}

function readIncoming<F>(
  incoming: IncomingMessage,
  bounds: BodyBounds,
  inspect: ChunkInspector<F> | undefined,
): Promise<BodyReadOutcome<F>> {
  return new Promise((resolve) => {
    const body = collector(bounds, inspect);
    let idle: NodeJS.Timeout | undefined;
    let total: NodeJS.Timeout | undefined;
    const finish = (outcome: BodyReadOutcome<F>) => {
      clearTimeout(idle);
      clearTimeout(total);
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onIncomplete);
      incoming.off('close', onClose);
      if (!outcome.ok) {
        // Stop taking bytes off the socket; the response says Connection: close and the
        // server drops the rest. Nothing read so far stays referenced.
        incoming.pause();
        body.drop();
      }
      resolve(outcome);
    };
    const fail = (failure: BodyReadFailure<F>) => finish({ ok: false, failure });
    const armIdle = () => {
      clearTimeout(idle);
      idle = setTimeout(
        () => fail({ kind: 'idle_timeout', limit: bounds.idleTimeoutMs }),
        bounds.idleTimeoutMs,
      );
    };
    const onData = (chunk: Buffer) => {
      const failure = body.add(chunk);
      if (failure) fail(failure);
      else armIdle();
    };
    const onEnd = () => finish({ ok: true, bytes: body.bytes() });
    const onIncomplete = () => fail({ kind: 'incomplete' });
    const onClose = () => {
      if (!incoming.complete) onIncomplete();
    };
    if (incoming.readableEnded) {
      finish({ ok: true, bytes: Buffer.alloc(0) });
      return;
    }
    armIdle();
    total = setTimeout(
      () => fail({ kind: 'total_timeout', limit: bounds.totalTimeoutMs }),
      bounds.totalTimeoutMs,
    );
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onIncomplete);
    incoming.on('close', onClose);
    incoming.resume();
  });
}

async function readWebStream<F>(
  stream: ReadableStream<Uint8Array>,
  bounds: BodyBounds,
  inspect: ChunkInspector<F> | undefined,
): Promise<BodyReadOutcome<F>> {
  const body = collector(bounds, inspect);
  const reader = stream.getReader();
  const started = Date.now();
  const fail = async (failure: BodyReadFailure<F>): Promise<BodyReadOutcome<F>> => {
    body.drop();
    await reader.cancel().catch(() => undefined);
    return { ok: false, failure };
  };
  for (;;) {
    const left = bounds.totalTimeoutMs - (Date.now() - started);
    const wait = Math.min(bounds.idleTimeoutMs, Math.max(0, left));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), wait);
    });
    let next: ReadableStreamReadResult<Uint8Array> | 'timeout';
    try {
      next = await Promise.race([reader.read(), timedOut]);
    } catch {
      return fail({ kind: 'incomplete' });
    } finally {
      clearTimeout(timer);
    }
    if (next === 'timeout') {
      return fail(
        wait < bounds.idleTimeoutMs
          ? { kind: 'total_timeout', limit: bounds.totalTimeoutMs }
          : { kind: 'idle_timeout', limit: bounds.idleTimeoutMs },
      );
    }
    if (next.done) return { ok: true, bytes: body.bytes() };
    const chunk = next.value;
    const failure = body.add(
      Buffer.isBuffer(chunk)
        ? chunk
        : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength),
    );
    if (failure) return fail(failure);
  }
}
