import type { ModelId } from '../../contract/models.ts';
import type { AspectRatio, SizeTier } from '../../contract/sizes.ts';
import type { SizeLimits } from '../kit/size-fit.ts';

export const REPLICATE_DEFAULT_BASE_URL = 'https://api.replicate.com/v1';

/** The official models of research §4.1 (`owner/name`). */
export const REPLICATE_MODELS: Readonly<Record<ModelId, string>> = {
  'seedream-4-5-251128': 'bytedance/seedream-4.5',
  'seedream-4-0-250828': 'bytedance/seedream-4',
};

export const REPLICATE_ASPECT_RATIOS = [
  'match_input_image',
  '1:1',
  '4:3',
  '3:4',
  '16:9',
  '9:16',
  '3:2',
  '2:3',
  '21:9',
] as const satisfies readonly ('match_input_image' | AspectRatio)[];
export type ReplicateAspectRatio = (typeof REPLICATE_ASPECT_RATIOS)[number];

/** What one model's input schema takes (§4.2; 4.0 and 4.5 differ). */
export interface ReplicateProfile {
  /** `size` tokens besides `custom`: 4.5 has no `1K`. */
  readonly tiers: readonly SizeTier[];
  /**
   * `width`/`height` with `size: custom`: 1024–4096 each in both schemas; 4.5 also needs the
   * 3,686,400 pixels ModelArk's 4.5 needs (UNCERTAIN whether Replicate checks it itself, so
   * goodtake never asks for less).
   */
  readonly limits: SizeLimits;
  /** `image_input`: 1–10 on 4.0, 1–14 on 4.5. */
  readonly maxSources: number;
  /** "Maximum 4000 characters" on 4.5. */
  readonly maxPromptChars?: number;
  /** 4.0 has `enhance_prompt` (default true). */
  readonly enhancePrompt: boolean;
  /** 4.5 (latest version) has `disable_safety_checker` (default false). */
  readonly safetySwitch: boolean;
}

export const REPLICATE_PROFILES: Readonly<Record<ModelId, ReplicateProfile>> = {
  'seedream-4-0-250828': {
    tiers: ['1K', '2K', '4K'],
    limits: { minSide: 1024, maxSide: 4096, minPixels: 921_600, maxPixels: 16_777_216, align: 16 },
    maxSources: 10,
    enhancePrompt: true,
    safetySwitch: false,
  },
  'seedream-4-5-251128': {
    tiers: ['2K', '4K'],
    limits: {
      minSide: 1024,
      maxSide: 4096,
      minPixels: 3_686_400,
      maxPixels: 16_777_216,
      align: 16,
    },
    maxSources: 14,
    maxPromptChars: 4000,
    enhancePrompt: false,
    safetySwitch: true,
  },
};
