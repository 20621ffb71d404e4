/** Seedream 4.5, released 2025-11-28: the default and recommended model. */
export const SEEDREAM_4_5 = 'seedream-4-5-251128';
/** Seedream 4.0, released 2025-08-28: the legacy model, cheaper per image. */
export const SEEDREAM_4_0 = 'seedream-4-0-250828';

/** The model ids the API accepts, newest first. */
export const MODELS = [SEEDREAM_4_5, SEEDREAM_4_0] as const;

/** A Seedream model id. */
export type ImageModel = (typeof MODELS)[number];

/** The model used when a request names none. */
export const DEFAULT_MODEL: ImageModel = SEEDREAM_4_5;

/** Resolution classes: the model picks the aspect ratio from the prompt. Accepted by both models. */
export type AutoSize = '1K' | '2K' | '4K';

/** Sizes Seedream 4.5 accepts. */
export type Seedream45Size =
  | AutoSize
  | '2048x2048'
  | '2304x1728'
  | '1728x2304'
  | '2560x1440'
  | '1440x2560'
  | '2496x1664'
  | '1664x2496'
  | '3024x1296';

/** Sizes Seedream 4.0 accepts. */
export type Seedream40Size =
  | AutoSize
  | '512x512'
  | '768x768'
  | '1024x1024'
  | '1024x768'
  | '768x1024'
  | '1920x1080'
  | '1080x1920';

/** The sizes a model accepts, by model id. */
export interface ImageSizes {
  'seedream-4-5-251128': Seedream45Size;
  'seedream-4-0-250828': Seedream40Size;
}

/** A size the given model accepts (any model's sizes when `M` is the whole union). */
export type ImageSize<M extends ImageModel = ImageModel> = ImageSizes[M];

/**
 * Every size each model accepts, auto sizes first, then the exact sizes in the API's order.
 *
 * @example
 * ```ts
 * SIZES['seedream-4-0-250828'].includes('1024x1024'); // true
 * ```
 */
export const SIZES: { readonly [M in ImageModel]: readonly ImageSize<M>[] } = {
  'seedream-4-5-251128': [
    '1K',
    '2K',
    '4K',
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
    '1K',
    '2K',
    '4K',
    '512x512',
    '768x768',
    '1024x1024',
    '1024x768',
    '768x1024',
    '1920x1080',
    '1080x1920',
  ],
};

/** Whether `value` is one of the model ids. */
export function isImageModel(value: string): value is ImageModel {
  return (MODELS as readonly string[]).includes(value);
}

/**
 * Whether `size` is a size `model` accepts, exactly as spelled (the API also accepts the auto
 * sizes in lower case; this check does not).
 *
 * @example
 * ```ts
 * if (isImageSize('seedream-4-0-250828', input)) {
 *   await client.images.generate({ prompt, model: 'seedream-4-0-250828', size: input });
 * }
 * ```
 */
export function isImageSize<M extends ImageModel>(model: M, size: string): size is ImageSize<M> {
  return (SIZES[model] as readonly string[]).includes(size);
}

/** How the prompt is rewritten before generation. */
export type OptimizePromptMode = 'standard' | 'creative' | 'precise';
