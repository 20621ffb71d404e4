import type { Dimensions, RequestedSize } from '../../contract/sizes.ts';
import { upstreamPrompt } from '../kit/prompt.ts';
import { fitSize } from '../kit/size-fit.ts';
import { sourceReference } from '../kit/sources.ts';
import type { GenerationJob } from '../provider.ts';
import { FAL_SIZE_PROFILES, type FalSizeEnum } from './models.ts';

/** The input of fal's Seedream text-to-image and edit endpoints as goodtake sends it. */
export interface FalInput {
  readonly prompt: string;
  readonly image_size: FalSizeEnum | Dimensions;
  /** One job is one image: n images are n jobs, never `num_images: n` (§3.3: separate generations). */
  readonly num_images: 1;
  /** Batch mode off: at most one image per generation. */
  readonly max_images: 1;
  readonly enable_safety_checker: boolean;
  /** Edit endpoints only. */
  readonly image_urls?: readonly string[];
}

export interface FalInputSettings {
  readonly safetyChecker: boolean;
  readonly sendSourceUrls: boolean;
}

/** The `image_size` for a requested size on a model's endpoints. */
export function falImageSize(
  model: GenerationJob['model'],
  size: RequestedSize,
): FalInput['image_size'] {
  const profile = FAL_SIZE_PROFILES[model];
  if (size.kind === 'auto') return profile.tiers[size.tier];
  return fitSize(size.width, size.height, profile.limits);
}

/** Builds the input of one job. */
export function buildFalInput(job: GenerationJob, settings: FalInputSettings): FalInput {
  const sources = job.sources.map((s) => sourceReference(s, settings.sendSourceUrls));
  return {
    prompt: upstreamPrompt(job.prompt, job.mode),
    image_size: falImageSize(job.model, job.size),
    num_images: 1,
    max_images: 1,
    enable_safety_checker: settings.safetyChecker,
    ...(sources.length > 0 ? { image_urls: sources } : {}),
  };
}
