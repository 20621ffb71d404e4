import type { MiddlewareHandler } from 'hono';
import type { KeyService } from '../../keys/api-keys.ts';
import type { AppEnv } from '../context.ts';
import { ApiError } from '../errors.ts';

const BEARER = /^Bearer[ \t]+(\S+)[ \t]*$/i;

/** The key a request presents: `Authorization: Bearer` wins over `X-API-Key`. */
export function presentedKey(headers: {
  authorization: string | undefined;
  apiKey: string | undefined;
}): string | undefined {
  if (headers.authorization !== undefined) return BEARER.exec(headers.authorization)?.[1];
  return headers.apiKey?.trim() || undefined;
}

/**
 * Requires a valid API key. Every refusal is the same 401, whatever the reason (missing,
 * malformed, unknown, revoked, expired), so the response tells an attacker nothing.
 */
export function authenticate(keys: KeyService): MiddlewareHandler<AppEnv> {
  return async function authenticateMiddleware(c, next) {
    const presented = presentedKey({
      authorization: c.req.header('authorization'),
      apiKey: c.req.header('x-api-key'),
    });
    const check = presented === undefined ? { ok: false as const } : await keys.verify(presented);
    if (!check.ok) throw new ApiError('unauthorized', 'Invalid or missing API key');
    c.set('apiKey', check.key);
    await next();
  };
}
