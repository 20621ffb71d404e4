import type { Context } from 'hono';
import type { UserRole } from '../../db/schema.ts';
import type { AppEnv } from '../../http/context.ts';
import { ApiError } from '../../http/errors.ts';
import { MAX_CREDIT_AMOUNT } from '../../ledger/limits.ts';
import { normalizeEmail } from '../users/users.ts';
import { accountFor, baseUrlOf, STATUSES } from './account-routes.ts';
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
import {
  accountJson,
  auditJson,
  generationDetailJson,
  generationJson,
  iso,
  keyJson,
  userJson,
} from './present.ts';
import { addressOf } from './session.ts';

const ROLES: readonly UserRole[] = ['operator', 'member'];

/** The link a person follows to choose a password (the token stays in the fragment). */
export function setPasswordLink(c: Context<AppEnv>, deps: ConsoleRouteDeps, token: string) {
  const base = (deps.consoleUrl ?? new URL(c.req.url).origin).replace(/\/+$/, '');
  return `${base}/console/#/set-password/${token}`;
}

/**
 * Hands a one-time link to its person: by mail when SMTP is configured, else back to the
 * operator to pass on.
 */
async function deliverLink(
  c: Context<AppEnv>,
  deps: ConsoleRouteDeps,
  userId: string,
  email: string,
  purpose: 'invite' | 'reset',
) {
  const { token, expiresAt } = await deps.console.users.issueLink(userId, purpose);
  const link = setPasswordLink(c, deps, token);
  if (deps.console.mailer) {
    await deps.console.mailer.sendLink({ to: email, purpose, link, expiresAt });
    return { mailed: true, link: null, expires_at: iso(expiresAt) };
  }
  return { mailed: false, link, expires_at: iso(expiresAt) };
}

/** The operator's pages: accounts, credits, keys, people, requests, health, audit. */
export function registerOperatorRoutes(r: GuardedRoutes, deps: ConsoleRouteDeps): void {
  const { audit } = deps.console;
  const actor = (c: Context<AppEnv>) => c.get('consoleUser').email;

  r.get('/console/api/accounts', async (c) => {
    const accounts = await deps.accounts.find({ text: textParam(c, 'q'), limit: limitParam(c) });
    return c.json({ status: 'success', data: { accounts: accounts.map(accountJson) } });
  });

  r.post('/console/api/accounts', async (c) => {
    const body = objectBody(await c.var.body.json(SMALL_BODY));
    const name = stringField(body, 'name', { max: 100, required: true });
    const credits = intField(body, 'credits', 0, MAX_CREDIT_AMOUNT) ?? 0;
    const account = await deps.accounts.create({ name, credits });
    await audit.record({
      actor: actor(c),
      action: 'account_created',
      accountId: account.id,
      target: account.id,
      detail: `${name}, ${credits} starting credits`,
      address: addressOf(c),
    });
    return c.json({ status: 'success', data: accountJson(account) }, 201);
  });

  for (const [path, suspended] of [
    ['suspend', true],
    ['resume', false],
  ] as const) {
    r.post(`/console/api/accounts/:accountId/${path}`, async (c) => {
      const account = await accountFor(c, deps);
      if (await deps.accounts.setSuspended(account.id, suspended)) {
        await audit.record({
          actor: actor(c),
          action: suspended ? 'account_suspended' : 'account_resumed',
          accountId: account.id,
          target: account.id,
          address: addressOf(c),
        });
      }
      return c.json({
        status: 'success',
        data: accountJson((await deps.accounts.get(account.id))!),
      });
    });
  }

  // A grant adds credits; a correction moves them either way. Both need a reason, both go
  // through the ledger, both are audited.
  r.post('/console/api/accounts/:accountId/credits', async (c) => {
    const account = await accountFor(c, deps);
    const body = objectBody(await c.var.body.json(SMALL_BODY));
    const kind = stringField(body, 'kind', { max: 20, required: true });
    if (kind !== 'grant' && kind !== 'correction') {
      throw new ApiError('invalid_parameters', 'kind must be grant or correction', {
        field: 'kind',
      });
    }
    const amount = intField(body, 'amount', -MAX_CREDIT_AMOUNT, MAX_CREDIT_AMOUNT);
    if (amount === undefined || amount === 0 || (kind === 'grant' && amount < 0)) {
      throw new ApiError(
        'invalid_parameters',
        kind === 'grant'
          ? `amount must be a whole number from 1 to ${MAX_CREDIT_AMOUNT}`
          : `amount must be a non-zero whole number within ±${MAX_CREDIT_AMOUNT}`,
        { field: 'amount' },
      );
    }
    const reason = stringField(body, 'reason', { max: 500, required: true, min: 3 });
    if (kind === 'grant') {
      await deps.ledger.grant(account.id, amount, reason);
    } else {
      const r = await deps.ledger.adjust(account.id, amount, reason);
      if (!r.ok) {
        throw new ApiError(
          'invalid_parameters',
          r.reason === 'would_go_negative'
            ? 'This correction would leave less than the account has reserved or owns'
            : 'This correction would take the balance past the maximum',
          { field: 'amount' },
        );
      }
    }
    await audit.record({
      actor: actor(c),
      action: kind === 'grant' ? 'credits_granted' : 'credits_corrected',
      accountId: account.id,
      target: account.id,
      detail: `${amount > 0 ? '+' : ''}${amount}: ${reason}`,
      address: addressOf(c),
    });
    return c.json({ status: 'success', data: accountJson((await deps.accounts.get(account.id))!) });
  });

  r.get('/console/api/keys', async (c) => {
    const keys = await deps.keys.listAll({ limit: limitParam(c, 100, 500) });
    return c.json({
      status: 'success',
      data: { keys: keys.map((k) => keyJson(k, deps.limitDefaults)) },
    });
  });

  r.get('/console/api/users', async (c) => {
    const accountId = idParam(c, 'account', 'acc');
    const users = await deps.console.users.list(accountId ? { accountId } : {});
    return c.json({ status: 'success', data: { users: users.map(userJson) } });
  });

  r.post('/console/api/users', async (c) => {
    const body = objectBody(await c.var.body.json(SMALL_BODY));
    const email = normalizeEmail(stringField(body, 'email', { max: 254, required: true }));
    if (!email)
      throw new ApiError('invalid_parameters', 'email is not an address', { field: 'email' });
    const role = stringField(body, 'role', { max: 20 }) ?? 'member';
    if (!(ROLES as readonly string[]).includes(role)) {
      throw new ApiError('invalid_parameters', 'role must be operator or member', {
        field: 'role',
      });
    }
    const accountId = stringField(body, 'account_id', { max: 40 });
    if (role === 'member' && !accountId) {
      throw new ApiError('invalid_parameters', 'a member needs account_id', {
        field: 'account_id',
      });
    }
    const created = await deps.console.users.create({
      email,
      role: role as UserRole,
      accountId: role === 'member' ? (accountId ?? null) : null,
    });
    if (!created.ok) {
      throw created.reason === 'email_taken'
        ? new ApiError('invalid_parameters', 'There is already a user with this email', {
            field: 'email',
          })
        : new ApiError('invalid_parameters', 'No such account', { field: 'account_id' });
    }
    const delivery = await deliverLink(c, deps, created.user.id, email, 'invite');
    await audit.record({
      actor: actor(c),
      action: role === 'member' ? 'member_invited' : 'operator_invited',
      accountId: created.user.accountId,
      target: email,
      detail: delivery.mailed ? 'link mailed' : 'link handed to the operator',
      address: addressOf(c),
    });
    return c.json({ status: 'success', data: { user: userJson(created.user), ...delivery } }, 201);
  });

  const userFor = async (c: Context<AppEnv>) => {
    const user = await deps.console.users.get(c.req.param('userId') ?? '');
    if (!user) throw new ApiError('not_found', 'No such user');
    return user;
  };

  r.delete('/console/api/users/:userId', async (c) => {
    const user = await userFor(c);
    if (user.id === c.get('consoleUser').userId) {
      throw new ApiError('invalid_parameters', 'You cannot remove yourself', { field: 'userId' });
    }
    await deps.console.users.remove(user.id);
    await audit.record({
      actor: actor(c),
      action: 'user_removed',
      accountId: user.accountId,
      target: user.email,
      address: addressOf(c),
    });
    return c.json({ status: 'success', data: { removed: true } });
  });

  r.post('/console/api/users/:userId/reset', async (c) => {
    const user = await userFor(c);
    await deps.console.sessions.endAllOf(user.id);
    const delivery = await deliverLink(c, deps, user.id, user.email, 'reset');
    await audit.record({
      actor: actor(c),
      action: 'password_reset',
      accountId: user.accountId,
      target: user.email,
      detail: delivery.mailed ? 'link mailed' : 'link handed to the operator',
      address: addressOf(c),
    });
    return c.json({ status: 'success', data: { user: userJson(user), ...delivery } });
  });

  r.get('/console/api/requests', async (c) => {
    const model = textParam(c, 'model');
    const page = await deps.console.generations.list({
      limit: limitParam(c, 50, 200),
      before: idParam(c, 'before', 'gen'),
      accountId: idParam(c, 'account', 'acc'),
      keyId: idParam(c, 'key', 'key'),
      status: choiceParam(c, 'status', STATUSES),
      model,
      errorCode: textParam(c, 'error_code', 64),
      from: timeParam(c, 'from'),
      to: timeParam(c, 'to'),
    });
    const baseUrl = baseUrlOf(c, deps);
    return c.json({
      status: 'success',
      data: { requests: page.rows.map((g) => generationJson(g, baseUrl)), next: page.next },
    });
  });

  r.get('/console/api/requests/:generationId', async (c) => {
    const found = await deps.console.generations.get(c.req.param('generationId') ?? '');
    if (!found) throw new ApiError('not_found', 'No such request');
    return c.json({
      status: 'success',
      data: generationDetailJson(found, baseUrlOf(c, deps), { operator: true }),
    });
  });

  r.get('/console/api/health', async (c) => {
    const report = deps.health();
    const since = Date.now() - 3600_000;
    const recent = await deps.console.generations.list({ from: since, limit: 1000 });
    const failed = recent.rows.filter((g) => g.status === 'failed');
    const byCode: Record<string, number> = {};
    for (const g of failed)
      byCode[g.errorCode ?? 'unknown'] = (byCode[g.errorCode ?? 'unknown'] ?? 0) + 1;
    return c.json({
      status: 'success',
      data: {
        providers: report.providers,
        database: report.database,
        storage: report.storage,
        throughput: report.throughput,
        last_hour: {
          requests: recent.rows.length,
          failed: failed.length,
          error_rate: recent.rows.length === 0 ? 0 : failed.length / recent.rows.length,
          errors: byCode,
        },
        config: report.config,
      },
    });
  });

  r.post('/console/api/health/verify', async (c) => {
    const mismatches = await deps.ledger.verify();
    await audit.record({
      actor: actor(c),
      action: 'ledger_verified',
      detail: mismatches.length === 0 ? 'books balance' : `${mismatches.length} mismatch(es)`,
      address: addressOf(c),
    });
    return c.json({
      status: 'success',
      data: {
        ok: mismatches.length === 0,
        checked_at: new Date().toISOString(),
        mismatches: mismatches.map((m) => ({
          account_id: m.accountId,
          field: m.field,
          expected: String(m.expected),
          actual: String(m.actual),
          detail: m.detail,
        })),
      },
    });
  });

  r.get('/console/api/audit', async (c) => {
    const entries = await audit.list({
      limit: limitParam(c, 100, 500),
      before: idParam(c, 'before', 'aud'),
      accountId: idParam(c, 'account', 'acc'),
      action: textParam(c, 'action', 64),
    });
    return c.json({
      status: 'success',
      data: {
        entries: entries.map(auditJson),
        next: entries.length > 0 ? entries[entries.length - 1]!.id : null,
      },
    });
  });
}
