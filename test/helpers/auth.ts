import { expect } from 'vitest';
import type { TestApp } from './harness.ts';

/** A route that must refuse every request without a valid API key. */
export interface AuthRoute {
  readonly method: string;
  readonly path: string;
  /** Sent as-is with `Content-Type: application/json` when present. */
  readonly body?: string;
}

/** One way of presenting (or failing to present) a key. */
export interface AuthAttempt {
  readonly label: string;
  readonly headers: Record<string, string>;
}

/** What the helpers need of an app: its services, and an account with a valid key. */
export type KeyOwner = Pick<TestApp, 'application' | 'accountId' | 'key'>;

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** A key of the right shape that no account owns (deterministic, so failures reproduce). */
export function unknownWellFormedKey(seed = 7): string {
  let s = seed;
  let body = '';
  for (let i = 0; i < 40; i++) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    body += BASE62[s % 62];
  }
  return `gt_${body}`;
}

/**
 * Every way a request can lack a valid key: missing, malformed (in both headers), unknown,
 * revoked, expired, and a valid key in the wrong scheme or overridden by a bad Authorization.
 * Creates a revoked and an expired key on `t`'s account.
 */
export async function refusedAuthAttempts(t: KeyOwner): Promise<AuthAttempt[]> {
  const { keys } = t.application.core;
  const revoked = await keys.create({ accountId: t.accountId, name: 'revoked key' });
  expect(await keys.revoke(revoked.id)).toBe(true);
  const expired = await keys.create({
    accountId: t.accountId,
    name: 'expired key',
    expiresAt: Date.now() - 60_000,
  });
  const unknown = unknownWellFormedKey();
  const valid = t.key;
  const bearer = (value: string) => ({ Authorization: value });
  const apiKey = (value: string) => ({ 'X-API-Key': value });
  return [
    { label: 'no key at all', headers: {} },
    { label: 'Bearer without a token', headers: bearer('Bearer') },
    { label: 'Bearer and blanks', headers: bearer('Bearer    ') },
    { label: 'empty Authorization', headers: bearer('') },
    { label: 'Basic scheme', headers: bearer('Basic xxx') },
    {
      label: 'Basic scheme carrying the valid key',
      headers: bearer(`Basic ${Buffer.from(`${valid}:`).toString('base64')}`),
    },
    { label: 'valid key without a scheme', headers: bearer(valid) },
    { label: 'Token scheme with the valid key', headers: bearer(`Token ${valid}`) },
    { label: 'Bearer with two tokens', headers: bearer(`Bearer ${valid} ${valid}`) },
    { label: 'malformed key (no gt_ prefix)', headers: bearer('Bearer not-a-goodtake-key') },
    { label: 'malformed key (too short)', headers: bearer('Bearer gt_abc123') },
    { label: 'malformed key (bad characters)', headers: bearer(`Bearer ${valid.slice(0, -1)}!`) },
    { label: 'malformed key (too long)', headers: bearer(`Bearer gt_${'a'.repeat(129)}`) },
    { label: 'unknown well-formed key', headers: bearer(`Bearer ${unknown}`) },
    { label: 'valid key with one character changed', headers: bearer(`Bearer ${flipLast(valid)}`) },
    { label: 'valid key with a suffix', headers: bearer(`Bearer ${valid}0`) },
    { label: 'revoked key', headers: bearer(`Bearer ${revoked.key}`) },
    { label: 'expired key', headers: bearer(`Bearer ${expired.key}`) },
    { label: 'X-API-Key empty', headers: apiKey('') },
    { label: 'X-API-Key malformed', headers: apiKey('not-a-goodtake-key') },
    { label: 'X-API-Key with a Bearer prefix', headers: apiKey(`Bearer ${valid}`) },
    { label: 'X-API-Key unknown', headers: apiKey(unknown) },
    { label: 'X-API-Key revoked', headers: apiKey(revoked.key) },
    { label: 'X-API-Key expired', headers: apiKey(expired.key) },
    {
      label: 'bad Authorization wins over a valid X-API-Key',
      headers: { ...bearer(`Bearer ${unknown}`), ...apiKey(valid) },
    },
  ];
}

function flipLast(key: string): string {
  const last = key.at(-1)!;
  return key.slice(0, -1) + (last === 'A' ? 'B' : 'A');
}

function send(
  t: Pick<TestApp, 'request'>,
  route: AuthRoute,
  headers: Record<string, string>,
): Promise<Response> {
  return t.request(route.path, {
    method: route.method,
    headers:
      route.body === undefined ? headers : { 'Content-Type': 'application/json', ...headers },
    ...(route.body === undefined ? {} : { body: route.body }),
  });
}

/**
 * Asserts that `route` refuses every attempt of `refusedAuthAttempts` with the same 401: code
 * `unauthorized`, one message whatever the reason, `WWW-Authenticate: Bearer ...`, and
 * `X-Request-Id` equal to `error.request_id`, never echoing what was presented. As a control,
 * the valid key (in either header) must get past authentication.
 */
export async function expectAuthRequired(
  t: KeyOwner & Pick<TestApp, 'request'>,
  route: AuthRoute,
): Promise<void> {
  const attempts = await refusedAuthAttempts(t);
  const messages = new Set<string>();
  const challenges = new Set<string>();
  for (const attempt of attempts) {
    const res = await send(t, route, attempt.headers);
    const context = `${route.method} ${route.path} with ${attempt.label}`;
    expect(res.status, context).toBe(401);
    const challenge = res.headers.get('www-authenticate');
    expect(challenge, context).toMatch(/^Bearer\b/);
    challenges.add(challenge!);
    const text = await res.text();
    for (const value of Object.values(attempt.headers)) {
      const token = value.replace(/^\S+\s+/, '').trim();
      if (token.length >= 8) expect(text, `${context} echoes the key`).not.toContain(token);
    }
    const body = JSON.parse(text) as {
      status: string;
      error: { code: string; message: string; request_id: string; field?: string };
    };
    expect(body.status, context).toBe('error');
    expect(body.error.code, context).toBe('unauthorized');
    expect(body.error.field, context).toBeUndefined();
    expect(res.headers.get('x-request-id'), context).toBe(body.error.request_id);
    expect(Object.keys(body.error).sort(), context).toEqual(['code', 'message', 'request_id']);
    messages.add(body.error.message);
  }
  // The response never tells which of the reasons it was.
  expect([...messages]).toHaveLength(1);
  expect([...challenges]).toHaveLength(1);

  for (const headers of [{ Authorization: `Bearer ${t.key}` }, { 'X-API-Key': t.key }]) {
    const res = await send(t, route, headers);
    expect(res.status, `${route.method} ${route.path} with a valid key`).not.toBe(401);
    await res.body?.cancel();
  }
}
