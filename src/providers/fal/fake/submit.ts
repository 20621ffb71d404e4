import { setTimeout as delay } from 'node:timers/promises';
import type { HttpBindings } from '@hono/node-server';
import type { Context } from 'hono';
import { countedMarker, intMarker, parseMarkers } from '../../kit/fake/markers.ts';
import type { RecordedRequest } from '../../kit/fake/recorder.ts';
import { type FalJob, jobUrls, newJobId } from './jobs.ts';
import { CONTENT_POLICY, falErrorResponse, json } from './replies.ts';
import type { FakeFalState } from './state.ts';
import type { FalScriptedError } from './types.ts';
import { type FalEndpoint, validateFalInput } from './validate.ts';

/**
 * `POST /{endpoint_id}`: auth, validation, then a scripted entry or prompt markers decide what
 * the request will do; the reply is the queue status with the request's URLs.
 *
 * Prompt markers (`[[fake:…]]`): `content_policy` (completes with the 422 refusal);
 * `fail=STATUS[,type=T][,retryable=true|false][,times=N]` (completes with that error);
 * `submit_status=STATUS[,retryable=…][,retry_after=S][,times=N]` (the submission is refused);
 * `queue_ms=N`, `latency_ms=N`, `queue_position=N`; `nsfw`; `expired_output`.
 */
export async function handleSubmit(
  c: Context<{ Bindings: HttpBindings }>,
  endpoint: FalEndpoint,
  entry: RecordedRequest,
  state: FakeFalState,
): Promise<Response> {
  if (typeof entry.body === 'string' || entry.body === undefined) {
    return falErrorResponse({
      status: 422,
      type: 'json_invalid',
      msg: 'JSON decode error',
      loc: ['body'],
    });
  }
  const validation = await validateFalInput(entry.body, endpoint, state.config.v4SizeRule);
  if (!validation.ok) return json({ detail: validation.detail }, 422);
  const input = validation.input;
  const markers = parseMarkers(input.prompt);
  const scripted = state.base.script.take() ?? {};

  if (scripted.drop) {
    entry.status = 0;
    c.env.outgoing.socket?.destroy();
    await delay(0);
    return new Response(null, { status: 500 });
  }
  const refusal =
    scripted.submitError ?? markerError(markers, 'submit_status', state.base.markerUses);
  if (refusal) return falErrorResponse(refusal);

  const marked = markerError(markers, 'fail', state.base.markerUses);
  const failure: FalScriptedError | undefined =
    scripted.fail ??
    marked ??
    (markers.get('content_policy') !== undefined ? CONTENT_POLICY : undefined) ??
    (state.base.random() < state.config.failureRate
      ? {
          status: 500,
          type: 'internal_server_error',
          msg: 'Internal server error',
          retryable: true,
        }
      : undefined) ??
    input.loadError;
  const job: FalJob = {
    id: newJobId(),
    endpoint,
    input,
    entry: {
      ...scripted,
      ...(markers.get('nsfw') !== undefined ? { nsfw: true } : {}),
      ...(markers.get('expired_output') !== undefined ? { expiredOutput: true } : {}),
    },
    pathShape: scripted.pathShape ?? state.config.pathShape,
    submittedAt: state.base.now(),
    queueMs: scripted.queueMs ?? intMarker(markers, 'queue_ms') ?? state.config.queueMs,
    latencyMs: scripted.latencyMs ?? intMarker(markers, 'latency_ms') ?? state.config.latencyMs,
    queuePosition: scripted.queuePosition ?? intMarker(markers, 'queue_position') ?? 0,
    ...(failure ? { failure } : {}),
    statusErrorsLeft: scripted.statusErrors ?? 0,
  };
  state.jobs.set(job.id, job);
  const urls = jobUrls(job, new URL(c.req.url).origin);
  const omit = new Set(scripted.omit ?? []);
  return json({
    status: 'IN_QUEUE',
    request_id: job.id,
    response_url: urls.response_url,
    ...(omit.has('status_url') ? {} : { status_url: urls.status_url }),
    ...(omit.has('cancel_url') ? {} : { cancel_url: urls.cancel_url }),
    queue_position: job.queuePosition,
  });
}

function markerError(
  markers: ReturnType<typeof parseMarkers>,
  key: string,
  uses: Map<string, number>,
): FalScriptedError | undefined {
  const fields = countedMarker(markers, key, uses);
  if (!fields) return undefined;
  const retryable = fields.get('retryable');
  const retryAfter = fields.get('retry_after');
  const type = fields.get('type');
  return {
    status: Number(fields.get(key)) || 500,
    ...(type ? { type } : {}),
    ...(retryable === 'true' || retryable === 'false' ? { retryable: retryable === 'true' } : {}),
    ...(retryAfter === undefined ? {} : { retryAfter: Number(retryAfter) }),
  };
}
