import type { Hono } from 'hono';
import { MAX_END_USER_CHARS } from '../../contract/generate-image.ts';
import type { KeyService } from '../../keys/api-keys.ts';
import type { Ledger } from '../../ledger/ledger.ts';
import { type LimitDefaults, limitsFor } from '../../ratelimit/key-limits.ts';
import type { RequestLimiter } from '../../ratelimit/limiter.ts';
import { isValidCursor, type UsageService } from '../../usage/usage.ts';
import type { AppEnv } from '../context.ts';
import { ApiError } from '../errors.ts';
import { authenticate } from '../middleware/authenticate.ts';
import { rateLimit } from '../middleware/rate-limit.ts';
import { imageUrl } from './images.ts';

export interface AccountRouteDeps {
  readonly keys: KeyService;
  readonly ledger: Ledger;
  readonly usage: UsageService;
  readonly accountName: (id: string) => Promise<string | undefined>;
  readonly limitDefaults: LimitDefaults;
  readonly requestLimiter: RequestLimiter;
  /** Credits per image of each model served. */
  readonly prices: Readonly<Record<string, number>>;
  readonly publicBaseUrl: string | undefined;
  /**
   * Whether a caller sees the catalog's estimate of what each upstream try cost (the operator's
   * margin); off by default (GOODTAKE_SHOW_UPSTREAM_COSTS).
   */
  readonly showUpstreamCosts: boolean;
}

const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

function parseLimit(raw: string | undefined): number {
  if (raw === undefined) return 20;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > 100) {
    throw new ApiError('invalid_parameters', 'limit must be an integer between 1 and 100', {
      field: 'limit',
    });
  }
  return n;
}

function parseSince(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const t = Date.parse(raw);
  if (Number.isNaN(t)) {
    throw new ApiError('invalid_parameters', 'since must be an ISO 8601 date or time', {
      field: 'since',
    });
  }
  return t;
}

function parseEndUser(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (raw.length === 0 || raw.length > MAX_END_USER_CHARS) {
    throw new ApiError(
      'invalid_parameters',
      `user must be 1-${MAX_END_USER_CHARS} characters (the end user a generation was made for)`,
      { field: 'user' },
    );
  }
  return raw;
}

/** The calling account's own view: balance and limits, and its generations. */
export function registerAccount(app: Hono<AppEnv>, deps: AccountRouteDeps): void {
  // These count against the key's per-minute limit too, and carry the same headers.
  const limited = [
    authenticate(deps.keys),
    rateLimit(deps.requestLimiter, deps.limitDefaults),
  ] as const;
  app.get('/api/v1/account', ...limited, async (c) => {
    const key = c.get('apiKey');
    const balance = await deps.ledger.balance(key.accountId);
    if (!balance) throw new ApiError('unauthorized', 'Invalid or missing API key');
    const limits = limitsFor(key, deps.limitDefaults);
    return c.json({
      status: 'success',
      data: {
        id: key.accountId,
        name: (await deps.accountName(key.accountId)) ?? '',
        balance: balance.balance,
        reserved: balance.reserved,
        available: balance.available,
        key: { id: key.id, name: key.name, prefix: key.prefix },
        limits: { requests_per_minute: limits.rpm, concurrent_generations: limits.concurrency },
        prices: deps.prices,
      },
    });
  });

  app.get('/api/v1/generations', ...limited, async (c) => {
    const key = c.get('apiKey');
    const limit = parseLimit(c.req.query('limit'));
    const since = parseSince(c.req.query('since'));
    const cursor = c.req.query('cursor');
    if (cursor !== undefined && !isValidCursor(cursor)) {
      throw new ApiError('invalid_parameters', 'cursor is not valid', { field: 'cursor' });
    }
    const endUser = parseEndUser(c.req.query('user'));
    const page = await deps.usage.list(key.accountId, { limit, cursor, since, endUser });
    const baseUrl = deps.publicBaseUrl ?? new URL(c.req.url).origin;
    return c.json({
      status: 'success',
      data: {
        generations: page.generations.map((g) => ({
          id: g.id,
          model: g.model,
          size: g.size,
          number_of_images: g.numberOfImages,
          images_delivered: g.imagesDelivered,
          credits_reserved: g.creditsReserved,
          credits_charged: g.creditsCharged,
          status: g.status,
          error_code: g.errorCode,
          duration_ms: g.durationMs,
          created_at: iso(g.createdAt),
          finished_at: iso(g.finishedAt),
          user: g.endUser,
          images: g.images.map((i) => ({
            url: imageUrl(baseUrl, i),
            width: i.width,
            height: i.height,
            content_credentials: i.provenance.c2pa,
            xmp_metadata: i.provenance.xmp,
            digital_source_type: i.provenance.digitalSourceType ?? null,
          })),
          attempts: g.attempts.map((a) => ({
            index: a.index,
            provider: a.provider,
            upstream_model: a.upstreamModel,
            outcome: a.outcome,
            latency_ms: a.latencyMs,
            upstream_request_id: a.upstreamRequestId,
            ...(deps.showUpstreamCosts ? { estimated_cost_usd: a.costUsd } : {}),
          })),
        })),
        next_cursor: page.nextCursor,
      },
    });
  });
}
