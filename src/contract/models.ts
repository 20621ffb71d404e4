/** The Seedream models goodtake serves, by the ids clients send. */
export const MODEL_IDS = ['seedream-4-5-251128', 'seedream-4-0-250828'] as const;
export type ModelId = (typeof MODEL_IDS)[number];

export const DEFAULT_MODEL: ModelId = 'seedream-4-5-251128';

export const OPTIMIZE_MODES = ['standard', 'creative', 'precise'] as const;
export type OptimizeMode = (typeof OPTIMIZE_MODES)[number];

export function isModelId(value: string): value is ModelId {
  return (MODEL_IDS as readonly string[]).includes(value);
}

/** What model listings show of each model: its name, maker and release date (in its id). */
export const MODEL_INFO: Readonly<
  Record<ModelId, { readonly name: string; readonly ownedBy: string; readonly released: string }>
> = {
  'seedream-4-5-251128': { name: 'Seedream 4.5', ownedBy: 'bytedance', released: '2025-11-28' },
  'seedream-4-0-250828': { name: 'Seedream 4.0', ownedBy: 'bytedance', released: '2025-08-28' },
};
