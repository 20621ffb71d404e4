import { setTimeout as delay } from 'node:timers/promises';
import type { HttpBindings } from '@hono/node-server';
import type { Context } from 'hono';
import { countedMarker, intMarker, parseMarkers } from '../../kit/fake/markers.ts';
import type { RecordedRequest } from '../../kit/fake/recorder.ts';
import { jsonReply } from '../../kit/fake/serve.ts';
import {
  type FakePrediction,
  FLAGGED,
  msUntilTerminal,
  newPredictionId,
  predictionObject,
  predictionStatus,
} from './predictions.ts';
import type { FakeReplicateState } from './state.ts';
import type { ReplicateScriptedError } from './types.ts';
import { modelFor, parseDuration, validateCreate, validationProblem } from './validate.ts';

type Ctx = Context<{ Bindings: HttpBindings }>;

/** Replicate's problem reply. */
export function problem(
  status: number,
  title: string,
  detail: string,
  headers: Record<string, string> = {},
): Response {
  return jsonReply({ title, detail, status }, status, headers);
}

function scriptedError(e: ReplicateScriptedError): Response {
  const headers: Record<string, string> =
    e.retryAfter === undefined ? {} : { 'retry-after': String(e.retryAfter) };
  if (e.body !== undefined) return jsonReply(e.body, e.status, headers);
  return jsonReply(
    {
      title: e.title ?? 'Error',
      detail: e.detail ?? '',
      status: e.status,
      ...(e.invalidFields ? { invalid_fields: e.invalidFields } : {}),
    },
    e.status,
    headers,
  );
}

/**
 * `POST /v1/models/{owner}/{name}/predictions`. Headers `Prefer: wait[=N]` (1–60) and
 * `Cancel-After` (a duration) are checked; the prediction then runs on the fake's clock.
 *
 * Prompt markers (`[[fake:…]]`): `flagged` (fails with E005), `fail=TEXT`,
 * `create_status=STATUS[,retry_after=S][,times=N]`, `queue_ms=N`, `latency_ms=N`,
 * `expired_output`.
 */
export async function handleCreate(
  c: Ctx,
  modelName: string,
  entry: RecordedRequest,
  state: FakeReplicateState,
) {
  const model = modelFor(modelName);
  if (!model)
    return problem(
      404,
      'Not found',
      `Model ${modelName} does not exist or you do not have access to it.`,
    );
  const prefer = c.req.header('prefer');
  let waitSeconds = 0;
  if (prefer !== undefined) {
    const m = /^\s*wait(?:=(\d+))?\s*$/.exec(prefer);
    waitSeconds = m ? Number(m[1] ?? 60) : Number.NaN;
    if (!(waitSeconds >= 1 && waitSeconds <= 60)) {
      return problem(
        400,
        'Invalid Prefer header',
        'Prefer must be "wait" or "wait=N" with N between 1 and 60.',
      );
    }
  }
  const cancelAfter = c.req.header('cancel-after');
  const deadlineS = cancelAfter === undefined ? undefined : parseDuration(cancelAfter);
  if (cancelAfter !== undefined && !(deadlineS !== undefined && deadlineS >= 1)) {
    return problem(
      400,
      'Invalid Cancel-After header',
      'Cancel-After must be a duration such as 30s, 5m or 1h.',
    );
  }
  if (typeof entry.body === 'string' || entry.body === undefined) {
    return problem(400, 'Invalid JSON', 'The request body is not valid JSON.');
  }
  const invalid = validateCreate(entry.body, model);
  if (invalid.length > 0) return jsonReply(validationProblem(invalid), 422);

  const input = (entry.body as { input: Record<string, unknown> }).input;
  const markers = parseMarkers(String(input.prompt));
  const scripted = state.base.script.take() ?? {};
  if (scripted.drop) {
    entry.status = 0;
    c.env.outgoing.socket?.destroy();
    return new Response(null, { status: 500 });
  }
  const marked = countedMarker(markers, 'create_status', state.base.markerUses);
  const refusal: ReplicateScriptedError | undefined =
    scripted.createError ??
    (marked
      ? {
          status: Number(marked.get('create_status')) || 500,
          ...(marked.get('retry_after') ? { retryAfter: Number(marked.get('retry_after')) } : {}),
        }
      : undefined);
  if (refusal) return scriptedError(refusal);
  const admitted = state.admitCreate();
  if (admitted !== true) {
    return problem(
      429,
      'Request was throttled',
      `Request was throttled. Your rate limit resets in ~${admitted}s.`,
      state.config.throttleRetryAfterHeader ? { 'retry-after': String(admitted) } : {},
    );
  }
  const failure =
    scripted.fail ??
    markers.get('fail') ??
    (markers.get('flagged') !== undefined ? FLAGGED : undefined) ??
    (state.base.random() < state.config.failureRate
      ? 'Prediction failed: internal error'
      : undefined) ??
    tooFewPixels(model, input);
  const p: FakePrediction = {
    id: newPredictionId(),
    model,
    modelName,
    input,
    entry: {
      ...scripted,
      ...(markers.get('expired_output') !== undefined ? { expiredOutput: true } : {}),
    },
    createdAt: state.base.now(),
    queueMs: scripted.queueMs ?? intMarker(markers, 'queue_ms') ?? state.config.queueMs,
    latencyMs: scripted.latencyMs ?? intMarker(markers, 'latency_ms') ?? state.config.latencyMs,
    ...(deadlineS === undefined ? {} : { deadlineMs: deadlineS * 1000 }),
    ...(failure ? { failure } : {}),
    pollErrorsLeft: scripted.pollErrors ?? 0,
  };
  state.predictions.set(p.id, p);
  if (waitSeconds > 0) {
    const wait = Math.min(waitSeconds * 1000, msUntilTerminal(p, state.base.now()));
    await delay(wait, undefined, { signal: c.req.raw.signal }).catch(() => undefined);
    // A timer can fire a millisecond before Date.now() says the time has come: the few
    // milliseconds left, if that is all, are waited too, so the answer is terminal.
    const left = msUntilTerminal(p, state.base.now());
    if (wait < waitSeconds * 1000 && left > 0 && left <= 5) {
      await delay(left, undefined, { signal: c.req.raw.signal }).catch(() => undefined);
    }
  }
  const origin = new URL(c.req.url).origin;
  return jsonReply(await predictionObject(p, origin, state), 201, {
    location: `${origin}/v1/predictions/${p.id}`,
  });
}

/**
 * ModelArk refuses 4.5 sizes under 3,686,400 pixels; whether Replicate's 4.5 checks before
 * running is UNCERTAIN, so the fake lets the prediction fail with ModelArk's text.
 */
function tooFewPixels(model: string, input: Record<string, unknown>): string | undefined {
  if (model !== 'seedream-4-5-251128' || input.size !== 'custom') return undefined;
  const pixels = Number(input.width ?? 2048) * Number(input.height ?? 2048);
  return pixels < 3_686_400
    ? 'The parameter `size` specified in the request is not valid: image size must be at least 3686400 pixels'
    : undefined;
}

/** `GET /v1/predictions/{id}`. */
export async function handleGet(c: Ctx, p: FakePrediction, state: FakeReplicateState) {
  if (p.pollErrorsLeft > 0) {
    p.pollErrorsLeft--;
    const status = p.entry.pollErrorCode ?? 503;
    return problem(status, 'Service Unavailable', 'The service is temporarily unavailable.');
  }
  return jsonReply(await predictionObject(p, new URL(c.req.url).origin, state));
}

/** `POST /v1/predictions/{id}/cancel`: a running prediction becomes `canceled`. */
export async function handleCancel(c: Ctx, p: FakePrediction, state: FakeReplicateState) {
  const { status } = predictionStatus(p, state.base.now());
  if (status === 'starting' || status === 'processing') p.canceledAt = state.base.now();
  return jsonReply(await predictionObject(p, new URL(c.req.url).origin, state));
}
