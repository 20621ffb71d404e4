import type { ModelId } from '../../../contract/models.ts';
import { REPLICATE_ASPECT_RATIOS, REPLICATE_MODELS, REPLICATE_PROFILES } from '../models.ts';

/** One `invalid_fields` entry of a 422. */
export interface InvalidField {
  readonly type: string;
  readonly field: string;
  readonly description: string;
}

export interface ValidPrediction {
  readonly model: ModelId;
  readonly modelName: string;
  readonly input: Record<string, unknown>;
}

const TOP_LEVEL = new Set(['input', 'webhook', 'webhook_events_filter', 'stream']);

/** The official model behind `owner/name`, if the fake serves it. */
export function modelFor(name: string): ModelId | undefined {
  return (Object.entries(REPLICATE_MODELS) as [ModelId, string][]).find(([, n]) => n === name)?.[0];
}

/** Validates a create body against the model's input schema (§4.2), Replicate style. */
export function validateCreate(body: unknown, model: ModelId): InvalidField[] {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return [
      { type: 'invalid_type', field: '(root)', description: 'Invalid type. Expected: object' },
    ];
  }
  const b = body as Record<string, unknown>;
  const problems: InvalidField[] = [];
  for (const key of Object.keys(b)) {
    if (!TOP_LEVEL.has(key)) {
      problems.push({
        type: 'additional_property_not_allowed',
        field: '(root)',
        description: `Additional property ${key} is not allowed`,
      });
    }
  }
  const input = b.input;
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    problems.push({ type: 'required', field: 'input', description: 'input is required' });
    return problems;
  }
  return [...problems, ...validateInput(input as Record<string, unknown>, model)];
}

function validateInput(input: Record<string, unknown>, model: ModelId): InvalidField[] {
  const profile = REPLICATE_PROFILES[model];
  const known = new Set([
    'prompt',
    'image_input',
    'size',
    'aspect_ratio',
    'width',
    'height',
    'sequential_image_generation',
    'max_images',
    ...(profile.enhancePrompt ? ['enhance_prompt'] : []),
    ...(profile.safetySwitch ? ['disable_safety_checker'] : []),
  ]);
  const out: InvalidField[] = [];
  const bad = (field: string, type: string, description: string) =>
    out.push({ type, field: `input.${field}`, description });
  for (const key of Object.keys(input)) {
    if (!known.has(key)) {
      out.push({
        type: 'additional_property_not_allowed',
        field: 'input',
        description: `Additional property ${key} is not allowed`,
      });
    }
  }
  if (typeof input.prompt !== 'string') bad('prompt', 'required', 'prompt is required');
  else if (profile.maxPromptChars !== undefined && input.prompt.length > profile.maxPromptChars) {
    bad(
      'prompt',
      'string_lte',
      `String length must be less than or equal to ${profile.maxPromptChars}`,
    );
  }
  const enumOf = (field: string, allowed: readonly string[]) => {
    const v = input[field];
    if (v !== undefined && (typeof v !== 'string' || !allowed.includes(v))) {
      bad(
        field,
        'enum',
        `${field} must be one of the following: ${allowed.map((a) => `"${a}"`).join(', ')}`,
      );
    }
  };
  enumOf('size', [...profile.tiers, 'custom']);
  enumOf('aspect_ratio', REPLICATE_ASPECT_RATIOS);
  enumOf('sequential_image_generation', ['disabled', 'auto']);
  const intIn = (field: string, min: number, max: number) => {
    const v = input[field];
    if (v === undefined) return;
    if (typeof v !== 'number' || !Number.isInteger(v))
      bad(field, 'invalid_type', 'Invalid type. Expected: integer');
    else if (v < min) bad(field, 'number_gte', `Must be greater than or equal to ${min}`);
    else if (v > max) bad(field, 'number_lte', `Must be less than or equal to ${max}`);
  };
  intIn('width', 1024, 4096);
  intIn('height', 1024, 4096);
  intIn('max_images', 1, 15);
  for (const field of ['enhance_prompt', 'disable_safety_checker']) {
    if (input[field] !== undefined && typeof input[field] !== 'boolean') {
      bad(field, 'invalid_type', 'Invalid type. Expected: boolean');
    }
  }
  const images = input.image_input;
  if (images !== undefined) {
    if (!Array.isArray(images)) bad('image_input', 'invalid_type', 'Invalid type. Expected: array');
    else if (images.length > profile.maxSources) {
      bad('image_input', 'array_max_items', `Array must have at most ${profile.maxSources} items`);
    } else {
      for (const [i, uri] of images.entries()) {
        if (
          typeof uri !== 'string' ||
          !/^(https?:\/\/\S+|data:[a-z]+\/[a-z0-9.+-]+;base64,\S+)$/i.test(uri)
        ) {
          out.push({
            type: 'format',
            field: `input.image_input.${i}`,
            description: "Does not match format 'uri'",
          });
        }
      }
    }
  }
  return out;
}

/** Replicate's 422 body for `invalid_fields`. */
export function validationProblem(fields: readonly InvalidField[]): Record<string, unknown> {
  return {
    title: 'Input validation failed',
    detail: fields.map((f) => `- ${f.field}: ${f.description}`).join('\n'),
    status: 422,
    invalid_fields: fields,
  };
}

/** Seconds in a Go-style duration (`1m`, `90s`, `1h30m`), or undefined. */
export function parseDuration(raw: string): number | undefined {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?$/.exec(raw.trim());
  if (!m || raw.trim() === '') return undefined;
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}
