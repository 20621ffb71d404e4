import { parseRetryAfterMs } from '../kit/backoff.ts';
import { exchange } from '../kit/exchange.ts';
import { inBackground } from '../kit/options.ts';
import { type PollCheck, pollUntil, unlessAborted } from '../kit/poll.ts';
import type { ImageLocation } from '../kit/retrieve.ts';
import type { FalInput } from './input.ts';
import type { ResolvedFalOptions } from './options.ts';
import {
  type FalError,
  type FalHandle,
  parseError,
  parseOutput,
  parseStatusReply,
  parseSubmitReply,
} from './wire.ts';

/** How one queued request (submit, status until done, result) ended. */
export type RunResult =
  | { readonly type: 'image'; readonly image: ImageLocation; readonly requestId: string }
  /** fal answered with an error, at submission or as the request's result. */
  | {
      readonly type: 'error';
      readonly error: FalError;
      readonly retryAfterMs?: number;
      readonly requestId?: string;
    }
  /** The safety checker removed the image. */
  | { readonly type: 'blocked'; readonly requestId: string }
  /** The job's signal aborted or its time ran out; a submitted request was cancelled. */
  | { readonly type: 'interrupted' }
  | {
      readonly type: 'failed';
      /** True only when nothing can have been queued (safe to submit again). */
      readonly retryable: boolean;
      readonly detail: string;
      readonly requestId?: string;
    };

export interface RunContext {
  readonly cfg: ResolvedFalOptions;
  /** The job's signal joined with its deadline. */
  readonly signal: AbortSignal;
  readonly log: ResolvedFalOptions['log'];
}

// Status looks that fail in a row (network, 5xx, 429) before the request is given up on.
const MAX_STATUS_FAILURES = 5;
// Attempts at fetching a finished request's result when the fetch itself fails.
const RESULT_ATTEMPTS = 3;

/** Submits `input` to an endpoint, follows it to its result, and cancels it when interrupted. */
export async function runQueued(
  endpointId: string,
  input: FalInput,
  ctx: RunContext,
): Promise<RunResult> {
  const { cfg } = ctx;
  const auth = { authorization: `Key ${cfg.apiKey}`, accept: 'application/json' };
  // The submission is not tied to the job's signal: once fal has queued the request, goodtake
  // needs its reply (the cancel URL) to stop it. A job abandoned meanwhile returns at once and
  // the request is cancelled as soon as the reply names it.
  const submit = exchange(cfg.http, {
    method: 'POST',
    url: `${cfg.baseUrl}/${endpointId}`,
    headers: auth,
    body: input,
    timeoutMs: cfg.callTimeoutMs,
    signal: new AbortController().signal,
  });
  const raced = await unlessAborted(submit, ctx.signal, (work) =>
    inBackground(
      cfg,
      work.then(async (reply) => {
        const handle =
          reply.type === 'reply' ? parseSubmitReply(reply.text, cfg.baseUrl) : undefined;
        if (handle) await cancel(handle, auth, cfg, ctx.log.child({ requestId: handle.requestId }));
      }),
    ),
  );
  if (!raced.done) return { type: 'interrupted' };
  const submitted = raced.value;
  if (submitted.type === 'network') {
    return { type: 'failed', retryable: !submitted.sent, detail: submitted.detail };
  }
  if (submitted.type !== 'reply') {
    // The request may be queued, and there is no handle to cancel it with.
    return { type: 'failed', retryable: false, detail: 'no answer to the submission in time' };
  }
  if (submitted.status < 200 || submitted.status > 299) {
    const retryAfterMs = parseRetryAfterMs(submitted.header('retry-after') ?? null, cfg.now());
    return {
      type: 'error',
      error: parseError(submitted.status, submitted.text, submitted.header),
      ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
    };
  }
  const handle = parseSubmitReply(submitted.text, cfg.baseUrl);
  if (!handle) return { type: 'failed', retryable: false, detail: 'submit reply not understood' };
  const log = ctx.log.child({ requestId: handle.requestId });
  log.debug({ endpointId }, 'fal.ai queued the request');

  const done = await pollUntil<'completed' | 'canceled' | FalError>({
    intervalMs: cfg.pollIntervalMs,
    sleep: cfg.sleep,
    signal: ctx.signal,
    maxConsecutiveFailures: MAX_STATUS_FAILURES,
    check: () => checkStatus(handle, auth, ctx, log),
  });
  if (done.type === 'interrupted') {
    await cancel(handle, auth, cfg, log);
    return { type: 'interrupted' };
  }
  if (done.type === 'gave_up') {
    await cancel(handle, auth, cfg, log);
    return { type: 'failed', retryable: false, detail: done.detail, requestId: handle.requestId };
  }
  if (done.value === 'canceled') {
    return {
      type: 'failed',
      retryable: false,
      detail: 'fal.ai cancelled the request',
      requestId: handle.requestId,
    };
  }
  if (done.value !== 'completed') {
    return { type: 'error', error: done.value, requestId: handle.requestId };
  }
  return fetchResult(handle, auth, ctx, log);
}

async function checkStatus(
  handle: FalHandle,
  auth: Record<string, string>,
  ctx: RunContext,
  log: RunContext['log'],
): Promise<PollCheck<'completed' | 'canceled' | FalError>> {
  const reply = await exchange(ctx.cfg.http, {
    method: 'GET',
    url: handle.statusUrl,
    headers: auth,
    timeoutMs: ctx.cfg.callTimeoutMs,
    signal: ctx.signal,
  });
  if (reply.type !== 'reply') return { type: 'transient', detail: `status: ${reply.type}` };
  // 202 while queued or running, 200 once done (wave2 §3.1).
  if (reply.status >= 200 && reply.status <= 299) {
    const status = parseStatusReply(reply.text);
    if (!status) return { type: 'transient', detail: 'status reply not understood' };
    if (status.state === 'waiting') {
      log.trace({ queuePosition: status.queuePosition }, 'fal.ai request waiting');
      return { type: 'pending' };
    }
    return { type: 'done', value: status.state };
  }
  if (reply.status === 429 || reply.status >= 500) {
    return { type: 'transient', detail: `status: HTTP ${reply.status}` };
  }
  return { type: 'done', value: parseError(reply.status, reply.text, reply.header) };
}

async function fetchResult(
  handle: FalHandle,
  auth: Record<string, string>,
  ctx: RunContext,
  log: RunContext['log'],
): Promise<RunResult> {
  const requestId = handle.requestId;
  let detail = '';
  for (let attempt = 0; attempt < RESULT_ATTEMPTS; attempt++) {
    if (attempt > 0) await ctx.cfg.sleep(ctx.cfg.pollIntervalMs, ctx.signal);
    if (ctx.signal.aborted) return { type: 'interrupted' };
    const reply = await exchange(ctx.cfg.http, {
      method: 'GET',
      url: handle.responseUrl,
      headers: auth,
      timeoutMs: ctx.cfg.callTimeoutMs,
      signal: ctx.signal,
    });
    if (reply.type !== 'reply') {
      detail = `result: ${reply.type}`;
      continue;
    }
    if (reply.status >= 200 && reply.status <= 299) {
      const output = parseOutput(reply.text);
      if (output.type === 'image') return { type: 'image', image: output.image, requestId };
      if (output.type === 'blocked') return { type: 'blocked', requestId };
      return { type: 'failed', retryable: false, detail: output.detail, requestId };
    }
    const error = parseError(reply.status, reply.text, reply.header);
    // A 5xx or 429 that is not fal's error document is the fetch failing, not the request.
    if ((reply.status === 429 || reply.status >= 500) && !error.falShaped) {
      detail = `result: HTTP ${reply.status}`;
      continue;
    }
    return { type: 'error', error, requestId };
  }
  log.warn({ detail }, 'fal.ai result could not be fetched');
  return { type: 'failed', retryable: false, detail, requestId };
}

/** `PUT` the cancel URL; any 2xx is accepted (the reply's shape is a CONFLICT, §3.2). */
async function cancel(
  handle: FalHandle,
  auth: Record<string, string>,
  cfg: ResolvedFalOptions,
  log: RunContext['log'],
): Promise<void> {
  const reply = await exchange(cfg.http, {
    method: 'PUT',
    url: handle.cancelUrl,
    headers: auth,
    timeoutMs: cfg.callTimeoutMs,
    signal: new AbortController().signal,
  });
  if (reply.type === 'reply' && reply.status >= 200 && reply.status <= 299) {
    log.info('fal.ai request cancelled');
  } else {
    log.warn(
      { reply: reply.type === 'reply' ? `HTTP ${reply.status}` : reply.type },
      'fal.ai request could not be cancelled',
    );
  }
}
