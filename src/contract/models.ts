/** The Seedream models goodtake serves, by the ids clients send. */
export const MODEL_IDS = ['seedream-4-5-251128', 'seedream-4-0-250828'] as const;
export type ModelId = (typeof MODEL_IDS)[number];

export const DEFAULT_MODEL: ModelId = 'seedream-4-5-251128';

export const OPTIMIZE_MODES = ['standard', 'creative', 'precise'] as const;
export type OptimizeMode = (typeof OPTIMIZE_MODES)[number];

export function isModelId(value: string): value is ModelId {
  return (MODEL_IDS as readonly string[]).includes(value);
}
