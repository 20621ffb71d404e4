import sharp from 'sharp';
import type { ModelId } from '../../../contract/models.ts';
import type { Dimensions } from '../../../contract/sizes.ts';
import { FAL_ENDPOINTS, FAL_SIZE_ENUMS, type FalSizeEnum } from '../models.ts';
import type { FalScriptedError, FalV4SizeRule } from './types.ts';

/** A Seedream endpoint the fake serves. */
export interface FalEndpoint {
  readonly id: string;
  readonly model: ModelId;
  readonly edit: boolean;
  readonly version: 'v4' | 'v4.5';
}

/** The endpoints of research §3.1. */
export const FAKE_ENDPOINTS: readonly FalEndpoint[] = Object.entries(FAL_ENDPOINTS).flatMap(
  ([model, e]) => {
    const version = model === 'seedream-4-5-251128' ? 'v4.5' : 'v4';
    return [
      { id: e.textToImage, model: model as ModelId, edit: false, version },
      { id: e.edit, model: model as ModelId, edit: true, version },
    ] as const;
  },
);

/** An input that passed validation. */
export interface ValidFalInput {
  readonly prompt: string;
  readonly imageSize: FalSizeEnum | Dimensions;
  readonly numImages: number;
  readonly maxImages: number;
  readonly safetyChecker: boolean;
  /** What the model actually reads: the last 10 `image_urls`. */
  readonly imageUrls: readonly string[];
  /** A problem found when the worker loads the inputs: the request completes with it. */
  readonly loadError?: FalScriptedError;
}

export interface DetailItem {
  readonly loc: readonly (string | number)[];
  readonly msg: string;
  readonly type: string;
  readonly input?: unknown;
  readonly ctx?: Record<string, unknown>;
}

export type FalValidation =
  | { readonly ok: true; readonly input: ValidFalInput }
  | { readonly ok: false; readonly detail: readonly DetailItem[] };

const COMMON_FIELDS = [
  'prompt',
  'image_size',
  'num_images',
  'max_images',
  'seed',
  'sync_mode',
  'enable_safety_checker',
];
const MAX_SIDE = 14_142;
const USED_SOURCES = 10;

/** Validates an input like fal's pydantic models (422 `detail[]`, extra fields forbidden). */
export async function validateFalInput(
  body: unknown,
  endpoint: FalEndpoint,
  v4SizeRule: FalV4SizeRule,
): Promise<FalValidation> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return bad(['body'], 'Input should be a valid dictionary', 'dict_type', body);
  }
  const b = body as Record<string, unknown>;
  const known = new Set(endpoint.edit ? [...COMMON_FIELDS, 'image_urls'] : COMMON_FIELDS);
  const problems: DetailItem[] = [];
  for (const key of Object.keys(b)) {
    if (!known.has(key)) {
      problems.push(
        item(['body', key], 'Extra inputs are not permitted', 'extra_forbidden', b[key]),
      );
    }
  }
  if (b.prompt === undefined) problems.push(item(['body', 'prompt'], 'Field required', 'missing'));
  else if (typeof b.prompt !== 'string') {
    problems.push(
      item(['body', 'prompt'], 'Input should be a valid string', 'string_type', b.prompt),
    );
  }
  const imageSize = checkImageSize(b.image_size, endpoint, v4SizeRule, problems);
  const numImages = checkInt(b.num_images, 'num_images', 1, 6, problems);
  const maxImages = checkInt(b.max_images, 'max_images', 1, 6, problems);
  if (b.seed !== undefined && !Number.isInteger(b.seed)) {
    problems.push(item(['body', 'seed'], 'Input should be a valid integer', 'int_type', b.seed));
  }
  for (const key of ['sync_mode', 'enable_safety_checker'] as const) {
    if (b[key] !== undefined && typeof b[key] !== 'boolean') {
      problems.push(item(['body', key], 'Input should be a valid boolean', 'bool_type', b[key]));
    }
  }
  let imageUrls: string[] = [];
  if (endpoint.edit) {
    if (b.image_urls === undefined) {
      problems.push(item(['body', 'image_urls'], 'Field required', 'missing'));
    } else if (!Array.isArray(b.image_urls) || b.image_urls.some((u) => typeof u !== 'string')) {
      problems.push(
        item(
          ['body', 'image_urls'],
          'Input should be a valid list of strings',
          'list_type',
          b.image_urls,
        ),
      );
    } else if (b.image_urls.length === 0) {
      problems.push(
        item(
          ['body', 'image_urls'],
          'List should have at least 1 item after validation, not 0',
          'too_short',
          [],
        ),
      );
    } else {
      // "if over 10 are sent, only the last 10 will be used" (§3.3).
      imageUrls = (b.image_urls as string[]).slice(-USED_SOURCES);
    }
  }
  if (problems.length > 0) return { ok: false, detail: problems };
  const loadError = await checkSources(imageUrls);
  return {
    ok: true,
    input: {
      prompt: b.prompt as string,
      imageSize: imageSize ?? { width: 2048, height: 2048 },
      numImages: numImages ?? 1,
      maxImages: maxImages ?? 1,
      safetyChecker: b.enable_safety_checker !== false,
      imageUrls,
      ...(loadError ? { loadError } : {}),
    },
  };
}

function checkImageSize(
  raw: unknown,
  endpoint: FalEndpoint,
  v4SizeRule: FalV4SizeRule,
  problems: DetailItem[],
): FalSizeEnum | Dimensions | undefined {
  const loc = ['body', 'image_size'];
  if (raw === undefined) return undefined;
  const enums = FAL_SIZE_ENUMS.filter((e) => endpoint.version === 'v4' || e !== 'auto');
  if (typeof raw === 'string') {
    if ((enums as readonly string[]).includes(raw)) return raw as FalSizeEnum;
    problems.push(
      item(loc, `Input should be ${enums.map((e) => `'${e}'`).join(', ')}`, 'enum', raw, {
        expected: enums.join(', '),
      }),
    );
    return undefined;
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    problems.push(
      item(loc, 'Input should be a valid dictionary or enum member', 'model_type', raw),
    );
    return undefined;
  }
  const o = raw as Record<string, unknown>;
  for (const key of Object.keys(o)) {
    if (key !== 'width' && key !== 'height') {
      problems.push(
        item([...loc, key], 'Extra inputs are not permitted', 'extra_forbidden', o[key]),
      );
    }
  }
  const width = checkInt(o.width, 'width', 1, MAX_SIDE, problems, loc) ?? 2048;
  const height = checkInt(o.height, 'height', 1, MAX_SIDE, problems, loc) ?? 2048;
  if (problems.length > 0) return undefined;
  const rule = sizeRule(endpoint.version, v4SizeRule);
  if (!rule.ok(width, height)) {
    problems.push(item(loc, `Value error, ${rule.message}`, 'value_error', raw));
    return undefined;
  }
  return { width, height };
}

/** The size descriptions of §3.3; v4 has two (CONFLICT), v4.5 one with an "or". */
function sizeRule(
  version: 'v4' | 'v4.5',
  v4SizeRule: FalV4SizeRule,
): { ok: (w: number, h: number) => boolean; message: string } {
  const sides = (min: number) => (w: number, h: number) =>
    Math.min(w, h) >= min && Math.max(w, h) <= 4096;
  const pixels = (min: number) => (w: number, h: number) => w * h >= min && w * h <= 4096 * 4096;
  if (version === 'v4.5') {
    return {
      ok: (w, h) => sides(1920)(w, h) || (pixels(2560 * 1440)(w, h) && Math.max(w, h) <= 4096),
      message:
        'Width and height must be between 1920 and 4096, or total number of pixels must be between 2560*1440 and 4096*4096.',
    };
  }
  return v4SizeRule === 'sides'
    ? { ok: sides(1024), message: 'Width and height must be between 1024 and 4096.' }
    : { ok: pixels(960 * 960), message: 'Total pixels must be between 960x960 and 4096x4096.' };
}

function checkInt(
  raw: unknown,
  name: string,
  min: number,
  max: number,
  problems: DetailItem[],
  parent: readonly string[] = ['body'],
): number | undefined {
  if (raw === undefined) return undefined;
  const loc = [...parent, name];
  if (typeof raw !== 'number' || !Number.isInteger(raw)) {
    problems.push(item(loc, 'Input should be a valid integer', 'int_type', raw));
    return undefined;
  }
  if (raw < min) {
    problems.push(
      item(loc, `Input should be greater than or equal to ${min}`, 'greater_than_equal', raw, {
        ge: min,
      }),
    );
    return undefined;
  }
  if (raw > max) {
    problems.push(
      item(loc, `Input should be less than or equal to ${max}`, 'less_than_equal', raw, {
        le: max,
      }),
    );
    return undefined;
  }
  return raw;
}

/** What the worker finds when it loads the inputs: http(s) URLs are trusted, data URIs decoded. */
async function checkSources(urls: readonly string[]): Promise<FalScriptedError | undefined> {
  for (const [i, url] of urls.entries()) {
    if (/^https?:\/\/\S+$/i.test(url)) continue;
    const m = /^data:image\/[a-z]+;base64,(.+)$/s.exec(url);
    let ok = false;
    if (m) {
      try {
        const meta = await sharp(Buffer.from(m[1]!, 'base64')).metadata();
        ok = Boolean(meta.width && meta.height);
      } catch {
        ok = false;
      }
    }
    if (!ok) {
      return {
        status: 422,
        type: 'image_load_error',
        msg: 'Failed to load the image. Please ensure the image file is not corrupted and is in a supported format.',
        loc: ['body', 'image_urls', i],
        retryable: false,
      };
    }
  }
  return undefined;
}

function item(
  loc: readonly (string | number)[],
  msg: string,
  type: string,
  input?: unknown,
  ctx?: Record<string, unknown>,
): DetailItem {
  return {
    loc,
    msg,
    type,
    ...(input === undefined ? {} : { input }),
    ...(ctx === undefined ? {} : { ctx }),
  };
}

function bad(
  loc: readonly (string | number)[],
  msg: string,
  type: string,
  input: unknown,
): FalValidation {
  return { ok: false, detail: [item(loc, msg, type, input)] };
}
