import { aspectForPrompt, type RequestedSize, type SizeTier } from '../../contract/sizes.ts';
import { upstreamPrompt } from '../kit/prompt.ts';
import { fitSize } from '../kit/size-fit.ts';
import { sourceReference } from '../kit/sources.ts';
import type { GenerationJob } from '../provider.ts';
import { REPLICATE_PROFILES, type ReplicateAspectRatio } from './models.ts';

/** The `input` of a Seedream prediction as goodtake sends it (§4.2). */
export interface ReplicateInput {
  readonly prompt: string;
  readonly size: SizeTier | 'custom';
  /** Only with a token size (ignored with `custom`). */
  readonly aspect_ratio?: ReplicateAspectRatio;
  /** Only with `size: custom`. */
  readonly width?: number;
  readonly height?: number;
  readonly sequential_image_generation: 'disabled';
  /** One job is one image: n images are n predictions. */
  readonly max_images: 1;
  readonly image_input?: readonly string[];
  readonly enhance_prompt?: boolean;
  readonly disable_safety_checker?: boolean;
}

export interface ReplicateInputSettings {
  readonly safetyChecker: boolean;
  readonly sendSourceUrls: boolean;
}

/** The size fields for a requested size. */
export function replicateSize(
  job: Pick<GenerationJob, 'model' | 'prompt' | 'sources'>,
  size: RequestedSize,
): Pick<ReplicateInput, 'size' | 'aspect_ratio' | 'width' | 'height'> {
  const profile = REPLICATE_PROFILES[job.model];
  if (size.kind === 'exact') {
    const { width, height } = fitSize(size.width, size.height, profile.limits);
    return { size: 'custom', width, height };
  }
  // 4.5 has no 1K: it generates 2K and the pipeline delivers about one megapixel.
  const tier = profile.tiers.includes(size.tier) ? size.tier : '2K';
  // The aspect of an auto size comes from the prompt, as everywhere in goodtake; a blend whose
  // prompt names no other aspect keeps its input's (Replicate's default, match_input_image).
  const aspect = aspectForPrompt(job.prompt);
  const aspect_ratio = job.sources.length > 0 && aspect === '1:1' ? 'match_input_image' : aspect;
  return { size: tier, aspect_ratio };
}

/** Builds the input of one job; `directiveDropped` when the mode's directive did not fit. */
export function buildReplicateInput(
  job: GenerationJob,
  settings: ReplicateInputSettings,
): { input: ReplicateInput; directiveDropped: boolean } {
  const profile = REPLICATE_PROFILES[job.model];
  const full = upstreamPrompt(job.prompt, job.mode);
  // The directive is goodtake's own text: when it would push the prompt past the model's limit
  // the client's prompt is sent alone rather than refused.
  const directiveDropped =
    profile.maxPromptChars !== undefined && full.length > profile.maxPromptChars;
  const sources = job.sources.map((s) => sourceReference(s, settings.sendSourceUrls));
  return {
    directiveDropped,
    input: {
      prompt: directiveDropped ? job.prompt : full,
      ...replicateSize(job, job.size),
      sequential_image_generation: 'disabled',
      max_images: 1,
      ...(sources.length > 0 ? { image_input: sources } : {}),
      ...(profile.enhancePrompt ? { enhance_prompt: true } : {}),
      ...(profile.safetySwitch && !settings.safetyChecker ? { disable_safety_checker: true } : {}),
    },
  };
}
