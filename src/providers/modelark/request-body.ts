import type { OptimizeMode } from '../../contract/models.ts';
import type { GenerationJob, SourceImage } from '../provider.ts';
import { type ArkFlavor, upstreamModelId } from './models.ts';
import { MAX_ASPECT, upstreamSize } from './upstream-size.ts';

/** The JSON body of `POST /images/generations` as goodtake sends it: one image per call. */
export interface ArkImageRequest {
  readonly model: string;
  readonly prompt: string;
  readonly size: string;
  readonly sequential_image_generation: 'disabled';
  readonly response_format: 'url' | 'b64_json';
  readonly watermark: boolean;
  readonly optimize_prompt_options: { readonly mode: 'standard' };
  readonly image?: string | string[];
  readonly stream?: true;
}

export interface RequestBodySettings {
  readonly flavor: ArkFlavor;
  /** Upstream model ids that replace the defaults (for example `ep-…` endpoint ids). */
  readonly modelIds: Readonly<Partial<Record<GenerationJob['model'], string>>>;
  readonly responseFormat: 'url' | 'b64_json';
  readonly watermark: boolean;
  readonly stream: boolean;
  readonly sendSourceUrls: boolean;
}

/**
 * What goodtake appends to the prompt for the modes the upstream has no switch for.
 * Neither model gets the upstream's `fast` optimisation mode: it trades prompt-rewriting quality
 * for speed, which is neither "creative" nor "precise", and 4.5 does not have it, so both models
 * behave alike. The directives avoid words that suggest an aspect ratio, because the model picks
 * the aspect of auto sizes from the prompt.
 */
export const PROMPT_DIRECTIVES: Readonly<Record<Exclude<OptimizeMode, 'standard'>, string>> = {
  creative:
    'Interpret this freely and imaginatively: bold composition, expressive colour and lighting, inventive details beyond the literal description.',
  precise:
    'Follow this description literally and precisely: include every element exactly as specified (counts, colours, positions, any text) and add nothing that was not asked for.',
};

/** The prompt sent upstream for a job's optimise mode. */
export function upstreamPrompt(prompt: string, mode: OptimizeMode): string {
  return mode === 'standard' ? prompt : `${prompt}\n\n${PROMPT_DIRECTIVES[mode]}`;
}

/** Builds the request body for one job. */
export function buildRequestBody(
  job: GenerationJob,
  settings: RequestBodySettings,
): ArkImageRequest {
  const image = imageField(job.sources, settings.sendSourceUrls);
  return {
    model: settings.modelIds[job.model] ?? upstreamModelId(job.model, settings.flavor),
    prompt: upstreamPrompt(job.prompt, job.mode),
    size: upstreamSize(job.model, job.size),
    sequential_image_generation: 'disabled',
    response_format: settings.responseFormat,
    watermark: settings.watermark,
    optimize_prompt_options: { mode: 'standard' },
    ...(image === undefined ? {} : { image }),
    ...(settings.stream ? { stream: true as const } : {}),
  };
}

/**
 * The `image` field: one string for one source, an array for several. By default each source is
 * sent as a data URI of the bytes goodtake already fetched and checked, so the upstream generates
 * from exactly what was validated, and a slow, private or short-lived source URL cannot fail the
 * upstream's own fetch. `sendSourceUrls` sends a source's public URL instead when it has one,
 * which keeps request bodies small.
 */
export function imageField(
  sources: readonly SourceImage[],
  sendSourceUrls: boolean,
): string | string[] | undefined {
  if (sources.length === 0) return undefined;
  const refs = sources.map((s) =>
    sendSourceUrls && s.url
      ? s.url
      : `data:image/${s.format.toLowerCase()};base64,${Buffer.from(s.bytes).toString('base64')}`,
  );
  return refs.length === 1 ? refs[0] : refs;
}

/** The upstream's limits on reference images (the stricter values where the docs disagree). */
export const SOURCE_LIMITS = {
  maxCount: 14,
  minSide: 15,
  maxPixels: 36_000_000,
  maxBytes: 10 * 1024 * 1024,
} as const;

/** A client-safe reason why the upstream would refuse the sources, or undefined when they fit. */
export function checkSources(sources: readonly SourceImage[]): string | undefined {
  if (sources.length > SOURCE_LIMITS.maxCount) {
    return `the model accepts at most ${SOURCE_LIMITS.maxCount} source images`;
  }
  for (const [i, s] of sources.entries()) {
    const name = `image_urls[${i}]`;
    if (s.width < SOURCE_LIMITS.minSide || s.height < SOURCE_LIMITS.minSide) {
      return `${name} is too small for the model: each side must be at least ${SOURCE_LIMITS.minSide} pixels`;
    }
    const ratio = s.width / s.height;
    if (ratio > MAX_ASPECT || ratio < 1 / MAX_ASPECT) {
      return `${name} is too narrow for the model: the aspect ratio must be between 1:${MAX_ASPECT} and ${MAX_ASPECT}:1`;
    }
    if (s.width * s.height > SOURCE_LIMITS.maxPixels) {
      return `${name} is too large for the model: at most ${SOURCE_LIMITS.maxPixels} pixels`;
    }
    if (s.bytes.byteLength > SOURCE_LIMITS.maxBytes) {
      return `${name} is too large for the model: at most ${SOURCE_LIMITS.maxBytes / 1024 / 1024} MB`;
    }
  }
  return undefined;
}
