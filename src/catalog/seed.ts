import { MAX_IMAGE_URLS } from '../contract/generate-image.ts';
import { MODEL_IDS, MODEL_INFO, type ModelId, OPTIMIZE_MODES } from '../contract/models.ts';
import { DEFAULT_SIZE, EXACT_SIZES, SIZE_TIERS, type SizeTier } from '../contract/sizes.ts';
import type { ModelCapabilities } from './types.ts';

/** What the seed says of each of its two models (names, sizes, capabilities). */
export interface SeedModel {
  readonly id: ModelId;
  readonly name: string;
  readonly ownedBy: string;
  readonly released: string;
  readonly tiers: readonly SizeTier[];
  readonly exactSizes: readonly string[];
  readonly defaultSize: string;
  readonly capabilities: ModelCapabilities;
}

/** The seed's models, newest first: the default catalog and the profiles new models follow. */
export const SEED_MODELS: readonly SeedModel[] = MODEL_IDS.map((id) => ({
  id,
  name: MODEL_INFO[id].name,
  ownedBy: MODEL_INFO[id].ownedBy,
  released: MODEL_INFO[id].released,
  tiers: SIZE_TIERS,
  exactSizes: EXACT_SIZES[id],
  defaultSize: DEFAULT_SIZE,
  capabilities: { maxSourceImages: MAX_IMAGE_URLS, promptModes: OPTIMIZE_MODES },
}));

export function seedModel(id: ModelId): SeedModel {
  return SEED_MODELS.find((m) => m.id === id)!;
}
