import type { ModelId } from './models.ts';

/** Resolution classes: the model picks the aspect ratio (goodtake: from the prompt). */
export const SIZE_TIERS = ['1K', '2K', '4K'] as const;
export type SizeTier = (typeof SIZE_TIERS)[number];

export const DEFAULT_SIZE = '2K';

export type RequestedSize =
  | { readonly kind: 'auto'; readonly tier: SizeTier }
  | { readonly kind: 'exact'; readonly width: number; readonly height: number };

export interface Dimensions {
  readonly width: number;
  readonly height: number;
}

/** The exact sizes of the seed's per-model tables, in the seed's order. */
export const EXACT_SIZES: Readonly<Record<ModelId, readonly string[]>> = {
  'seedream-4-5-251128': [
    '2048x2048',
    '2304x1728',
    '1728x2304',
    '2560x1440',
    '1440x2560',
    '2496x1664',
    '1664x2496',
    '3024x1296',
  ],
  'seedream-4-0-250828': [
    '512x512',
    '768x768',
    '1024x1024',
    '1024x768',
    '768x1024',
    '1920x1080',
    '1080x1920',
  ],
};

/** What a model accepts as `size`: its resolution classes and its exact sizes (catalog). */
export interface ModelSizes {
  readonly id: string;
  readonly tiers: readonly SizeTier[];
  readonly exactSizes: readonly string[];
}

/** Every value `size` accepts for a model: the auto tokens first, then the exact sizes. */
export function validSizes(model: ModelSizes): readonly string[] {
  return [...model.tiers, ...model.exactSizes];
}

export type SizeParse = { ok: true; size: RequestedSize } | { ok: false; message: string };

/** `WxH` as numbers, or undefined when `raw` is not of that form. */
export function parseDimensions(raw: string): Dimensions | undefined {
  const m = /^([1-9]\d{0,4})x([1-9]\d{0,4})$/.exec(raw);
  return m ? { width: Number(m[1]), height: Number(m[2]) } : undefined;
}

/** Parses `size` for a model: tokens are case-insensitive, `WxH` must match the table exactly. */
export function parseSize(model: ModelSizes, raw: string): SizeParse {
  const token = raw.toUpperCase();
  const tier = model.tiers.find((t) => t === token);
  if (tier) return { ok: true, size: { kind: 'auto', tier } };
  const exact = model.exactSizes.includes(raw) ? parseDimensions(raw) : undefined;
  if (exact) return { ok: true, size: { kind: 'exact', ...exact } };
  return {
    ok: false,
    message: `size '${raw}' is not supported by ${model.id}. Valid sizes for ${model.id}: ${validSizes(model).join(', ')}`,
  };
}

export type AspectRatio = '1:1' | '4:3' | '3:4' | '16:9' | '9:16' | '3:2' | '2:3' | '21:9';

/** Presets per resolution class and aspect ratio (the upstream's 2026 preset table). */
export const TIER_PRESETS: Readonly<Record<SizeTier, Readonly<Record<AspectRatio, Dimensions>>>> = {
  '1K': {
    '1:1': { width: 1024, height: 1024 },
    '3:4': { width: 864, height: 1152 },
    '4:3': { width: 1152, height: 864 },
    '16:9': { width: 1312, height: 736 },
    '9:16': { width: 736, height: 1312 },
    '2:3': { width: 832, height: 1248 },
    '3:2': { width: 1248, height: 832 },
    '21:9': { width: 1568, height: 672 },
  },
  '2K': {
    '1:1': { width: 2048, height: 2048 },
    '3:4': { width: 1728, height: 2304 },
    '4:3': { width: 2304, height: 1728 },
    '16:9': { width: 2848, height: 1600 },
    '9:16': { width: 1600, height: 2848 },
    '2:3': { width: 1664, height: 2496 },
    '3:2': { width: 2496, height: 1664 },
    '21:9': { width: 3136, height: 1344 },
  },
  '4K': {
    '1:1': { width: 4096, height: 4096 },
    '3:4': { width: 3520, height: 4704 },
    '4:3': { width: 4704, height: 3520 },
    '16:9': { width: 5504, height: 3040 },
    '9:16': { width: 3040, height: 5504 },
    '2:3': { width: 3328, height: 4992 },
    '3:2': { width: 4992, height: 3328 },
    '21:9': { width: 6240, height: 2656 },
  },
};

const EXPLICIT_RATIO = /\b(1:1|4:3|3:4|16:9|9:16|3:2|2:3|21:9)\b/;

/** Words that suggest an aspect ratio, checked in order (the first match wins). */
const RATIO_WORDS: ReadonlyArray<readonly [AspectRatio, RegExp]> = [
  ['21:9', /\b(ultra-?wide|cinematic|panoram(a|ic)|banner)\b/i],
  ['9:16', /\b(mobile|phone|smartphone|story|stories|vertical|tiktok|reels?)\b/i],
  [
    '16:9',
    /\b(widescreen|wide-?screen|wide shot|wide-angle|horizontal|wallpaper|desktop|youtube|thumbnail)\b/i,
  ],
  ['2:3', /\b(poster|book cover|full-?length|full body)\b/i],
  ['3:4', /\b(portrait|headshot|selfie)\b/i],
  ['3:2', /\b(landscape|photograph|photo|scenery|vista)\b/i],
  ['4:3', /\b(tv|television|retro screen|slide)\b/i],
  ['1:1', /\b(square|icon|logo|avatar|album cover|profile picture)\b/i],
];

/** The aspect ratio an auto size uses for a prompt: an explicit ratio, else telling words, else 1:1. */
export function aspectForPrompt(prompt: string): AspectRatio {
  const explicit = EXPLICIT_RATIO.exec(prompt)?.[1];
  if (explicit) return explicit as AspectRatio;
  for (const [ratio, words] of RATIO_WORDS) {
    if (words.test(prompt)) return ratio;
  }
  return '1:1';
}

/** The pixel size goodtake delivers for a requested size and prompt. */
export function deliveredDimensions(size: RequestedSize, prompt: string): Dimensions {
  if (size.kind === 'exact') return { width: size.width, height: size.height };
  return TIER_PRESETS[size.tier][aspectForPrompt(prompt)];
}
