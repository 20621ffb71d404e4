import { setTimeout as delay } from 'node:timers/promises';
import type { HttpBindings } from '@hono/node-server';
import type { Context } from 'hono';
import { errorResponse, type FakeError, fakeRequestId } from './errors.ts';
import { generateJson, generateStream, planImages } from './generation.ts';
import { intMarker, parseMarkers, statusMarker } from './markers.ts';
import type { FakeState } from './state.ts';
import { validateRequest } from './validate.ts';

/**
 * `POST /api/v3/images/generations`: auth, validation, then (in this order) a scripted reply,
 * prompt-marker errors, the random failure rate, the IPM limit, and finally the generation.
 */
export async function handleGeneration(
  c: Context<{ Bindings: HttpBindings }>,
  state: FakeState,
): Promise<Response> {
  const entry = await state.record(c.req.raw);
  const requestId = fakeRequestId(state.now());
  const reply = (response: Response): Response => {
    entry.status = response.status;
    return response;
  };
  const fail = (error: FakeError): Response => reply(errorResponse(error, requestId));

  if (c.req.header('authorization') !== `Bearer ${state.apiKey}`) {
    return fail({ status: 401, code: 'AuthenticationError', message: '' });
  }
  if (typeof entry.body === 'string' || entry.body === undefined) {
    return fail({
      status: 400,
      code: 'InvalidParameter',
      param: 'body',
      message: 'The request body is not valid JSON.',
    });
  }
  const validation = await validateRequest(entry.body, {
    flavor: state.flavor,
    maxImageBytes: state.maxImageBytes,
  });
  if (!validation.ok) return fail(validation.error);
  const request = validation.request;
  const markers = parseMarkers(request.prompt);

  const scripted = state.script.take();
  const latencyMs =
    scripted?.latencyMs ?? intMarker(markers, 'latency_ms') ?? state.config.latencyMs;
  const drop = async (): Promise<Response> => {
    await delay(latencyMs);
    entry.status = 0;
    c.env.outgoing.socket?.destroy();
    return new Response(null, { status: 500 });
  };
  if (scripted?.drop) return drop();
  if (scripted?.body !== undefined) {
    return reply(
      c.json(scripted.body as object, (scripted.status ?? 200) as 200, {
        'x-request-id': requestId,
      }),
    );
  }
  if (scripted?.status !== undefined) {
    const retryAfter =
      scripted.retryAfter === undefined ? {} : { 'retry-after': String(scripted.retryAfter) };
    return fail({
      status: scripted.status,
      code: scripted.code ?? '',
      message: scripted.message ?? '',
      headers: { ...scripted.headers, ...retryAfter },
    });
  }

  const markerError = statusMarker(markers, state.markerUses);
  if (markerError) return fail(markerError);
  if (markers.get('input_text_sensitive') !== undefined) {
    return fail({ status: 400, code: 'InputTextSensitiveContentDetected', message: '' });
  }
  if (markers.get('input_image_sensitive') !== undefined) {
    return fail({ status: 400, code: 'InputImageSensitiveContentDetected', message: '' });
  }
  if (state.random() < state.config.failureRate) {
    return fail({ status: 500, code: 'InternalServiceError', message: '' });
  }
  if (!state.ipmAllows(request.model, request.maxImages)) {
    return fail({ status: 429, code: 'ModelAccountIpmRateLimitExceeded', message: '' });
  }
  if (markers.get('drop') !== undefined) return drop();
  if (markers.get('malformed') !== undefined) {
    return reply(
      new Response('<html>upstream connect error</html>', {
        headers: { 'x-request-id': requestId },
      }),
    );
  }

  const plans = planImages(request, markers);
  const ctx = {
    storage: state.storage,
    render: state.render,
    origin: new URL(c.req.url).origin,
    latencyMs,
    now: state.now,
    signal: c.req.raw.signal,
  };
  if (request.stream) {
    const headers = {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache',
      'x-request-id': requestId,
    };
    return reply(new Response(generateStream(request, plans, markers, ctx), { headers }));
  }
  const only = plans[0];
  if (!request.sequential && only && !only.ok) {
    // A single image that fails is a request-level error (moderation 400, internal 500).
    await delay(latencyMs);
    return fail({
      status: only.code === 'InternalServiceError' ? 500 : 400,
      code: only.code,
      message: '',
    });
  }
  const body = await generateJson(request, plans, markers, ctx);
  return reply(c.json(body as object, 200, { 'x-request-id': requestId }));
}
