import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { AppEnv } from '../../http/context.ts';
import { ApiError } from '../../http/errors.ts';
import type { SessionService, SessionUser } from '../users/sessions.ts';

/*
 * The console's session cookie and CSRF protection.
 * - The session cookie is HttpOnly and SameSite=Lax; over HTTPS it is also Secure and named with
 *   the `__Host-` prefix (no Domain, Path=/), so no subdomain can set or read it. HTTPS is the
 *   request's own scheme, or X-Forwarded-Proto: https from a proxy in front (which can only make
 *   the cookie stricter), or GOODTAKE_CONSOLE_SECURE_COOKIE=true.
 * - Every state-changing console request carries X-CSRF-Token. With a session it must equal the
 *   session's token (kept server-side, returned by GET /console/api/session); before signing in
 *   (sign-in, set-password) it must equal the `gt_csrf` cookie (double submit). A cross-site page
 *   can neither read the token nor set the header on a cross-origin request without CORS, which
 *   the console never grants. A mismatched Origin header is refused as well.
 */

export type SecureCookieMode = 'auto' | 'always' | 'never';

const SESSION = 'gt_session';
const PRE_SESSION_CSRF = 'gt_csrf';
const CHANGES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface SessionCookies {
  /** The session token the request presents, if any. */
  token(c: Context<AppEnv>): string | undefined;
  set(c: Context<AppEnv>, token: string, expiresAt: number): void;
  clear(c: Context<AppEnv>): void;
  /** The pre-session CSRF token, set when missing. */
  preSessionCsrf(c: Context<AppEnv>): string;
  presentedPreSessionCsrf(c: Context<AppEnv>): string | undefined;
}

export function isHttps(c: Context<AppEnv>, mode: SecureCookieMode): boolean {
  if (mode !== 'auto') return mode === 'always';
  if (new URL(c.req.url).protocol === 'https:') return true;
  return c.req.header('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase() === 'https';
}

export function sessionCookies(mode: SecureCookieMode): SessionCookies {
  // Over HTTPS Hono names the cookie `__Host-<name>` (prefix: 'host') and checks its rules.
  const options = (c: Context<AppEnv>) => ({
    path: '/',
    httpOnly: true,
    sameSite: 'Lax' as const,
    secure: isHttps(c, mode),
    ...(isHttps(c, mode) ? { prefix: 'host' as const } : {}),
  });
  const read = (c: Context<AppEnv>, base: string) =>
    getCookie(c, `__Host-${base}`) ?? (isHttps(c, mode) ? undefined : getCookie(c, base));
  return {
    token: (c) => read(c, SESSION),
    set(c, token, expiresAt) {
      setCookie(c, SESSION, token, { ...options(c), expires: new Date(expiresAt) });
    },
    clear(c) {
      deleteCookie(c, SESSION, options(c));
    },
    preSessionCsrf(c) {
      const existing = read(c, PRE_SESSION_CSRF);
      if (existing && /^[A-Za-z0-9_-]{43}$/.test(existing)) return existing;
      const token = randomBytes(32).toString('base64url');
      setCookie(c, PRE_SESSION_CSRF, token, options(c));
      return token;
    },
    presentedPreSessionCsrf: (c) => read(c, PRE_SESSION_CSRF),
  };
}

/** Constant-time equality of two tokens. */
export function sameToken(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const csrfRefused = () =>
  new ApiError('forbidden', 'The X-CSRF-Token header is missing or does not match the session');

/**
 * An Origin header naming another site is refused on every change. The console's own site is
 * the request's host (or the proxy's X-Forwarded-Host), or GOODTAKE_CONSOLE_URL's.
 */
function checkOrigin(c: Context<AppEnv>, consoleHost: string | undefined): void {
  const origin = c.req.header('origin');
  if (origin === undefined || origin === 'null') return;
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    throw csrfRefused();
  }
  const own = [
    consoleHost,
    c.req.header('x-forwarded-host'),
    c.req.header('host'),
    new URL(c.req.url).host,
  ];
  if (!own.includes(originHost)) throw csrfRefused();
}

/** Loads the session if the request presents one (never refuses). */
export function loadSession(
  sessions: SessionService,
  cookies: SessionCookies,
): (c: Context<AppEnv>) => Promise<SessionUser | undefined> {
  return async (c) => {
    const token = cookies.token(c);
    return token === undefined ? undefined : sessions.find(token);
  };
}

/**
 * Requires a signed-in user (401 otherwise) and, on every change, the session's CSRF token
 * (403). Runs before any body is read.
 */
export function signedIn(
  load: (c: Context<AppEnv>) => Promise<SessionUser | undefined>,
  consoleHost?: string,
): MiddlewareHandler<AppEnv> {
  return async function signedInMiddleware(c, next) {
    const user = await load(c);
    if (!user) throw new ApiError('unauthorized', 'Sign in to use the console');
    if (CHANGES.has(c.req.method)) {
      checkOrigin(c, consoleHost);
      if (!sameToken(c.req.header('x-csrf-token'), user.csrfToken)) throw csrfRefused();
    }
    c.set('consoleUser', user);
    await next();
  };
}

/**
 * Before a session exists (sign-in, set-password): the double-submit CSRF check, or the
 * current session's token when someone signed in signs in again.
 */
export function preSessionCsrf(
  cookies: SessionCookies,
  load: (c: Context<AppEnv>) => Promise<SessionUser | undefined>,
  consoleHost?: string,
): MiddlewareHandler<AppEnv> {
  return async function preSessionCsrfMiddleware(c, next) {
    checkOrigin(c, consoleHost);
    const presented = c.req.header('x-csrf-token');
    if (!sameToken(presented, cookies.presentedPreSessionCsrf(c))) {
      const current = await load(c);
      if (!current || !sameToken(presented, current.csrfToken)) throw csrfRefused();
    }
    await next();
  };
}

/** Operators only: a member is refused (403), whatever the object. */
export const operatorOnly: MiddlewareHandler<AppEnv> = async function operatorOnly(c, next) {
  if (c.get('consoleUser').role !== 'operator') {
    throw new ApiError('forbidden', 'This page is for operators');
  }
  await next();
};

/** The caller's address, for throttling and the audit log. */
export function addressOf(c: Context<AppEnv>): string {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)
    ?.incoming;
  return incoming?.socket?.remoteAddress ?? 'in-process';
}
