import { upstreamPrompt } from '../kit/prompt.ts';
import { sourceReference } from '../kit/sources.ts';
import type { GenerationJob, SourceImage } from '../provider.ts';
import { type ArkFlavor, upstreamModelId } from './models.ts';
import { upstreamSize } from './upstream-size.ts';

export { PROMPT_DIRECTIVES, upstreamPrompt } from '../kit/prompt.ts';

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

/** Builds the request body for one job. */
export function buildRequestBody(
  job: GenerationJob,
  settings: RequestBodySettings,
): ArkImageRequest {
  const image = imageField(job.sources, settings.sendSourceUrls);
  return {
    model:
      job.upstreamModel ??
      settings.modelIds[job.model] ??
      upstreamModelId(job.model, settings.flavor),
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
  const refs = sources.map((s) => sourceReference(s, sendSourceUrls));
  return refs.length === 1 ? refs[0] : refs;
}
