import { deadline } from '../../deadline.ts';
import { parseRetryAfterMs } from '../kit/backoff.ts';
import type { HttpClient, HttpResponse } from '../kit/http-client.ts';
import { certainlyNotSent, describeError } from '../kit/net-errors.ts';
import type { ArkImageRequest } from './request-body.ts';
import { readSse } from './sse.ts';
import {
  type ImagesOutcome,
  interpretStreamEvent,
  parseErrorBody,
  parseImagesResponse,
  type UpstreamErrorBody,
  type UpstreamImage,
} from './wire.ts';

/** How one upstream call ended. Only `network` with `sent: false` is certainly not billed. */
export type CallResult =
  | { readonly type: 'image'; readonly image: UpstreamImage; readonly requestId?: string }
  | {
      readonly type: 'upstream_error';
      /** HTTP status, or 200 for an error inside a successful reply or stream. */
      readonly status: number;
      readonly error: UpstreamErrorBody;
      readonly retryAfterMs?: number;
      readonly requestId?: string;
    }
  | { readonly type: 'timeout' }
  | { readonly type: 'aborted' }
  | { readonly type: 'network'; readonly sent: boolean; readonly detail: string }
  | { readonly type: 'malformed'; readonly detail: string; readonly requestId?: string };

export interface CallContext {
  readonly http: HttpClient;
  readonly endpoint: string;
  readonly apiKey: string;
  readonly timeoutMs: number;
  /** The job's signal: client gone or shutting down. */
  readonly signal: AbortSignal;
  readonly now: () => number;
}

/** Sends one image request and reads its reply, JSON or event stream, within the timeout. */
export async function callUpstream(body: ArkImageRequest, ctx: CallContext): Promise<CallResult> {
  const limit = deadline(ctx.signal, ctx.timeoutMs);
  try {
    return await exchange(body, ctx, limit.signal, (): CallResult | undefined => {
      if (ctx.signal.aborted) return { type: 'aborted' };
      if (limit.expired) return { type: 'timeout' };
      return undefined;
    });
  } finally {
    limit.dispose();
  }
}

async function exchange(
  body: ArkImageRequest,
  ctx: CallContext,
  signal: AbortSignal,
  interrupted: () => CallResult | undefined,
): Promise<CallResult> {
  let response: HttpResponse;
  try {
    response = await ctx.http.send(ctx.endpoint, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${ctx.apiKey}`,
        'content-type': 'application/json',
        accept: body.stream ? 'text/event-stream' : 'application/json',
      },
      body: JSON.stringify(body),
      signal,
    });
  } catch (error) {
    return (
      interrupted() ?? {
        type: 'network',
        sent: !certainlyNotSent(error),
        detail: describeError(error),
      }
    );
  }

  const requestId = response.header('x-request-id');
  const withId = requestId === undefined ? {} : { requestId };
  try {
    if (response.status < 200 || response.status > 299) {
      const retryAfterMs = parseRetryAfterMs(response.header('retry-after') ?? null, ctx.now());
      return {
        type: 'upstream_error',
        status: response.status,
        error: parseErrorBody(await response.text()),
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
        ...withId,
      };
    }
    const isStream = (response.header('content-type') ?? '').includes('text/event-stream');
    const outcome = isStream
      ? await readStream(response.body)
      : parseImagesResponse(await response.text());
    return fromOutcome(outcome, withId);
  } catch (error) {
    return interrupted() ?? { type: 'network', sent: true, detail: describeError(error) };
  }
}

function fromOutcome(outcome: ImagesOutcome, withId: { requestId?: string }): CallResult {
  switch (outcome.type) {
    case 'images': {
      // One job asks for one image; should a reply carry several, the first is used.
      const image = outcome.images[0];
      if (image) return { type: 'image', image, ...withId };
      return { type: 'upstream_error', status: 200, error: outcome.failures[0]!, ...withId };
    }
    case 'error':
      return { type: 'upstream_error', status: 200, error: outcome.error, ...withId };
    case 'malformed':
      return { type: 'malformed', detail: outcome.detail, ...withId };
  }
}

/**
 * Reads events until the first image arrives (then stops reading: nothing later can change a
 * single-image job), a request-level error, or the end. Per-image failures are kept in case the
 * upstream still sends an image afterwards.
 */
async function readStream(body: AsyncIterable<Uint8Array>): Promise<ImagesOutcome> {
  const failures: UpstreamErrorBody[] = [];
  for await (const raw of readSse(body)) {
    const event = interpretStreamEvent(raw);
    if (event.kind === 'succeeded') return { type: 'images', images: [event.image], failures };
    if (event.kind === 'error') return { type: 'error', error: event.error };
    if (event.kind === 'failed') failures.push(event.error);
    if (event.kind === 'completed' || event.kind === 'done') break;
  }
  if (failures.length > 0) return { type: 'images', images: [], failures };
  return { type: 'malformed', detail: 'stream ended without an image or an error' };
}
