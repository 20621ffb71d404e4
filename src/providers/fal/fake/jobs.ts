import { randomUUID } from 'node:crypto';
import { aspectForPrompt, type Dimensions, TIER_PRESETS } from '../../../contract/sizes.ts';
import type { FalSizeEnum } from '../models.ts';
import type { FalPathShape, FalScriptEntry, FalScriptedError } from './types.ts';
import type { FalEndpoint, ValidFalInput } from './validate.ts';

/** One queued request of the fake. */
export interface FalJob {
  readonly id: string;
  readonly endpoint: FalEndpoint;
  readonly input: ValidFalInput;
  readonly entry: FalScriptEntry;
  readonly pathShape: FalPathShape;
  readonly submittedAt: number;
  readonly queueMs: number;
  readonly latencyMs: number;
  readonly queuePosition: number;
  /** Why it fails, if it does (scripted, a marker, the failure rate or an unloadable input). */
  readonly failure?: FalScriptedError;
  cancelledAt?: number;
  statusErrorsLeft: number;
  /** The result body, made once when first fetched. */
  result?: Promise<unknown>;
}

export type FalJobState =
  | { readonly state: 'IN_QUEUE'; readonly position: number }
  | { readonly state: 'IN_PROGRESS' }
  | { readonly state: 'COMPLETED' };

export function newJobId(): string {
  return randomUUID();
}

/** Where the job is at `now`: queued (its position falling to 0), generating, or done. */
export function jobState(job: FalJob, now: number): FalJobState {
  if (job.cancelledAt !== undefined) return { state: 'COMPLETED' };
  const elapsed = now - job.submittedAt;
  if (elapsed < job.queueMs) {
    const left = 1 - elapsed / job.queueMs;
    return { state: 'IN_QUEUE', position: Math.floor(job.queuePosition * left) };
  }
  if (elapsed < job.queueMs + job.latencyMs) return { state: 'IN_PROGRESS' };
  return { state: 'COMPLETED' };
}

/** `owner/app`: the first two segments of the endpoint id. */
export function appPath(endpointId: string): string {
  return endpointId.split('/').slice(0, 2).join('/');
}

/** The request's URLs, in the job's path shape. */
export function jobUrls(job: FalJob, origin: string) {
  const prefix = job.pathShape === 'full' ? job.endpoint.id : appPath(job.endpoint.id);
  const base = `${origin}/${prefix}/requests/${job.id}`;
  return { response_url: base, status_url: `${base}/status`, cancel_url: `${base}/cancel` };
}

// fal's generic `image_size` enums; what the Seedream endpoints make of them is UNCERTAIN (§3.3).
const ENUM_SIZES: Readonly<Record<string, Dimensions>> = {
  square_hd: { width: 1024, height: 1024 },
  square: { width: 512, height: 512 },
  portrait_4_3: { width: 768, height: 1024 },
  portrait_16_9: { width: 576, height: 1024 },
  landscape_4_3: { width: 1024, height: 768 },
  landscape_16_9: { width: 1024, height: 576 },
};

/**
 * The size the "model" makes: an object exactly; `auto_2K`/`auto_4K` the tier's preset for the
 * prompt's aspect, within fal's 4096-pixel side; `auto` (v4) the 1K preset (UNCERTAIN).
 */
export function outputSize(size: FalSizeEnum | Dimensions, prompt: string): Dimensions {
  if (typeof size === 'object') return size;
  const fixed = ENUM_SIZES[size];
  if (fixed) return fixed;
  const tier = size === 'auto_4K' ? '4K' : size === 'auto_2K' ? '2K' : '1K';
  const preset = TIER_PRESETS[tier][aspectForPrompt(prompt)];
  const scale = Math.min(1, 4096 / Math.max(preset.width, preset.height));
  return { width: Math.floor(preset.width * scale), height: Math.floor(preset.height * scale) };
}
