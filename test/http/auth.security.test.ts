import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Application, composeApplication } from '../../src/compose.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { expectAuthRequired, refusedAuthAttempts, unknownWellFormedKey } from '../helpers/auth.ts';
import { BASE, createTestApp, ENDPOINT, type TestApp } from '../helpers/harness.ts';

describe('authentication of POST /api/v1/bytedance/generate-image', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('refuses every missing, malformed, unknown, revoked or expired key with one identical 401', async () => {
    // An invalid body: authentication must refuse before the body is even looked at, and the
    // valid-key control gets the body's 400 without generating anything.
    await expectAuthRequired(t, { method: 'POST', path: ENDPOINT, body: '{}' });
    const balance = await t.application.core.ledger.balance(t.accountId);
    expect(balance).toMatchObject({ balance: 1000, reserved: 0 });
  });

  it('refuses before looking at the content type, the JSON or the body size', async () => {
    for (const init of [
      { headers: { 'Content-Type': 'text/plain' }, body: 'hello' },
      { headers: { 'Content-Type': 'application/json' }, body: '{"prompt":' },
      { headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ nope: 1 }) },
    ]) {
      const res = await t.request(ENDPOINT, { method: 'POST', ...init });
      expect(res.status).toBe(401);
    }
  });
});

describe('API keys never reach the logs', () => {
  let application: Application;
  let dataDir: string;
  const lines: string[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'goodtake-authlog-'));
    const config = loadConfig({
      GOODTAKE_DATA_DIR: dataDir,
      LOG_LEVEL: 'debug',
      GOODTAKE_RATE_LIMIT_RPM: '0',
      GOODTAKE_RATE_LIMIT_CONCURRENCY: '0',
    });
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    application = await composeApplication(config, createLogger('debug', sink), {});
  });
  afterAll(async () => {
    await application.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('logs requests with valid and refused keys, in both headers, without any key material', async () => {
    const { core } = application;
    const account = await core.accounts.create({ name: 'log test', credits: 1000 });
    const valid = await core.keys.create({ accountId: account.id, name: 'log key' });
    // The same attempts the 401 helper uses, against this app's own account and key.
    const attempts = await refusedAuthAttempts({
      application,
      accountId: account.id,
      key: valid.key,
    });

    const small = { prompt: 'a lantern', model: 'seedream-4-0-250828', size: '1K' };
    const bodies = [
      JSON.stringify(small),
      JSON.stringify({ ...small, prompt: 'a lantern [[offline:content_policy]]' }),
      JSON.stringify({ ...small, number_of_images: 2, prompt: 'x [[offline:fail-index=0]]' }),
      JSON.stringify({ ...small, image_urls: ['http://127.0.0.1:1/x.png'] }),
      JSON.stringify({ ...small, size: 'huge' }),
      '{"prompt":',
    ];
    const sent: string[] = [];
    const post = async (headers: Record<string, string>, body: string, query = '') => {
      sent.push(...Object.values(headers));
      const res = await application.app.request(`${BASE}${ENDPOINT}${query}`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...headers },
        body,
      });
      await res.arrayBuffer();
      return res.status;
    };

    const statuses: number[] = [];
    for (const body of bodies) {
      statuses.push(await post({ Authorization: `Bearer ${valid.key}` }, body));
      statuses.push(await post({ 'X-API-Key': valid.key }, body));
    }
    for (const attempt of attempts) statuses.push(await post(attempt.headers, bodies[0]!));
    // A key pasted into the query string by mistake is not logged either.
    statuses.push(await post({}, bodies[0]!, `?api_key=${valid.key}`));
    statuses.push(await post({}, bodies[0]!, `?key=${unknownWellFormedKey(99)}`));
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(4);
    expect(statuses.filter((s) => s === 401).length).toBe(attempts.length + 2);

    await new Promise((resolve) => setImmediate(resolve));
    const log = lines.join('');
    // The sink really is the app's logger: one line per request, with its ids.
    expect(lines.length).toBeGreaterThanOrEqual(statuses.length);
    expect(log).toContain(`"keyId":"${valid.id}"`);
    expect(log).toContain('"status":401');

    expect(log).not.toContain('gt_');
    expect(log).not.toContain(valid.key.slice(3, 19));
    expect(log.toLowerCase()).not.toContain('bearer');
    expect(log.toLowerCase()).not.toContain('x-api-key');
    expect(log.toLowerCase()).not.toContain('"authorization"');
    for (const value of new Set(sent)) {
      const token = value.replace(/^\S+\s+/, '').trim();
      if (token.length >= 8) expect(log).not.toContain(token);
    }
  });
});
