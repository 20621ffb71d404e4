import type { ModelId } from '../../contract/models.ts';
import type { SizeTier } from '../../contract/sizes.ts';
import type { SizeLimits } from '../kit/size-fit.ts';

/** fal's queue host; submissions go to `{base}/{endpoint_id}`. */
export const FAL_DEFAULT_BASE_URL = 'https://queue.fal.run';

/** A model's two fal endpoints: text-to-image, and edit (with reference images). */
export interface FalEndpoints {
  readonly textToImage: string;
  readonly edit: string;
}

/** The endpoint ids of research §3.1. */
export const FAL_ENDPOINTS: Readonly<Record<ModelId, FalEndpoints>> = {
  'seedream-4-5-251128': {
    textToImage: 'fal-ai/bytedance/seedream/v4.5/text-to-image',
    edit: 'fal-ai/bytedance/seedream/v4.5/edit',
  },
  'seedream-4-0-250828': {
    textToImage: 'fal-ai/bytedance/seedream/v4/text-to-image',
    edit: 'fal-ai/bytedance/seedream/v4/edit',
  },
};

/** fal's edit endpoints take up to 10 `image_urls` ("only the last 10 will be used" past that). */
export const FAL_MAX_SOURCES = 10;

/** The `image_size` values fal's Seedream schemas name (§3.3); `auto` is v4 only. */
export const FAL_SIZE_ENUMS = [
  'square_hd',
  'square',
  'portrait_4_3',
  'portrait_16_9',
  'landscape_4_3',
  'landscape_16_9',
  'auto',
  'auto_2K',
  'auto_4K',
] as const;
export type FalSizeEnum = (typeof FAL_SIZE_ENUMS)[number];

/** What each model's endpoints accept as `image_size`, and what an auto tier is sent as. */
export interface FalSizeProfile {
  /** `{width, height}` objects this model's endpoints accept. */
  readonly limits: SizeLimits;
  readonly enums: readonly FalSizeEnum[];
  readonly tiers: Readonly<Record<SizeTier, FalSizeEnum>>;
}

/**
 * v4 (CONFLICT, §3.3): one description says "width and height must be between 1024 and 4096",
 * another "total pixels between 960x960 and 4096x4096". goodtake asks only for sizes that
 * satisfy both (each side in [1024, 4096], so the pixel range holds too); the fake can enforce
 * either. `1K` is sent as `auto` (the model's own choice; its size is UNCERTAIN, and the
 * pipeline brings anything over 1.5 MP down to the 1K preset of the aspect the model chose).
 *
 * v4.5 (§3.3): "between 1920 and 4096, or total pixels between 2560*1440 and 4096*4096". The
 * pixel range is the branch every seed size meets, with each side capped at 4096 (fal's own cap,
 * CONFLICT with ModelArk's larger 4K presets). There is no `auto`: `1K` becomes `auto_2K` and
 * the pipeline shrinks the result, as on ModelArk.
 */
export const FAL_SIZE_PROFILES: Readonly<Record<ModelId, FalSizeProfile>> = {
  'seedream-4-0-250828': {
    limits: {
      minSide: 1024,
      maxSide: 4096,
      minPixels: 921_600,
      maxPixels: 16_777_216,
      align: 16,
    },
    enums: FAL_SIZE_ENUMS,
    tiers: { '1K': 'auto', '2K': 'auto_2K', '4K': 'auto_4K' },
  },
  'seedream-4-5-251128': {
    limits: {
      minSide: 16,
      maxSide: 4096,
      minPixels: 3_686_400,
      maxPixels: 16_777_216,
      align: 16,
    },
    enums: FAL_SIZE_ENUMS.filter((e) => e !== 'auto'),
    tiers: { '1K': 'auto_2K', '2K': 'auto_2K', '4K': 'auto_4K' },
  },
};
