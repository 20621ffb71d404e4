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
  | {
      readonly ok: true;
      readonly bytes: Buffer;
      /**
       * Frees the bytes at once (a large body's memory goes back to the system); `bytes` must
       * not be used afterwards. Without it they are freed by the garbage collector.
       */
      readonly release: () => void;
    }
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
  if (!body) return { ok: true, bytes: Buffer.alloc(0), release: () => {} };
  return readWebStream(body, bounds, inspect);
}

/** Bodies up to this size are kept as the chunks they arrived in. */
const SMALL_BODY_BYTES = 256 * 1024;

/**
 * Collects chunks, counting bytes and running the inspector; shared by both readers.
 *
 * A body past 256 KiB is copied into one resizable ArrayBuffer (its address space reserved up to
 * `maxBytes`, pages committed as it grows), and the chunks the socket delivered are let go at
 * once. `release()` shrinks it to nothing, which hands its pages back to the operating system
 * there and then: a stalled 50 MB upload costs nothing once its 408 is decided, instead of
 * waiting for a full garbage collection and then staying in the allocator's free lists.
 */
function collector<F>(bounds: BodyBounds, inspect: ChunkInspector<F> | undefined) {
  const chunks: Buffer[] = [];
  let large: ArrayBuffer | undefined;
  let total = 0;
  const copyIn = (chunk: Buffer, at: number) => {
    large!.resize(at + chunk.length);
    new Uint8Array(large!, at, chunk.length).set(chunk);
  };
  return {
    add(chunk: Buffer): BodyReadFailure<F> | undefined {
      const at = total;
      total += chunk.length;
      if (total > bounds.maxBytes) return { kind: 'too_large', limit: bounds.maxBytes };
      const refused = inspect?.(chunk);
      if (refused !== undefined) return { kind: 'rejected', failure: refused };
      if (large) {
        copyIn(chunk, at);
      } else if (total > SMALL_BODY_BYTES) {
        large = new ArrayBuffer(0, { maxByteLength: bounds.maxBytes });
        let offset = 0;
        for (const earlier of chunks) {
          copyIn(earlier, offset);
          offset += earlier.length;
        }
        chunks.length = 0;
        copyIn(chunk, at);
      } else {
        chunks.push(chunk);
      }
      return undefined;
    },
    bytes(): Buffer {
      if (large) return Buffer.from(large, 0, total);
      return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
    },
    /** Lets go of everything read; a large body's pages go back to the system at once. */
    release() {
      chunks.length = 0;
      large?.resize(0);
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
        // Stop taking bytes off the socket (after the response the server discards what still
        // arrives, briefly, then closes). What was read is released at once.
        incoming.pause();
        body.release();
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
    const onEnd = () => finish({ ok: true, bytes: body.bytes(), release: body.release });
    /**
     * The client closed its side after sending the whole request (or before the handler got
     * to the body): Node then destroys the request without emitting 'end', but the bytes it
     * received are still buffered. They are the body; a client that disconnects does not
     * cancel its request.
     */
    const takeBuffered = () => {
      for (let chunk = incoming.read() as Buffer | null; chunk !== null; chunk = incoming.read()) {
        const failure = body.add(chunk);
        if (failure) return fail(failure);
      }
      onEnd();
    };
    const onIncomplete = () => (incoming.complete ? takeBuffered() : fail({ kind: 'incomplete' }));
    const onClose = () => {
      if (!incoming.readableEnded) onIncomplete();
    };
    if (incoming.readableEnded) {
      finish({ ok: true, bytes: Buffer.alloc(0), release: () => {} });
      return;
    }
    if (incoming.destroyed) {
      onIncomplete();
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
    body.release();
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
    if (next.done) return { ok: true, bytes: body.bytes(), release: body.release };
    const chunk = next.value;
    const failure = body.add(
      Buffer.isBuffer(chunk)
        ? chunk
        : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength),
    );
    if (failure) return fail(failure);
  }
}
