import type { Context } from 'hono';
import { hashRequest } from '../../../idempotency/idempotency.ts';
import { timeOfSortableId } from '../../../ids.ts';
import type { Logger } from '../../../log.ts';
import type { AppEnv } from '../../context.ts';
import { ApiError } from '../../errors.ts';
import {
  type GenerationCallDeps,
  type GenerationDelivered,
  runGeneration,
} from '../../generation-call.ts';
import { openAiErrorBody } from './errors.ts';
import type { OpenAiImageCall, OpenAiRefusal } from './request.ts';
import {
  completedEvent,
  createdOf,
  type ImageOperation,
  imagesResponseJson,
  sseEvent,
} from './respond.ts';

export interface AnswerDeps extends GenerationCallDeps {
  readonly publicBaseUrl: string | undefined;
  readonly log: Logger;
}

/** A refused OpenAI request as the error the renderer turns into OpenAI's 400. */
export function refusal(r: OpenAiRefusal): ApiError {
  return new ApiError('invalid_parameters', r.message, {
    ...(r.param ? { field: r.param } : {}),
    reason: r.code,
  });
}

const HEARTBEAT_MS = 15_000;

/**
 * Runs a mapped OpenAI request through the same generation call as the native endpoint, and
 * answers in OpenAI's shape: one JSON `ImagesResponse`, or server-sent events.
 */
export async function answerImageCall(
  c: Context<AppEnv>,
  deps: AnswerDeps,
  operation: ImageOperation,
  call: OpenAiImageCall,
): Promise<Response> {
  const baseUrl = deps.publicBaseUrl ?? new URL(c.req.url).origin;
  const base = {
    key: c.get('apiKey'),
    requestId: c.get('requestId'),
    idempotencyKey: c.req.header('idempotency-key'),
    // Its own namespace: the same key with a native request is a different body.
    requestHash: () =>
      hashRequest({
        api: `openai.${operation}`,
        request: call.request,
        responseFormat: call.responseFormat,
        stream: call.stream,
        partialImages: call.partialImages,
      }),
    request: call.request,
    baseUrl,
    signal: c.req.raw.signal,
  };
  if (call.stream) return streamed(c, deps, operation, call, base, baseUrl);

  const result = await runGeneration(deps, base);
  const created = createdOf(timeOfSortableId(result.generationId) ?? Date.now());
  return c.body(imagesResponseJson(result, call, created, baseUrl), 200, {
    'Content-Type': 'application/json',
    ...resultHeaders(result),
  });
}

function resultHeaders(result: GenerationDelivered): Record<string, string> {
  return {
    'X-Generation-Id': result.generationId,
    'X-Credits-Used': String(result.creditsUsed),
    ...(result.replayed ? { 'Idempotent-Replayed': 'true' } : {}),
  };
}

/**
 * The streamed answer. The status is decided before the first byte: the response starts when
 * the first image is stored (or a replay is found), so a refusal before any image (credits,
 * limits, a bad source image, the provider refusing every image) is still a plain JSON error
 * with its own status. Each image then goes out as a `<operation>.completed` event the moment
 * it is stored. No provider goodtake has yet renders partial previews, so `partial_images`
 * sends none (OpenAI allows fewer partial images than asked). A failure after the stream began
 * is an `error` event, which the OpenAI SDKs raise as an APIError.
 */
async function streamed(
  c: Context<AppEnv>,
  deps: AnswerDeps,
  operation: ImageOperation,
  call: OpenAiImageCall,
  base: Parameters<typeof runGeneration>[1],
  baseUrl: string,
): Promise<Response> {
  const encoder = new TextEncoder();
  const early: string[] = [];
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  let closed = false;
  const send = (text: string) => {
    if (closed) return;
    if (controller) controller.enqueue(encoder.encode(text));
    else early.push(text);
  };
  const now = () => Math.floor(Date.now() / 1000);
  let markStarted: () => void = () => {};
  const started = new Promise<'started'>((resolve) => {
    markStarted = () => resolve('started');
  });
  const run = runGeneration(deps, {
    ...base,
    progress: {
      onImage: (image) => {
        send(completedEvent(operation, image, call, now(), baseUrl));
        markStarted();
      },
    },
  });
  // Throws (a JSON error with its status) when the generation fails before any image.
  const first = await Promise.race([run, started]);
  const replayed = first !== 'started' && first.replayed;

  let heartbeat: ReturnType<typeof setInterval> | undefined;
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(heartbeat);
    controller?.close();
  };
  const stream = new ReadableStream<Uint8Array>({
    start(ctrl) {
      controller = ctrl;
      for (const text of early.splice(0)) ctrl.enqueue(encoder.encode(text));
      heartbeat = setInterval(() => send(': keep-alive\n\n'), HEARTBEAT_MS);
      run.then(
        (result) => {
          // A replay stored its images earlier: they go out now, in order.
          if (result.replayed) {
            for (const image of result.images) {
              send(completedEvent(operation, image, call, now(), baseUrl));
            }
          }
          close();
        },
        (err: unknown) => {
          const apiError =
            err instanceof ApiError
              ? err
              : new ApiError('internal_error', 'An internal error occurred');
          if (!(err instanceof ApiError)) {
            deps.log.error({ err, requestId: base.requestId }, 'streamed generation failed');
          }
          send(sseEvent('error', openAiErrorBody(apiError)));
          close();
        },
      );
    },
    cancel() {
      // The client left: the generation still finishes and is charged, like the native
      // endpoint's; an Idempotency-Key retry collects the images.
      closed = true;
      clearInterval(heartbeat);
    },
  });
  return c.body(stream, 200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache',
    'X-Accel-Buffering': 'no',
    ...(replayed ? { 'Idempotent-Replayed': 'true' } : {}),
  });
}
