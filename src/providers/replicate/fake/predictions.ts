import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import type { ModelId } from '../../../contract/models.ts';
import {
  type AspectRatio,
  aspectForPrompt,
  type Dimensions,
  type SizeTier,
  TIER_PRESETS,
} from '../../../contract/sizes.ts';
import type { FakeReplicateState } from './state.ts';
import type { ReplicateScriptEntry } from './types.ts';

export type PredictionStatus =
  | 'starting'
  | 'processing'
  | 'succeeded'
  | 'failed'
  | 'canceled'
  | 'aborted';

/** One prediction of the fake. */
export interface FakePrediction {
  readonly id: string;
  readonly model: ModelId;
  readonly modelName: string;
  readonly input: Record<string, unknown>;
  readonly entry: ReplicateScriptEntry;
  readonly createdAt: number;
  readonly queueMs: number;
  readonly latencyMs: number;
  /** Cancel-After, in ms from creation. */
  readonly deadlineMs?: number;
  /** The failure text, when it fails. */
  readonly failure?: string;
  canceledAt?: number;
  pollErrorsLeft: number;
  /** The output file's path, once made. */
  outputPath?: Promise<string>;
}

export function newPredictionId(): string {
  return randomBytes(13)
    .toString('base64url')
    .toLowerCase()
    .replace(/[^a-z0-9]/g, 'x')
    .slice(0, 26);
}

/** The status at `now`, with when it got there. */
export function predictionStatus(
  p: FakePrediction,
  now: number,
): { status: PredictionStatus; at?: number } {
  const startAt = p.createdAt + p.queueMs;
  const endAt = startAt + p.latencyMs;
  const deadlineAt =
    p.deadlineMs === undefined ? Number.POSITIVE_INFINITY : p.createdAt + p.deadlineMs;
  const stopAt = Math.min(p.canceledAt ?? Number.POSITIVE_INFINITY, deadlineAt);
  if (stopAt < endAt && stopAt <= now) {
    // Cancel-After passing before the start aborts; any other stop cancels (§4.1).
    const aborted = p.canceledAt === undefined && stopAt < startAt;
    return { status: aborted ? 'aborted' : 'canceled', at: stopAt };
  }
  if (now < startAt) return { status: 'starting' };
  if (now < endAt) return { status: 'processing' };
  return { status: p.failure ? 'failed' : 'succeeded', at: endAt };
}

/** Milliseconds until the prediction is terminal (0 when it is). */
export function msUntilTerminal(p: FakePrediction, now: number): number {
  const deadline =
    p.deadlineMs === undefined ? Number.POSITIVE_INFINITY : p.createdAt + p.deadlineMs;
  return Math.max(0, Math.min(p.createdAt + p.queueMs + p.latencyMs, deadline) - now);
}

/** The prediction object (§4.1) as `GET /v1/predictions/{id}` returns it. */
export async function predictionObject(
  p: FakePrediction,
  origin: string,
  state: FakeReplicateState,
): Promise<Record<string, unknown>> {
  const now = state.base.now();
  const { status, at } = predictionStatus(p, now);
  const removed =
    status === 'succeeded' &&
    (p.entry.dataRemoved === true ||
      (at !== undefined && now >= at + state.config.outputTtlSeconds * 1000));
  let output: unknown = null;
  if (status === 'succeeded' && !removed) {
    p.outputPath ??= makeOutput(p, state);
    const url = `${origin}${await p.outputPath}`;
    output = p.entry.outputAsString ? url : [url];
  }
  const get = `${origin}/v1/predictions/${p.id}`;
  return {
    id: p.id,
    model: p.modelName,
    version: 'hidden',
    input: p.input,
    logs: '',
    output,
    data_removed: removed,
    error: status === 'failed' ? p.failure : null,
    status,
    created_at: new Date(p.createdAt).toISOString(),
    started_at:
      status === 'starting' || status === 'aborted'
        ? null
        : new Date(p.createdAt + p.queueMs).toISOString(),
    completed_at: at === undefined ? null : new Date(at).toISOString(),
    ...(p.entry.omitUrls
      ? {}
      : {
          urls: {
            get,
            cancel: `${get}/cancel`,
            stream: `${origin}/stream/${p.id}`,
            web: `${origin}/p/${p.id}`,
          },
        }),
    metrics:
      at === undefined ? {} : { predict_time: Math.max(0, at - p.createdAt - p.queueMs) / 1000 },
  };
}

async function makeOutput(p: FakePrediction, state: FakeReplicateState): Promise<string> {
  const { width, height } = await outputSize(p.input);
  const bytes = await state.base.render(width, height, String(p.input.prompt));
  return state.base.cdn.put(bytes, { gone: p.entry.expiredOutput === true, name: 'out-0.jpg' });
}

/**
 * What the model makes: `custom` exactly; a token the tier's preset for the aspect ratio (the
 * first input's for `match_input_image`, the prompt's when there is none), each side within 4096.
 */
export async function outputSize(input: Record<string, unknown>): Promise<Dimensions> {
  if (input.size === 'custom') {
    return { width: Number(input.width ?? 2048), height: Number(input.height ?? 2048) };
  }
  const tier = (typeof input.size === 'string' ? input.size : '2K') as SizeTier;
  let aspect = (input.aspect_ratio ?? 'match_input_image') as AspectRatio | 'match_input_image';
  if (aspect === 'match_input_image')
    aspect = (await inputAspect(input)) ?? aspectForPrompt(String(input.prompt));
  const preset = TIER_PRESETS[tier][aspect];
  const scale = Math.min(1, 4096 / Math.max(preset.width, preset.height));
  return { width: Math.floor(preset.width * scale), height: Math.floor(preset.height * scale) };
}

async function inputAspect(input: Record<string, unknown>): Promise<AspectRatio | undefined> {
  const first = Array.isArray(input.image_input) ? input.image_input[0] : undefined;
  const m = typeof first === 'string' ? /^data:[^;]+;base64,(.+)$/s.exec(first) : null;
  if (!m) return undefined;
  try {
    const meta = await sharp(Buffer.from(m[1]!, 'base64')).metadata();
    if (!meta.width || !meta.height) return undefined;
    const ratio = Math.log(meta.width / meta.height);
    let best: AspectRatio = '1:1';
    for (const key of Object.keys(TIER_PRESETS['2K']) as AspectRatio[]) {
      const d = TIER_PRESETS['2K'][key];
      const bestD = TIER_PRESETS['2K'][best];
      if (
        Math.abs(Math.log(d.width / d.height) - ratio) <
        Math.abs(Math.log(bestD.width / bestD.height) - ratio)
      ) {
        best = key;
      }
    }
    return best;
  } catch {
    return undefined;
  }
}

/** Text of a flagged-content failure (E005; the exact wording is UNCERTAIN, §4.1). */
export const FLAGGED =
  'The input or output was flagged as sensitive. Please try again with different inputs. (E005)';
