import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import {
  aspectForPrompt,
  type Dimensions,
  type SizeTier,
  TIER_PRESETS,
} from '../../../contract/sizes.ts';
import { UPSTREAM_MESSAGES } from './errors.ts';
import { intMarker, type Markers } from './markers.ts';
import type { FakeStorage } from './storage.ts';
import type { ValidRequest } from './validate.ts';

/** What happens to one image of a request. */
export type ImagePlan =
  | { readonly ok: true; readonly size: Dimensions }
  | { readonly ok: false; readonly code: string; readonly stop: boolean };

export interface GenerationContext {
  readonly storage: FakeStorage;
  readonly render: (width: number, height: number, seed: string) => Promise<Buffer>;
  readonly origin: string;
  readonly latencyMs: number;
  readonly now: () => number;
  readonly signal: AbortSignal;
}

/** The size the "model" produces: the exact size, or a preset of the tier chosen from the prompt. */
export function outputSize(request: ValidRequest): Dimensions {
  if (request.size.kind === 'exact')
    return { width: request.size.width, height: request.size.height };
  return TIER_PRESETS[request.size.token as SizeTier][aspectForPrompt(request.prompt)];
}

/**
 * Plans the images: with sequential generation the model picks a count (a `batch_count` marker,
 * else "N images" in the prompt, else 1) under `maxImages`; moderation blocks single images and
 * the batch continues; an internal error stops the batch.
 */
export function planImages(request: ValidRequest, markers: Markers): ImagePlan[] {
  const asked =
    intMarker(markers, 'batch_count') ??
    Number(/\b(\d{1,2}) (?:images|pictures)\b/i.exec(request.prompt)?.[1] ?? 1);
  const count = request.sequential ? Math.max(1, Math.min(asked, request.maxImages)) : 1;
  const blocked = markers.all('output_sensitive');
  const internalAt = intMarker(markers, 'internal_error_at');
  const size = outputSize(request);
  const plans: ImagePlan[] = [];
  for (let i = 0; i < count; i++) {
    if (internalAt === i) {
      plans.push({ ok: false, code: 'InternalServiceError', stop: true });
      break;
    }
    if (blocked.some((v) => v === '' || Number(v) === i)) {
      plans.push({ ok: false, code: 'OutputImageSensitiveContentDetected', stop: false });
      continue;
    }
    plans.push({ ok: true, size });
  }
  return plans;
}

/** The `data[]` item (or stream payload fields) of one planned image, after its latency. */
async function produce(
  plan: ImagePlan,
  index: number,
  id: string,
  request: ValidRequest,
  markers: Markers,
  ctx: GenerationContext,
): Promise<Record<string, unknown>> {
  await delay(ctx.latencyMs, undefined, { signal: ctx.signal }).catch(() => undefined);
  if (!plan.ok) return { error: { code: plan.code, message: UPSTREAM_MESSAGES[plan.code] ?? '' } };
  const { width, height } = plan.size;
  const bytes = await ctx.render(width, height, request.prompt);
  const size = `${width}x${height}`;
  if (request.responseFormat === 'b64_json') return { b64_json: bytes.toString('base64'), size };
  const path = ctx.storage.put(bytes, `${id}_${index}.jpeg`, {
    expired: markers.get('expired_url') !== undefined,
    unsigned: markers.get('unsigned_url') !== undefined,
  });
  return { url: `${ctx.origin}${path}`, size };
}

function usage(plans: readonly ImagePlan[]): Record<string, number> {
  const ok = plans.filter((p) => p.ok);
  const pixels = ok.reduce((sum, p) => sum + p.size.width * p.size.height, 0);
  const tokens = Math.round(pixels / 256);
  return { generated_images: ok.length, output_tokens: tokens, total_tokens: tokens };
}

/** A non-streamed reply body for planned images. */
export async function generateJson(
  request: ValidRequest,
  plans: readonly ImagePlan[],
  markers: Markers,
  ctx: GenerationContext,
): Promise<unknown> {
  const id = randomBytes(10).toString('hex');
  const data: Record<string, unknown>[] = [];
  for (const [i, plan] of plans.entries())
    data.push(await produce(plan, i, id, request, markers, ctx));
  return {
    model: request.modelName,
    created: Math.floor(ctx.now() / 1000),
    data,
    usage: usage(plans),
  };
}

/** A streamed reply: one event per image as it is ready, then `completed` and `[DONE]`. */
export function generateStream(
  request: ValidRequest,
  plans: readonly ImagePlan[],
  markers: Markers,
  ctx: GenerationContext,
): ReadableStream<Uint8Array> {
  const id = randomBytes(10).toString('hex');
  const eventLines = markers.get('sse_no_event_lines') === undefined;
  const chunk = intMarker(markers, 'sse_chunk');
  const streamError = markers.get('stream_error');
  const encoder = new TextEncoder();
  const event = (type: string, payload: unknown): string =>
    `${eventLines ? `event: ${type}\n` : ''}data: ${JSON.stringify(payload)}\n\n`;

  return new ReadableStream<Uint8Array>({
    async start(controller) {
      const send = (text: string): void => {
        const bytes = encoder.encode(text);
        const step = chunk && chunk > 0 ? chunk : bytes.byteLength;
        for (let at = 0; at < bytes.byteLength; at += step)
          controller.enqueue(bytes.subarray(at, at + step));
      };
      const base = () => ({ model: request.modelName, created: Math.floor(ctx.now() / 1000) });
      try {
        if (streamError !== undefined) {
          await delay(ctx.latencyMs, undefined, { signal: ctx.signal }).catch(() => undefined);
          const code = streamError || 'InternalServiceError';
          send(
            event('error', {
              error: { code, message: UPSTREAM_MESSAGES[code] ?? 'The request failed.' },
            }),
          );
        } else {
          for (const [i, plan] of plans.entries()) {
            const item = await produce(plan, i, id, request, markers, ctx);
            const type = plan.ok
              ? 'image_generation.partial_succeeded'
              : 'image_generation.partial_failed';
            send(event(type, { type, ...base(), image_index: i, ...item }));
          }
          const type = 'image_generation.completed';
          send(event(type, { type, ...base(), usage: usage(plans) }));
        }
        send('data: [DONE]\n\n');
        controller.close();
      } catch {
        // The client went away.
      }
    },
  });
}
