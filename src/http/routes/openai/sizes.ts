import type { RequestedSize, SizeTier } from '../../../contract/sizes.ts';
import type { DirectoryModel, ModelDirectory } from './model-directory.ts';
import type { Quality } from './schemas.ts';

/**
 * OpenAI's GPT-image sizes. Every goodtake model delivers them exactly: the provider generates
 * the smallest size of the same aspect ratio the upstream accepts and the pipeline resizes the
 * result to the size asked (src/images/normalize.ts), as for the native exact sizes.
 */
export const OPENAI_SIZES = ['1024x1024', '1536x1024', '1024x1536'] as const;

/** With `size: "auto"`, `quality` picks the resolution class (the model picks the shape). */
export const QUALITY_TIERS: Readonly<Record<Exclude<Quality, 'auto'>, SizeTier>> = {
  low: '1K',
  medium: '2K',
  standard: '2K',
  high: '4K',
  hd: '4K',
};

/** Every `size` an OpenAI-compatible request may send for a model, `auto` first. */
export function openAiSizes(model: DirectoryModel): string[] {
  const own = model.sizes.filter((s) => !(OPENAI_SIZES as readonly string[]).includes(s));
  return ['auto', ...OPENAI_SIZES, ...own];
}

export type OpenAiSize =
  | { readonly ok: true; readonly label: string; readonly size: RequestedSize }
  | { readonly ok: false; readonly param: 'size' | 'quality'; readonly message: string };

/** Resolves `size` and `quality` together into the size the use case generates. */
export function resolveOpenAiSize(
  directory: ModelDirectory,
  model: DirectoryModel,
  raw: string,
  quality: Quality,
): OpenAiSize {
  if (raw === 'auto') {
    const label = quality === 'auto' ? model.defaultSize : QUALITY_TIERS[quality];
    const parsed = directory.parseSize(model.id, label);
    if (!parsed.ok) return { ok: false, param: 'size', message: parsed.message };
    return { ok: true, label, size: parsed.size };
  }
  if (quality !== 'auto' && quality !== 'standard') {
    return {
      ok: false,
      param: 'quality',
      message: `quality '${quality}' chooses the resolution (low = 1K, medium = 2K, high and hd = 4K) and applies only with size 'auto'; size '${raw}' fixes the resolution. Send quality 'auto' or size 'auto'`,
    };
  }
  const openAi = (OPENAI_SIZES as readonly string[]).includes(raw);
  if (openAi) {
    const [width, height] = raw.split('x').map(Number) as [number, number];
    return { ok: true, label: raw, size: { kind: 'exact', width, height } };
  }
  const parsed = directory.parseSize(model.id, raw);
  if (!parsed.ok) {
    const shown = raw.length > 32 ? `${raw.slice(0, 32)}...` : raw;
    return {
      ok: false,
      param: 'size',
      message: `size '${shown}' is not supported by ${model.id}. Valid sizes: ${openAiSizes(model).join(', ')}`,
    };
  }
  return { ok: true, label: raw, size: parsed.size };
}
