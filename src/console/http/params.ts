import type { Context } from 'hono';
import type { AppEnv } from '../../http/context.ts';
import { ApiError } from '../../http/errors.ts';

/** Query and body readers that name the field at fault. */

export function limitParam(c: Context<AppEnv>, fallback = 50, max = 200): number {
  const raw = c.req.query('limit');
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d{1,4}$/.test(raw) || n < 1 || n > max) {
    throw new ApiError('invalid_parameters', `limit must be an integer between 1 and ${max}`, {
      field: 'limit',
    });
  }
  return n;
}

const ID = /^[a-z]{2,4}_[0-9a-z]{12}[A-Za-z0-9]{9}$/;

/** An id-shaped query parameter (a cursor or a filter), or undefined. */
export function idParam(c: Context<AppEnv>, name: string, prefix?: string): string | undefined {
  const raw = c.req.query(name);
  if (raw === undefined || raw === '') return undefined;
  if (!ID.test(raw) || (prefix && !raw.startsWith(`${prefix}_`))) {
    throw new ApiError('invalid_parameters', `${name} is not a valid id`, { field: name });
  }
  return raw;
}

/** A time as an ISO 8601 date or time, or undefined. */
export function timeParam(c: Context<AppEnv>, name: string): number | undefined {
  const raw = c.req.query(name);
  if (raw === undefined || raw === '') return undefined;
  const t = raw.length <= 40 ? Date.parse(raw) : Number.NaN;
  if (Number.isNaN(t)) {
    throw new ApiError('invalid_parameters', `${name} must be an ISO 8601 date or time`, {
      field: name,
    });
  }
  return t;
}

/** One of `allowed`, or undefined. */
export function choiceParam<T extends string>(
  c: Context<AppEnv>,
  name: string,
  allowed: readonly T[],
): T | undefined {
  const raw = c.req.query(name);
  if (raw === undefined || raw === '') return undefined;
  if (!(allowed as readonly string[]).includes(raw)) {
    throw new ApiError('invalid_parameters', `${name} must be one of: ${allowed.join(', ')}`, {
      field: name,
    });
  }
  return raw as T;
}

/** A short word (an error code, a search text), or undefined. */
export function textParam(c: Context<AppEnv>, name: string, max = 100): string | undefined {
  const raw = c.req.query(name);
  if (raw === undefined || raw === '') return undefined;
  if (raw.length > max || !raw.isWellFormed() || raw.includes('\u0000')) {
    throw new ApiError('invalid_parameters', `${name} must be at most ${max} characters of text`, {
      field: name,
    });
  }
  return raw;
}

/** A JSON object body, or a 400 naming the body. */
export function objectBody(value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new ApiError('invalid_parameters', 'The request body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

/** A required or optional string member of a body, trimmed, within `max` characters. */
export function stringField(
  body: Record<string, unknown>,
  name: string,
  options: { max: number; required: true; min?: number },
): string;
export function stringField(
  body: Record<string, unknown>,
  name: string,
  options: { max: number; required?: false; min?: number },
): string | undefined;
export function stringField(
  body: Record<string, unknown>,
  name: string,
  options: { max: number; required?: boolean; min?: number },
): string | undefined {
  const value = Object.hasOwn(body, name) ? body[name] : undefined;
  if (value === undefined || value === null) {
    if (options.required) {
      throw new ApiError('invalid_parameters', `${name} is required`, { field: name });
    }
    return undefined;
  }
  if (typeof value !== 'string') {
    throw new ApiError('invalid_parameters', `${name} must be a string`, { field: name });
  }
  const trimmed = value.trim();
  if (trimmed.length < (options.min ?? 1) || trimmed.length > options.max) {
    throw new ApiError(
      'invalid_parameters',
      `${name} must be ${options.min ?? 1}-${options.max} characters`,
      { field: name },
    );
  }
  if (!trimmed.isWellFormed() || trimmed.includes('\u0000')) {
    throw new ApiError('invalid_parameters', `${name} must be plain text`, { field: name });
  }
  return trimmed;
}

/** An optional integer member within [min, max]. */
export function intField(
  body: Record<string, unknown>,
  name: string,
  min: number,
  max: number,
): number | undefined {
  const value = Object.hasOwn(body, name) ? body[name] : undefined;
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new ApiError(
      'invalid_parameters',
      `${name} must be an integer between ${min} and ${max}`,
      { field: name },
    );
  }
  return value;
}

/** Small console bodies: a few short fields. */
export const SMALL_BODY = { maxBytes: 16 * 1024, shape: { maxDepth: 4, maxMembers: 32 } };
