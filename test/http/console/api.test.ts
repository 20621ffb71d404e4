import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSOLE_REQUEST_EXAMPLES } from '../../../src/console/http/openapi.ts';
import { ConsoleClient, createOperator, linkToken, OPERATOR } from '../../helpers/console.ts';
import { createTestApp, ENDPOINT, errorOf, type TestApp } from '../../helpers/harness.ts';

// The console's JSON API through HTTP: sign-in, sessions, CSRF, roles, an account's own view,
// the operator's view, and cross-account access (always a 404).

let t: TestApp;
const client = () => new ConsoleClient(t.request);
let operator: ConsoleClient;

beforeAll(async () => {
  t = await createTestApp({ env: { GOODTAKE_METRICS_TOKEN: 'scrape-token-0123456789' } });
  await createOperator(t);
  operator = client();
  expect((await operator.signIn(OPERATOR.email, OPERATOR.password)).status).toBe(200);
});
afterAll(() => t.close());

/** An account with credits and a signed-in member of it. */
async function memberOf(credits: number, email: string) {
  const account = await operator.json<{ id: string }>('/console/api/accounts', {
    method: 'POST',
    body: { name: `Account of ${email}`, credits },
  });
  expect(account.status).toBe(201);
  const invite = await operator.json<{ link: string; mailed: boolean }>('/console/api/users', {
    method: 'POST',
    body: { email, role: 'member', account_id: account.data.id },
  });
  expect(invite.status).toBe(201);
  expect(invite.data.mailed).toBe(false);
  const member = client();
  const password = `${email} password`;
  const who = await member.json<{ csrf_token: string }>('/console/api/session');
  member.csrf = who.data.csrf_token;
  const set = await member.json('/console/api/password', {
    method: 'POST',
    body: { token: linkToken(invite.data.link), password },
  });
  expect(set.status).toBe(200);
  expect((await member.signIn(email, password)).status).toBe(200);
  return { member, accountId: account.data.id, password };
}

describe('sign-in and sessions', () => {
  it('sets an HttpOnly, SameSite=Lax session cookie; Secure with __Host- over HTTPS', async () => {
    const plain = client();
    expect((await plain.signIn(OPERATOR.email, OPERATOR.password)).status).toBe(200);
    const cookie = plain.lastSetCookie.find((c) => c.startsWith('gt_session='))!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).not.toMatch(/Secure/);

    const https = new ConsoleClient(t.request, { 'X-Forwarded-Proto': 'https' });
    expect((await https.signIn(OPERATOR.email, OPERATOR.password)).status).toBe(200);
    const secure = https.lastSetCookie.find((c) => c.startsWith('__Host-gt_session='))!;
    expect(secure).toMatch(/Secure/);
    expect(secure).toMatch(/HttpOnly/);
    expect(secure).toMatch(/Path=\//);
    expect((await https.json('/console/api/accounts')).status).toBe(200);
  });

  it('rotates the session at sign-in and ends it at sign-out', async () => {
    const c = client();
    expect((await c.signIn(OPERATOR.email, OPERATOR.password)).status).toBe(200);
    const first = c.cookies.get('gt_session')!;
    expect((await c.signIn(OPERATOR.email, OPERATOR.password)).status).toBe(200);
    const second = c.cookies.get('gt_session')!;
    expect(second).not.toBe(first);
    const stale = new ConsoleClient(t.request);
    stale.cookies.set('gt_session', first);
    expect((await stale.request('/console/api/accounts')).status).toBe(401);

    expect((await c.request('/console/api/session', { method: 'DELETE' })).status).toBe(200);
    const after = new ConsoleClient(t.request);
    after.cookies.set('gt_session', second);
    expect((await after.request('/console/api/accounts')).status).toBe(401);
  });

  it('answers a wrong password and an unknown email alike', async () => {
    const c = client();
    const wrong = await c.signIn(OPERATOR.email, 'not the password');
    const unknown = await c.signIn('nobody@example.com', 'not the password');
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect((await errorOf(wrong)).message).toBe((await errorOf(unknown)).message);
  });

  it('throttles sign-in per email: after 5 failures even the right password waits', async () => {
    const { member, password } = await memberOf(0, 'throttled@example.com');
    await member.request('/console/api/session', { method: 'DELETE' });
    const c = client();
    for (let i = 0; i < 5; i++) {
      expect((await c.signIn('throttled@example.com', `wrong ${i}`)).status).toBe(401);
    }
    const refused = await c.signIn('throttled@example.com', password);
    expect(refused.status).toBe(429);
    const error = await errorOf(refused);
    expect(error.code).toBe('rate_limit_exceeded');
    expect(error.retry_after).toBeGreaterThan(0);
    // An unknown email is throttled the same way: the answer does not tell who exists.
    for (let i = 0; i < 5; i++) await c.signIn('ghost@example.com', `wrong ${i}`);
    expect((await c.signIn('ghost@example.com', 'wrong')).status).toBe(429);
    const audit = await operator.json<{ entries: Array<{ action: string; actor: string }> }>(
      '/console/api/audit?action=sign_in_failed',
    );
    expect(audit.data.entries.some((e) => e.actor === 'throttled@example.com')).toBe(true);
  });
});

describe('sign-in throttling per address', () => {
  it('refuses an address after 20 failures, whichever emails it tries', async () => {
    const other = await createTestApp();
    try {
      await createOperator(other);
      const c = new ConsoleClient(other.request);
      for (let i = 0; i < 20; i++) {
        expect((await c.signIn(`guess${i}@example.com`, 'wrong password')).status).toBe(401);
      }
      // Even the operator's right password, from this address (all in-process requests share one).
      expect((await c.signIn(OPERATOR.email, OPERATOR.password)).status).toBe(429);
    } finally {
      await other.close();
    }
  });
});

describe('CSRF', () => {
  it('refuses a change without the token, with a wrong one, or from another origin', async () => {
    const body = { name: 'CSRF test' };
    const none = await operator.request('/console/api/accounts', {
      method: 'POST',
      body,
      csrf: false,
    });
    expect(none.status).toBe(403);
    expect((await errorOf(none)).code).toBe('forbidden');
    const wrong = await operator.request('/console/api/accounts', {
      method: 'POST',
      body,
      csrf: false,
      headers: { 'X-CSRF-Token': 'x'.repeat(43) },
    });
    expect(wrong.status).toBe(403);
    const foreign = await operator.request('/console/api/accounts', {
      method: 'POST',
      body,
      headers: { Origin: 'https://evil.example' },
    });
    expect(foreign.status).toBe(403);
    const ok = await operator.request('/console/api/accounts', {
      method: 'POST',
      body,
      headers: { Origin: 'http://goodtake.test' },
    });
    expect(ok.status).toBe(201);
  });

  it('refuses a sign-in without the pre-session token', async () => {
    const res = await t.request('/console/api/session', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(OPERATOR),
    });
    expect(res.status).toBe(403);
  });
});

describe('roles and accounts', () => {
  it('keeps a member to their own account: other accounts are 404, operator calls 403', async () => {
    const a = await memberOf(100, 'alice@example.com');
    const b = await memberOf(100, 'bob@example.com');
    expect((await a.member.request(`/console/api/accounts/${a.accountId}`)).status).toBe(200);
    for (const path of ['', '/ledger', '/keys', '/usage', '/usage.csv', '/generations']) {
      const res = await a.member.request(`/console/api/accounts/${b.accountId}${path}`);
      expect(res.status, path).toBe(404);
    }
    const bKey = await b.member.json<{ id: string; key: string }>(
      `/console/api/accounts/${b.accountId}/keys`,
      { method: 'POST', body: { name: 'B key' } },
    );
    // Revoking another account's key through one's own account: 404, and the key still works.
    expect(
      (
        await a.member.request(`/console/api/accounts/${a.accountId}/keys/${bKey.data.id}`, {
          method: 'DELETE',
        })
      ).status,
    ).toBe(404);
    expect(
      (
        await a.member.request(`/console/api/accounts/${b.accountId}/keys/${bKey.data.id}`, {
          method: 'DELETE',
        })
      ).status,
    ).toBe(404);
    expect(
      (
        await t.request('/api/v1/account', {
          headers: { Authorization: `Bearer ${bKey.data.key}` },
        })
      ).status,
    ).toBe(200);
    const bGen = await b.member.json<{ data: { id: string } }>(
      `/console/api/accounts/${b.accountId}/generations`,
      { method: 'POST', body: { prompt: 'Bob’s picture', size: '1K' } },
    );
    expect(bGen.status).toBe(200);
    // A member sees the upstream tries of their own generation, but not what they cost the
    // operator; the operator's request log shows the estimate.
    const bGenId = (bGen.body.data as { id: string }).id;
    type Tries = { attempts: Array<Record<string, unknown>> };
    const own = await b.member.json<Tries>(
      `/console/api/accounts/${b.accountId}/generations/${bGenId}`,
    );
    expect(own.data.attempts.length).toBeGreaterThan(0);
    expect(own.data.attempts.some((x) => 'estimated_cost_usd' in x)).toBe(false);
    const ops = await operator.json<Tries>(`/console/api/requests/${bGenId}`);
    expect(ops.data.attempts.every((x) => typeof x.estimated_cost_usd === 'number')).toBe(true);
    expect(
      (
        await a.member.request(
          `/console/api/accounts/${a.accountId}/generations/${bGen.body.data && (bGen.body.data as { id: string }).id}`,
        )
      ).status,
    ).toBe(404);
    for (const [method, path] of [
      ['GET', '/console/api/accounts'],
      ['POST', '/console/api/accounts'],
      ['GET', '/console/api/keys'],
      ['GET', '/console/api/users'],
      ['POST', '/console/api/users'],
      ['GET', '/console/api/requests'],
      ['GET', '/console/api/health'],
      ['POST', '/console/api/health/verify'],
      ['GET', '/console/api/audit'],
      ['POST', `/console/api/accounts/${a.accountId}/credits`],
      ['POST', `/console/api/accounts/${a.accountId}/suspend`],
    ] as const) {
      const res = await a.member.request(path, {
        method,
        ...(method === 'POST' ? { body: {} } : {}),
      });
      expect(res.status, `${method} ${path}`).toBe(403);
    }
    // Without a session: 401 everywhere.
    expect((await t.request(`/console/api/accounts/${a.accountId}`)).status).toBe(401);
    expect((await t.request('/console/api/requests')).status).toBe(401);
  });

  it('runs a member’s whole job: key, generation, gallery, balance, ledger, usage, revoke', async () => {
    const { member, accountId } = await memberOf(100, 'carol@example.com');
    const created = await member.json<{ key: string; id: string; prefix: string; name: string }>(
      `/console/api/accounts/${accountId}/keys`,
      { method: 'POST', body: { name: 'Production App' } },
    );
    expect(created.status).toBe(201);
    expect(created.data.key).toMatch(/^gt_/);
    const listed = await member.json<{ keys: Array<Record<string, unknown>> }>(
      `/console/api/accounts/${accountId}/keys`,
    );
    expect(JSON.stringify(listed.body)).not.toContain(created.data.key);
    expect(listed.data.keys[0]).toMatchObject({
      name: 'Production App',
      prefix: created.data.prefix,
    });

    const generated = await t.request(ENDPOINT, {
      method: 'POST',
      headers: { Authorization: `Bearer ${created.data.key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ prompt: 'A red bicycle', size: '1K' }),
    });
    expect(generated.status).toBe(200);
    const { data } = (await generated.json()) as { data: { id: string; credits_used: number } };

    const gallery = await member.json<{
      generations: Array<{ id: string; prompt: string; images: Array<{ url: string }> }>;
    }>(`/console/api/accounts/${accountId}/generations`);
    expect(gallery.data.generations[0]).toMatchObject({ id: data.id, prompt: 'A red bicycle' });
    const image = await t.request(new URL(gallery.data.generations[0]!.images[0]!.url).pathname);
    expect(image.status).toBe(200);

    const account = await member.json<{ balance: number }>(`/console/api/accounts/${accountId}`);
    expect(account.data.balance).toBe(100 - data.credits_used);
    const ledger = await member.json<{
      entries: Array<{ kind: string; generation_id: string | null }>;
    }>(`/console/api/accounts/${accountId}/ledger`);
    expect(ledger.data.entries.find((e) => e.kind === 'capture')?.generation_id).toBe(data.id);

    const played = await member.json<{ images: unknown[]; credits_used: number }>(
      `/console/api/accounts/${accountId}/generations`,
      { method: 'POST', body: { prompt: 'A playground fox', size: '1K', number_of_images: 2 } },
    );
    expect(played.status).toBe(200);
    expect(played.data.images).toHaveLength(2);

    const usage = await member.json<{
      totals: { images: number; credits: number };
      days: Array<{ key_name: string }>;
    }>(`/console/api/accounts/${accountId}/usage`);
    expect(usage.data.totals.images).toBe(3);
    expect(usage.data.totals.credits).toBe(data.credits_used + played.data.credits_used);
    expect(usage.data.days.map((d) => d.key_name).sort()).toEqual([
      'Console playground',
      'Production App',
    ]);
    const byKey = await member.json<{ totals: { images: number } }>(
      `/console/api/accounts/${accountId}/usage?key=${created.data.id}`,
    );
    expect(byKey.data.totals.images).toBe(1);
    const csv = await member.request(`/console/api/accounts/${accountId}/usage.csv`);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await csv.text()).trim().split('\r\n');
    expect(lines[0]).toBe('day,model,key_id,key_name,requests,images,credits');
    expect(lines).toHaveLength(3);

    const revoked = await member.request(
      `/console/api/accounts/${accountId}/keys/${created.data.id}`,
      {
        method: 'DELETE',
      },
    );
    expect(revoked.status).toBe(200);
    const after = await t.request(ENDPOINT, {
      method: 'POST',
      headers: { Authorization: `Bearer ${created.data.key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ prompt: 'A red bicycle', size: '1K' }),
    });
    expect(after.status).toBe(401);
  });
});

describe('operator', () => {
  it('grants and corrects credits with a reason, suspends and resumes, and audits it all', async () => {
    const { accountId } = await memberOf(10, 'dave@example.com');
    const noReason = await operator.json(`/console/api/accounts/${accountId}/credits`, {
      method: 'POST',
      body: { kind: 'grant', amount: 5 },
    });
    expect(noReason.status).toBe(400);
    expect((noReason.body.error as { field: string }).field).toBe('reason');
    const granted = await operator.json<{ balance: number }>(
      `/console/api/accounts/${accountId}/credits`,
      {
        method: 'POST',
        body: { kind: 'grant', amount: 50, reason: 'invoice 12 paid' },
      },
    );
    expect(granted.data.balance).toBe(60);
    const corrected = await operator.json<{ balance: number }>(
      `/console/api/accounts/${accountId}/credits`,
      {
        method: 'POST',
        body: { kind: 'correction', amount: -15, reason: 'double grant' },
      },
    );
    expect(corrected.data.balance).toBe(45);
    const tooMuch = await operator.json(`/console/api/accounts/${accountId}/credits`, {
      method: 'POST',
      body: { kind: 'correction', amount: -1000, reason: 'too much' },
    });
    expect(tooMuch.status).toBe(400);

    const key = await operator.json<{ key: string }>(`/console/api/accounts/${accountId}/keys`, {
      method: 'POST',
      body: { name: 'ops key', requests_per_minute: 5 },
    });
    const call = () =>
      t.request('/api/v1/account', { headers: { Authorization: `Bearer ${key.data.key}` } });
    expect((await call()).status).toBe(200);
    await operator.request(`/console/api/accounts/${accountId}/suspend`, { method: 'POST' });
    expect((await call()).status).toBe(401);
    await operator.request(`/console/api/accounts/${accountId}/resume`, { method: 'POST' });
    expect((await call()).status).toBe(200);

    const audit = await operator.json<{
      entries: Array<{ action: string; detail: string; actor: string }>;
    }>(`/console/api/audit?account=${accountId}`);
    const actions = audit.data.entries.map((e) => e.action);
    for (const a of [
      'account_created',
      'member_invited',
      'credits_granted',
      'credits_corrected',
      'key_created',
      'account_suspended',
      'account_resumed',
    ]) {
      expect(actions, a).toContain(a);
    }
    expect(audit.data.entries.find((e) => e.action === 'credits_granted')).toMatchObject({
      actor: OPERATOR.email,
      detail: '+50: invoice 12 paid',
    });
    const found = await operator.json<{ accounts: Array<{ id: string }> }>(
      `/console/api/accounts?q=${encodeURIComponent('dave@')}`,
    );
    expect(found.data.accounts.map((a) => a.id)).toEqual([accountId]);
  });

  it('reads the request log with filters and details, health and the ledger check', async () => {
    await t.generate({ prompt: 'A failing one [[offline:fail]]', size: '1K' });
    await t.generate({ prompt: 'A fine one', size: '1K' });
    const all = await operator.json<{ requests: Array<{ id: string; status: string }> }>(
      `/console/api/requests?account=${t.accountId}`,
    );
    expect(all.data.requests.length).toBeGreaterThanOrEqual(1);
    const ok = await operator.json<{ requests: Array<{ id: string; status: string }> }>(
      `/console/api/requests?status=succeeded&model=seedream-4-5-251128`,
    );
    expect(ok.data.requests.every((r) => r.status === 'succeeded')).toBe(true);
    const detail = await operator.json<{
      ledger: Array<{ kind: string }>;
      duration_ms: number;
      attempts: Array<Record<string, unknown>>;
      images: Array<Record<string, unknown>>;
    }>(`/console/api/requests/${ok.data.requests[0]!.id}`);
    expect(detail.data.ledger.map((e) => e.kind)).toContain('capture');
    // The upstream attempt behind the image, and what the stored file says about its making.
    expect(detail.data.attempts).toEqual([
      expect.objectContaining({ index: 0, provider: 'offline', outcome: 'ok' }),
    ]);
    expect(detail.data.images[0]).toMatchObject({
      content_credentials: true,
      xmp_metadata: true,
      digital_source_type: 'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia',
    });
    expect((await operator.request('/console/api/requests?status=nonsense')).status).toBe(400);
    expect((await operator.request('/console/api/requests/gen_nothing')).status).toBe(404);

    const health = await operator.json<{
      providers: Array<{ id: string }>;
      config: Record<string, string>;
    }>('/console/api/health');
    expect(health.data.providers.map((p) => p.id)).toContain('offline');
    expect(health.data.config['metrics.token']).toBe('****');
    expect(JSON.stringify(health.data)).not.toContain('scrape-token-0123456789');
    const verify = await operator.json<{ ok: boolean }>('/console/api/health/verify', {
      method: 'POST',
    });
    expect(verify.data.ok).toBe(true);
  });

  it('removes a member (their session ends) and resets a password by one-time link', async () => {
    const { member, accountId } = await memberOf(0, 'erin@example.com');
    const users = await operator.json<{ users: Array<{ id: string; email: string }> }>(
      `/console/api/users?account=${accountId}`,
    );
    const erin = users.data.users.find((u) => u.email === 'erin@example.com')!;
    const reset = await operator.json<{ link: string }>(`/console/api/users/${erin.id}/reset`, {
      method: 'POST',
    });
    expect((await member.request(`/console/api/accounts/${accountId}`)).status).toBe(401);
    const c = client();
    const who = await c.json<{ csrf_token: string }>('/console/api/session');
    c.csrf = who.data.csrf_token;
    const token = linkToken(reset.data.link);
    expect(
      (
        await c.request('/console/api/password', {
          method: 'POST',
          body: { token, password: 'short' },
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await c.request('/console/api/password', {
          method: 'POST',
          body: { token, password: 'a new long password' },
        })
      ).status,
    ).toBe(200);
    // One time only.
    expect(
      (
        await c.request('/console/api/password', {
          method: 'POST',
          body: { token, password: 'another long password' },
        })
      ).status,
    ).toBe(404);
    expect((await c.signIn('erin@example.com', 'a new long password')).status).toBe(200);
    expect(
      (await operator.request(`/console/api/users/${erin.id}`, { method: 'DELETE' })).status,
    ).toBe(200);
    expect((await c.request(`/console/api/accounts/${accountId}`)).status).toBe(401);
  });

  it('accepts every request example the OpenAPI document shows', async () => {
    const { accountId } = await memberOf(100, 'examples@example.com');
    const docAccount = 'acc_mfk2x1a0000Ab3dE5fG7h';
    for (const { method, path, body } of CONSOLE_REQUEST_EXAMPLES) {
      if (path === '/console/api/session' || path === '/console/api/password') continue;
      let sent = body;
      if (path === '/console/api/users')
        sent = { ...body, email: 'example-invite@example.com', account_id: accountId };
      const res = await operator.request(path.replace('{accountId}', accountId), {
        method,
        body: sent,
      });
      expect(res.status, `${method} ${path}: ${await res.clone().text()}`).toBeLessThan(300);
      expect(JSON.stringify(sent)).not.toContain(docAccount);
    }
    // The sign-in example is well-formed (a 401 for the unknown person, not a 400).
    const signIn = CONSOLE_REQUEST_EXAMPLES.find((e) => e.path === '/console/api/session')!;
    const c = client();
    c.csrf = (await c.json<{ csrf_token: string }>('/console/api/session')).data.csrf_token;
    expect(
      (await c.request('/console/api/session', { method: 'POST', body: signIn.body })).status,
    ).toBe(401);
    const password = CONSOLE_REQUEST_EXAMPLES.find((e) => e.path === '/console/api/password')!;
    expect(
      (await c.request('/console/api/password', { method: 'POST', body: password.body })).status,
    ).toBe(404);
  });
});

describe('the pages', () => {
  it('serves the built console at /console/, with / leading there, under a strict CSP', async () => {
    const root = await t.request('/', { redirect: 'manual' });
    expect(root.status).toBe(302);
    expect(root.headers.get('location')).toBe('/console/');
    const page = await t.request('/console/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await t.request(script!);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    const plain = await asset.arrayBuffer();
    const gzipped = await t.request(script!, { headers: { 'Accept-Encoding': 'gzip, br' } });
    expect(gzipped.headers.get('content-encoding')).toBe('gzip');
    const { gunzipSync } = await import('node:zlib');
    const bytes = gunzipSync(Buffer.from(await gzipped.arrayBuffer()));
    expect(bytes.equals(Buffer.from(plain))).toBe(true);
    expect(bytes.length).toBeGreaterThan(2 * (Number(gzipped.headers.get('content-length')) || 0));
    expect((await t.request('/console/assets/nothing.js')).status).toBe(404);
  });
});

describe('/metrics', () => {
  it('answers the scrape token and an operator session, never an anonymous caller', async () => {
    expect((await t.request('/metrics')).status).toBe(401);
    expect(
      (await t.request('/metrics', { headers: { Authorization: 'Bearer wrong-token-0123456789' } }))
        .status,
    ).toBe(401);
    const scraped = await t.request('/metrics', {
      headers: { Authorization: 'Bearer scrape-token-0123456789' },
    });
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('goodtake_');
    expect((await operator.request('/metrics')).status).toBe(200);
    const { member } = await memberOf(0, 'metrics-member@example.com');
    expect((await member.request('/metrics')).status).toBe(401);
  });
});
