import type { Context } from 'hono';
import type { Account } from '../../accounts/accounts.ts';
import type { GenerationStatus } from '../../db/schema.ts';
import type { AppEnv } from '../../http/context.ts';
import { ApiError } from '../../http/errors.ts';
import { runGeneration } from '../../http/generation-call.ts';
import { readGenerateImageRequest, successBody } from '../../http/routes/generate-image.ts';
import { hashRequest } from '../../idempotency/idempotency.ts';
import { usageCsv } from '../reports/usage-daily.ts';
import type { ConsoleRouteDeps } from './deps.ts';
import type { GuardedRoutes } from './guard.ts';
import {
  choiceParam,
  idParam,
  intField,
  limitParam,
  objectBody,
  SMALL_BODY,
  stringField,
  textParam,
  timeParam,
} from './params.ts';
import { accountJson, generationDetailJson, generationJson, iso, keyJson } from './present.ts';
import { addressOf } from './session.ts';

const ACCOUNT = /^acc_[0-9a-z]{12}[A-Za-z0-9]{9}$/;
const DAY_MS = 86_400_000;
const MAX_USAGE_DAYS = 366;
export const STATUSES: readonly GenerationStatus[] = ['pending', 'succeeded', 'partial', 'failed'];

/**
 * The account a console call is about: a member's own only, any for an operator. Another
 * account, or one that does not exist, is the same 404.
 */
export async function accountFor(c: Context<AppEnv>, deps: ConsoleRouteDeps): Promise<Account> {
  const id = c.req.param('accountId') ?? '';
  const user = c.get('consoleUser');
  const visible = ACCOUNT.test(id) && (user.role === 'operator' || user.accountId === id);
  const account = visible ? await deps.accounts.get(id) : undefined;
  if (!account) throw new ApiError('not_found', 'No such account');
  return account;
}

export const baseUrlOf = (c: Context<AppEnv>, deps: ConsoleRouteDeps) =>
  deps.publicBaseUrl ?? new URL(c.req.url).origin;

/** Usage period: `from`/`to` (ISO dates), the last 30 days unless given, at most a year. */
function period(c: Context<AppEnv>): { from: number; to: number } {
  const to = timeParam(c, 'to') ?? Math.ceil(Date.now() / DAY_MS) * DAY_MS;
  const from = timeParam(c, 'from') ?? to - 30 * DAY_MS;
  if (from >= to || to - from > MAX_USAGE_DAYS * DAY_MS) {
    throw new ApiError(
      'invalid_parameters',
      `from must be before to, at most ${MAX_USAGE_DAYS} days apart`,
      { field: 'from' },
    );
  }
  return { from, to };
}

/** What one account's members (and operators) see and do: `/console/api/accounts/{id}/...`. */
export function registerAccountRoutes(r: GuardedRoutes, deps: ConsoleRouteDeps): void {
  const base = '/console/api/accounts/:accountId';

  r.get(base, async (c) => {
    const account = await accountFor(c, deps);
    return c.json({
      status: 'success',
      data: {
        ...accountJson(account),
        prices: Object.fromEntries(deps.models.list().map((m) => [m.id, m.pricePerImage])),
      },
    });
  });

  r.get(`${base}/ledger`, async (c) => {
    const account = await accountFor(c, deps);
    const page = await deps.console.ledgerHistory(account.id, {
      limit: limitParam(c),
      before: idParam(c, 'before', 'le'),
    });
    return c.json({
      status: 'success',
      data: {
        entries: page.entries.map((e) => ({
          id: e.id,
          kind: e.kind,
          amount: e.amount,
          reason: e.reason,
          generation_id: e.generationId,
          at: iso(e.at),
        })),
        next: page.next,
      },
    });
  });

  r.get(`${base}/keys`, async (c) => {
    const account = await accountFor(c, deps);
    const keys = await deps.keys.list(account.id);
    return c.json({
      status: 'success',
      data: { keys: keys.reverse().map((k) => keyJson(k, deps.limitDefaults)) },
    });
  });

  r.post(`${base}/keys`, async (c) => {
    const account = await accountFor(c, deps);
    const body = objectBody(await c.var.body.json(SMALL_BODY));
    const name = stringField(body, 'name', { max: 100, required: true });
    const operator = c.get('consoleUser').role === 'operator';
    const rpm = operator ? intField(body, 'requests_per_minute', 0, 1_000_000) : undefined;
    const concurrency = operator ? intField(body, 'concurrent_generations', 0, 10_000) : undefined;
    const created = await deps.keys.create({
      accountId: account.id,
      name,
      rpm: rpm ?? null,
      concurrency: concurrency ?? null,
    });
    await deps.console.audit.record({
      actor: c.get('consoleUser').email,
      action: 'key_created',
      accountId: account.id,
      target: created.id,
      detail: `${name} (${created.prefix}...)`,
      address: addressOf(c),
    });
    const listing = (await deps.keys.find(created.id))!;
    c.header('Cache-Control', 'no-store');
    return c.json(
      { status: 'success', data: { key: created.key, ...keyJson(listing, deps.limitDefaults) } },
      201,
    );
  });

  r.delete(`${base}/keys/:keyId`, async (c) => {
    const account = await accountFor(c, deps);
    const key = await deps.keys.find(c.req.param('keyId') ?? '');
    if (!key || key.accountId !== account.id) throw new ApiError('not_found', 'No such key');
    const revoked = await deps.keys.revoke(key.id);
    if (revoked) {
      await deps.console.audit.record({
        actor: c.get('consoleUser').email,
        action: 'key_revoked',
        accountId: account.id,
        target: key.id,
        detail: `${key.name} (${key.prefix}...)`,
        address: addressOf(c),
      });
    }
    const listing = (await deps.keys.find(key.id))!;
    return c.json({ status: 'success', data: keyJson(listing, deps.limitDefaults) });
  });

  const usageRows = async (c: Context<AppEnv>) => {
    const account = await accountFor(c, deps);
    const { from, to } = period(c);
    const model = textParam(c, 'model');
    if (model !== undefined && !deps.models.find(model)) {
      throw new ApiError('invalid_parameters', 'model is not a known model', { field: 'model' });
    }
    const keyId = idParam(c, 'key', 'key');
    const rows = await deps.console.dailyUsage({
      accountId: account.id,
      from,
      to,
      ...(model ? { model } : {}),
      ...(keyId ? { keyId } : {}),
    });
    return { account, from, to, rows };
  };

  r.get(`${base}/usage`, async (c) => {
    const { from, to, rows } = await usageRows(c);
    const totals = rows.reduce(
      (t, r) => ({
        requests: t.requests + r.requests,
        images: t.images + r.images,
        credits: t.credits + r.credits,
      }),
      { requests: 0, images: 0, credits: 0 },
    );
    return c.json({
      status: 'success',
      data: {
        from: iso(from),
        to: iso(to),
        totals,
        days: rows.map((r) => ({
          day: r.day,
          model: r.model,
          key_id: r.keyId,
          key_name: r.keyName,
          requests: r.requests,
          images: r.images,
          credits: r.credits,
        })),
      },
    });
  });

  r.get(`${base}/usage.csv`, async (c) => {
    const { account, rows } = await usageRows(c);
    return c.body(usageCsv(rows), 200, {
      'Content-Type': 'text/csv; charset=utf-8',
      'Content-Disposition': `attachment; filename="usage-${account.id}.csv"`,
    });
  });

  r.get(`${base}/generations`, async (c) => {
    const account = await accountFor(c, deps);
    const page = await deps.console.generations.list({
      accountId: account.id,
      limit: limitParam(c, 24, 100),
      before: idParam(c, 'before', 'gen'),
      status: choiceParam(c, 'status', STATUSES),
      keyId: idParam(c, 'key', 'key'),
    });
    const baseUrl = baseUrlOf(c, deps);
    return c.json({
      status: 'success',
      data: { generations: page.rows.map((g) => generationJson(g, baseUrl)), next: page.next },
    });
  });

  r.get(`${base}/generations/:generationId`, async (c) => {
    const account = await accountFor(c, deps);
    const found = await deps.console.generations.get(c.req.param('generationId') ?? '', account.id);
    if (!found) throw new ApiError('not_found', 'No such generation');
    return c.json({
      status: 'success',
      data: generationDetailJson(found, baseUrlOf(c, deps), {
        operator: c.get('consoleUser').role === 'operator',
      }),
    });
  });

  // The playground: the native request body, run by the same use case as the API, on the
  // account's console key (charged, limited and listed in usage like any key).
  r.post(`${base}/generations`, async (c) => {
    const account = await accountFor(c, deps);
    if (account.suspendedAt !== null) {
      throw new ApiError('forbidden', 'This account is suspended');
    }
    const request = await readGenerateImageRequest(c, deps.bodyLimitBytes, deps.catalog);
    const key = await deps.keys.consoleKey(account.id);
    const result = await runGeneration(deps, {
      key,
      requestId: c.get('requestId'),
      idempotencyKey: c.req.header('idempotency-key'),
      requestHash: () => hashRequest(request),
      request,
      baseUrl: baseUrlOf(c, deps),
      signal: c.req.raw.signal,
    });
    return c.json(successBody(result, { ...request, includeBase64: false }, baseUrlOf(c, deps)));
  });
}
