import type { Hono } from 'hono';
import type { AppEnv } from '../../http/context.ts';
import { ApiError } from '../../http/errors.ts';
import { decoyHash, passwordProblem, verifyPassword } from '../users/passwords.ts';
import type { SessionUser } from '../users/sessions.ts';
import { normalizeEmail } from '../users/users.ts';
import type { ConsoleRouteDeps } from './deps.ts';
import { objectBody, SMALL_BODY, stringField } from './params.ts';
import {
  addressOf,
  loadSession,
  preSessionCsrf,
  type SessionCookies,
  signedIn,
} from './session.ts';

const BAD_SIGN_IN = 'The email or password is not correct';

const whoJson = (u: SessionUser) => ({
  id: u.userId,
  email: u.email,
  role: u.role,
  account_id: u.accountId,
  expires_at: new Date(u.expiresAt).toISOString(),
});

/** Sign-in, sign-out, who am I, and setting a password through a one-time link. */
export function registerAuthRoutes(
  app: Hono<AppEnv>,
  deps: ConsoleRouteDeps,
  cookies: SessionCookies,
  consoleHost: string | undefined,
): void {
  const { sessions, users, throttle, audit } = deps.console;
  const load = loadSession(sessions, cookies);

  app.get('/console/api/session', async (c) => {
    const user = await load(c);
    c.header('Cache-Control', 'no-store');
    if (user) {
      return c.json({
        status: 'success',
        data: { user: whoJson(user), csrf_token: user.csrfToken },
      });
    }
    return c.json({
      status: 'success',
      data: { user: null, csrf_token: cookies.preSessionCsrf(c) },
    });
  });

  app.post('/console/api/session', preSessionCsrf(cookies, load, consoleHost), async (c) => {
    const body = objectBody(await c.var.body.json(SMALL_BODY));
    const rawEmail = stringField(body, 'email', { max: 254, required: true });
    const password = Object.hasOwn(body, 'password') ? body.password : undefined;
    if (typeof password !== 'string' || password.length === 0 || password.length > 200) {
      throw new ApiError('invalid_parameters', 'password is required', { field: 'password' });
    }
    const email = normalizeEmail(rawEmail) ?? rawEmail.toLowerCase();
    const address = addressOf(c);
    const wait = await throttle.check(email, address);
    if (wait !== undefined) {
      await audit.record({ actor: email, action: 'sign_in_throttled', address });
      throw new ApiError(
        'rate_limit_exceeded',
        `Too many failed sign-ins. Try again in ${wait} seconds.`,
        { retryAfter: wait },
      );
    }
    const found = await users.byEmail(email);
    // The same work whether or not the email exists: nothing in the answer or its timing tells.
    const ok = await verifyPassword(password, found?.passwordHash ?? (await decoyHash()));
    if (!found?.passwordHash || !ok) {
      await throttle.fail(email, address);
      await audit.record({
        actor: email,
        action: 'sign_in_failed',
        accountId: found?.user.accountId ?? null,
        address,
      });
      throw new ApiError('unauthorized', BAD_SIGN_IN);
    }
    await throttle.succeed(email);
    // Rotation: whatever session the browser held ends; a fresh one starts.
    const previous = cookies.token(c);
    if (previous) await sessions.end(previous);
    const started = await sessions.start(found.user.id, address);
    cookies.set(c, started.token, started.expiresAt);
    const user = (await sessions.find(started.token))!;
    await audit.record({
      actor: email,
      action: 'sign_in',
      accountId: found.user.accountId,
      address,
    });
    c.header('Cache-Control', 'no-store');
    return c.json({ status: 'success', data: { user: whoJson(user), csrf_token: user.csrfToken } });
  });

  app.delete('/console/api/session', signedIn(load, consoleHost), async (c) => {
    const token = cookies.token(c);
    if (token) await sessions.end(token);
    cookies.clear(c);
    return c.json({ status: 'success', data: { signed_out: true } });
  });

  app.post('/console/api/password', preSessionCsrf(cookies, load, consoleHost), async (c) => {
    const body = objectBody(await c.var.body.json(SMALL_BODY));
    const token = stringField(body, 'token', { max: 100, required: true });
    const password = Object.hasOwn(body, 'password') ? body.password : undefined;
    const problem = passwordProblem(password);
    if (problem) throw new ApiError('invalid_parameters', problem, { field: 'password' });
    const user = await users.redeemLink(token, password as string);
    if (!user) {
      throw new ApiError(
        'not_found',
        'This link is not valid any more (used, expired or replaced). Ask an operator for a new one.',
        { field: 'token' },
      );
    }
    await audit.record({
      actor: user.email,
      action: 'password_set',
      accountId: user.accountId,
      address: addressOf(c),
    });
    return c.json({ status: 'success', data: { email: user.email } });
  });
}
