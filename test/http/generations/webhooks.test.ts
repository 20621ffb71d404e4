import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, errorOf, type TestApp } from '../../helpers/harness.ts';
import { listenLoopback } from '../../helpers/listen.ts';
import { cli } from '../../helpers/processes.ts';
import { auth, submit, waitFor } from './helpers.ts';

// Webhooks through HTTP, to a receiver on loopback, checked with the Standard Webhooks
// reference library (`standardwebhooks` from npm), not goodtake's own code. The app's clock is
// controllable: retries are made due by moving it, not by waiting.

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A local receiver answering each request with the next status of `script` (then the last). */
async function receiver(script: Array<number | 'hang' | { redirect: string }>) {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString() });
      const step = script[Math.min(received.length - 1, script.length - 1)]!;
      if (step === 'hang') return; // never answers
      if (typeof step === 'object') {
        res.writeHead(307, { Location: step.redirect }).end();
        return;
      }
      res.writeHead(step).end('ok');
    });
  });
  const { url, close } = await listenLoopback(server);
  return { url: `${url}/hook`, received, close };
}

let clock = Date.now();
const now = () => clock;
let t: TestApp;
const closers: Array<() => Promise<void>> = [];

beforeAll(async () => {
  t = await createTestApp({
    now,
    env: {
      GOODTAKE_FETCH_ALLOW: '127.0.0.1',
      GOODTAKE_WEBHOOK_TIMEOUT_MS: '300',
      GOODTAKE_JOB_POLL_MS: '50',
    },
  });
});
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});
afterAll(() => t.close());

async function secret(key = t.key): Promise<string> {
  const res = await t.request('/api/v1/webhooks/secret', { headers: auth(key) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: { secret: string } }).data.secret;
}

interface Delivery {
  id: string;
  event_id: string;
  event_type: string;
  status: string;
  attempts: Array<{
    attempt: number;
    at: string;
    status_code: number | null;
    error: string | null;
  }>;
  next_attempt_at: string | null;
  created_at: string;
}

async function deliveriesOf(id: string): Promise<Delivery[]> {
  const res = await t.request(`/api/v1/webhooks/deliveries?generation_id=${id}`, {
    headers: auth(t.key),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: { deliveries: Delivery[] } }).data.deliveries;
}

/** Waits (bounded) until `check` holds of the generation's deliveries. */
async function until(id: string, check: (d: Delivery[]) => boolean): Promise<Delivery[]> {
  const end = Date.now() + 30_000;
  for (;;) {
    const d = await deliveriesOf(id);
    if (check(d)) return d;
    if (Date.now() > end) throw new Error(`deliveries: ${JSON.stringify(d)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const attempts = (d: Delivery[]) => d.reduce((n, x) => n + x.attempts.length, 0);

it('delivers completed, signed as Standard Webhooks, verified by the reference library', async () => {
  const hook = await receiver([200]);
  closers.push(hook.close);
  const whsec = await secret();
  expect(whsec).toMatch(/^whsec_/);
  const { id } = await submit(t, { prompt: 'Signed', webhook_url: hook.url });
  await waitFor(t, id, ['succeeded']);
  const [delivery] = await until(id, (d) => d[0]?.status === 'delivered');
  expect(hook.received).toHaveLength(1);
  const { headers, body } = hook.received[0]!;
  expect(headers['webhook-id']).toBe(delivery!.event_id);
  expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/=]+$/);
  const verified = new Webhook(whsec).verify(body, headers as Record<string, string>) as {
    type: string;
    data: { generation_id: string; id: string; images: unknown[]; credits_used: number };
  };
  expect(verified.type).toBe('generation.completed');
  expect(verified.data.generation_id).toBe(id);
  expect(verified.data.id).toBe(id);
  expect(verified.data.images).toHaveLength(1);
  // Another secret does not verify it.
  const other = await t.createAccount(10);
  expect(() =>
    new Webhook(
      whsec.replace(/.$/, 'A') === whsec ? whsec.replace(/.$/, 'B') : whsec.replace(/.$/, 'A'),
    ).verify(body, headers as Record<string, string>),
  ).toThrow();
  expect(await secret(other.key)).not.toBe(whsec);
});

it('sends started, image and completed when asked, each with its own webhook-id', async () => {
  const hook = await receiver([200]);
  closers.push(hook.close);
  const { id } = await submit(t, {
    prompt: 'All events',
    number_of_images: 2,
    webhook_url: hook.url,
    webhook_events: ['started', 'image', 'completed'],
  });
  await waitFor(t, id, ['succeeded']);
  const d = await until(id, (x) => x.length === 4 && x.every((y) => y.status === 'delivered'));
  expect(d.map((x) => x.event_type).sort()).toEqual(['completed', 'image', 'image', 'started']);
  const ids = hook.received.map((r) => r.headers['webhook-id']);
  expect(new Set(ids).size).toBe(4);
  const types = hook.received.map((r) => (JSON.parse(r.body) as { type: string }).type);
  expect(types).toContain('generation.image');
});

it('retries a 500 with growing, jittered delays, with one webhook-id, until a 2xx', async () => {
  const hook = await receiver([500, 500, 204]);
  closers.push(hook.close);
  const whsec = await secret();
  const { id } = await submit(t, { prompt: 'Retried', webhook_url: hook.url });
  await waitFor(t, id, ['succeeded']);
  let d = await until(id, (x) => attempts(x) === 1);
  expect(d[0]!.status).toBe('pending');
  expect(d[0]!.attempts[0]!.status_code).toBe(500);
  const firstDelay = Date.parse(d[0]!.next_attempt_at!) - Date.parse(d[0]!.attempts[0]!.at);
  expect(firstDelay).toBeGreaterThanOrEqual(5000);
  expect(firstDelay).toBeLessThanOrEqual(6500);
  // Not due yet: nothing is sent.
  clock += firstDelay - 1;
  await t.application.webhooks.deliverDue();
  expect(hook.received).toHaveLength(1);
  clock += 1;
  await t.application.webhooks.deliverDue();
  d = await until(id, (x) => attempts(x) === 2);
  const secondDelay = Date.parse(d[0]!.next_attempt_at!) - Date.parse(d[0]!.attempts[1]!.at);
  expect(secondDelay).toBeGreaterThanOrEqual(15_000);
  expect(secondDelay).toBeLessThanOrEqual(19_500);
  clock += secondDelay;
  await t.application.webhooks.deliverDue();
  d = await until(id, (x) => x[0]?.status === 'delivered');
  expect(d[0]!.attempts.map((a) => a.status_code)).toEqual([500, 500, 204]);
  expect(new Set(hook.received.map((r) => r.headers['webhook-id'])).size).toBe(1);
  // Each attempt is signed for its own timestamp, over the same body.
  expect(new Set(hook.received.map((r) => r.body)).size).toBe(1);
  const last = hook.received.at(-1)!;
  expect(() =>
    new Webhook(whsec).verify(last.body, last.headers as Record<string, string>),
  ).not.toThrow();
});

it('keeps retrying for at least 24 hours, then gives up; timeouts count as failures', async () => {
  const hook = await receiver(['hang']);
  closers.push(hook.close);
  const { id } = await submit(t, { prompt: 'Never answered', webhook_url: hook.url });
  await waitFor(t, id, ['succeeded']);
  let d = await until(id, (x) => attempts(x) === 1);
  expect(d[0]!.attempts[0]!.error).toMatch(/timeout/);
  const created = Date.parse(d[0]!.created_at);
  for (let i = 0; i < 40 && d[0]!.status === 'pending'; i++) {
    clock = Date.parse(d[0]!.next_attempt_at!);
    const before = attempts(d);
    await t.application.webhooks.deliverDue();
    d = await until(id, (x) => attempts(x) > before);
  }
  expect(d[0]!.status).toBe('failed');
  const times = d[0]!.attempts.map((a) => Date.parse(a.at));
  expect(times.at(-1)! - created).toBeGreaterThanOrEqual(24 * 3600_000);
  // Exponential: each wait at least the one before, up to the 4-hour cap.
  const waits = times.slice(1).map((x, i) => x - times[i]!);
  for (let i = 1; i < waits.length; i++) {
    expect(waits[i]!).toBeGreaterThanOrEqual(Math.min(waits[i - 1]! / 1.3, 4 * 3600_000));
  }
  expect(Math.max(...waits)).toBeLessThanOrEqual(4 * 3600_000 * 1.3 + 1);
  clock = Date.now();
});

it('stops at 410 Gone', async () => {
  const hook = await receiver([410]);
  closers.push(hook.close);
  const { id } = await submit(t, { prompt: 'Gone', webhook_url: hook.url });
  await waitFor(t, id, ['succeeded']);
  const d = await until(id, (x) => x[0]?.status === 'gone');
  expect(d[0]!.next_attempt_at).toBeNull();
  clock += 48 * 3600_000;
  await t.application.webhooks.deliverDue();
  expect(hook.received).toHaveLength(1);
  clock = Date.now();
});

it('signs with both secrets during a rotation; re-sends by API with the same webhook-id', async () => {
  const hook = await receiver([200]);
  closers.push(hook.close);
  const old = await secret();
  const rotated = await t.request('/api/v1/webhooks/secret/rotate', {
    method: 'POST',
    headers: auth(t.key),
  });
  const data = ((await rotated.json()) as { data: { secret: string; previous_secret: string } })
    .data;
  expect(data.previous_secret).toBe(old);
  expect(data.secret).not.toBe(old);
  const { id } = await submit(t, { prompt: 'Rotating', webhook_url: hook.url });
  await waitFor(t, id, ['succeeded']);
  const [delivery] = await until(id, (x) => x[0]?.status === 'delivered');
  const { headers, body } = hook.received[0]!;
  const signatures = String(headers['webhook-signature']).split(' ');
  expect(signatures).toHaveLength(2);
  // Receivers holding either secret accept it.
  for (const s of [old, data.secret]) {
    expect(() => new Webhook(s).verify(body, headers as Record<string, string>)).not.toThrow();
  }

  const resent = await t.request(`/api/v1/webhooks/deliveries/${delivery!.id}/resend`, {
    method: 'POST',
    headers: auth(t.key),
  });
  expect(resent.status).toBe(200);
  await until(id, (x) => x[0]!.attempts.length === 2 && x[0]!.status === 'delivered');
  expect(hook.received).toHaveLength(2);
  expect(hook.received[1]!.headers['webhook-id']).toBe(headers['webhook-id']);
  const other = await t.createAccount(10);
  const foreign = await t.request(`/api/v1/webhooks/deliveries/${delivery!.id}/resend`, {
    method: 'POST',
    headers: auth(other.key),
  });
  expect(foreign.status).toBe(404);
});

it('reads and rotates the secret and re-sends a delivery from the admin CLI', async () => {
  const env = {
    GOODTAKE_DATA_DIR: t.dataDir,
    DATABASE_URL: t.config.databaseUrl,
    ...(t.config.keySecret ? { GOODTAKE_KEY_SECRET: t.config.keySecret } : {}),
  };
  const shown = await cli(['webhooks', 'secret', '--account', t.accountId, '--json'], env);
  expect(shown.code).toBe(0);
  expect(JSON.parse(shown.stdout).secret).toBe(await secret());
  const rotated = await cli(
    ['webhooks', 'secret', '--account', t.accountId, '--rotate', '--json'],
    env,
  );
  const view = JSON.parse(rotated.stdout) as { secret: string; previous_secret: string };
  expect(view.previous_secret).toBe(JSON.parse(shown.stdout).secret);
  expect(await secret()).toBe(view.secret);
  const unknown = await cli(['webhooks', 'secret', '--account', 'acc_nope'], env);
  expect(unknown.code).not.toBe(0);

  const hook = await receiver([200]);
  closers.push(hook.close);
  const { id } = await submit(t, { prompt: 'Re-sent by the operator', webhook_url: hook.url });
  await waitFor(t, id, ['succeeded']);
  const [delivery] = await until(id, (x) => x[0]?.status === 'delivered');
  const listed = await cli(['webhooks', 'deliveries', '--account', t.accountId, '--json'], env);
  expect(JSON.parse(listed.stdout).map((d: { id: string }) => d.id)).toContain(delivery!.id);
  const resent = await cli(['webhooks', 'resend', '--account', t.accountId, delivery!.id], env);
  expect(resent.code).toBe(0);
  // The CLI runs on the real clock: the re-send is due from then.
  clock = Date.now();
  await t.application.webhooks.deliverDue();
  await until(id, (x) => x[0]!.attempts.length === 2);
  expect(hook.received.map((r) => r.headers['webhook-id'])).toEqual([
    delivery!.event_id,
    delivery!.event_id,
  ]);
});

it('checks the address at delivery, redirects included', async () => {
  const hook = await receiver([{ redirect: 'http://10.0.0.7/hook' }]);
  closers.push(hook.close);
  const { id } = await submit(t, { prompt: 'Redirected', webhook_url: hook.url });
  await waitFor(t, id, ['succeeded']);
  const d = await until(id, (x) => attempts(x) === 1);
  expect(d[0]!.status).toBe('pending');
  expect(d[0]!.attempts[0]!.error).toMatch(/internal_address/);
});

describe('webhook_url validation', () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['plain http to a public host', { webhook_url: 'http://hooks.example.com/x' }, 'webhook_url'],
    ['not a URL', { webhook_url: 'hooks' }, 'webhook_url'],
    ['ftp', { webhook_url: 'ftp://hooks.example.com/x' }, 'webhook_url'],
    ['credentials', { webhook_url: 'https://u:p@hooks.example.com/x' }, 'webhook_url'],
    ['an internal literal', { webhook_url: 'https://10.1.2.3/x' }, 'webhook_url'],
    ['a number', { webhook_url: 7 }, 'webhook_url'],
    [
      'an unknown event',
      { webhook_url: 'https://hooks.example.com/x', webhook_events: ['finished'] },
      'webhook_events.0',
    ],
    ['events without a URL', { webhook_events: ['completed'] }, 'webhook_events'],
  ];
  for (const [label, fields, field] of cases) {
    it(`refuses ${label} with a 400 naming ${field}`, async () => {
      const { res, body } = await submit(t, { prompt: 'x', ...fields });
      expect(res.status).toBe(400);
      expect((body.error as { field: string }).field).toBe(field);
    });
  }

  it('names the field in the error body', async () => {
    const res = await t.generate({ prompt: 'x', webhook_url: 'http://hooks.example.com/x' });
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error.code).toBe('invalid_parameters');
    expect(error.field).toBe('webhook_url');
  });
});

it('refuses a name that resolves to an internal address at delivery', async () => {
  const app = await createTestApp({
    now: () => Date.now(),
    resolve: async () => ['127.0.0.1'],
    env: { GOODTAKE_WEBHOOK_TIMEOUT_MS: '300', GOODTAKE_JOB_POLL_MS: '50' },
  });
  try {
    const { id } = await submit(app, {
      prompt: 'Internal',
      webhook_url: 'https://hooks.example.test/x',
    });
    await waitFor(app, id, ['succeeded']);
    for (let i = 0; ; i++) {
      const res = await app.request(`/api/v1/webhooks/deliveries?generation_id=${id}`, {
        headers: auth(app.key),
      });
      const [d] = ((await res.json()) as { data: { deliveries: Delivery[] } }).data.deliveries;
      if (d && d.attempts.length > 0) {
        expect(d.attempts[0]!.error).toMatch(/internal_address/);
        break;
      }
      if (i > 200) throw new Error('no attempt');
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    await app.close();
  }
});
