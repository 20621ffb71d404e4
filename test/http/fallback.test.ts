import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeFal } from '../../src/providers/fal/fake/server.ts';
import type { FakeFal } from '../../src/providers/fal/fake/types.ts';
import { startFakeModelArk } from '../../src/providers/modelark/fake/server.ts';
import type { FakeModelArk } from '../../src/providers/modelark/fake/types.ts';
import { createTestApp, errorOf, type TestApp } from '../helpers/harness.ts';
import { cli } from '../helpers/processes.ts';

// The fallback matrix through HTTP, on the real fakes of ModelArk (first route) and fal.ai
// (second): unavailability falls back, answers do not; an open circuit stops calls to the dead
// route and a probe after the cool-down closes it again. Three replicas on one Redis share a
// circuit: test/scale-out/circuit.test.ts.

let ark: FakeModelArk;
let fal: FakeFal;
beforeAll(async () => {
  ark = await startFakeModelArk({ latencyMs: 0 });
  fal = await startFakeFal({});
});
afterAll(async () => {
  await Promise.all([ark.close(), fal.close()]);
});
beforeEach(() => {
  ark.reset();
  fal.reset();
  ark.configure({ failureRate: 0 });
  fal.configure({ failureRate: 0 });
});

const PRICE = 4;
// Long enough that the request after a probe's failure (served by fal.ai) ends within it.
const COOLDOWN_MS = 4000;
const METRICS_TOKEN = 'fallback-metrics-token-0123456789';

function upstreamEnv(circuit: { failures?: number; cooldownMs?: number } = {}) {
  return {
    ARK_API_KEY: ark.apiKey,
    ARK_BASE_URL: ark.url,
    ARK_MAX_RETRIES: '0',
    FAL_KEY: fal.apiKey,
    FAL_BASE_URL: fal.url,
    FAL_MAX_RETRIES: '0',
    FAL_POLL_INTERVAL_MS: '5',
    GOODTAKE_CIRCUIT_FAILURES: String(circuit.failures ?? 100),
    GOODTAKE_CIRCUIT_COOLDOWN_MS: String(circuit.cooldownMs ?? 60_000),
    GOODTAKE_METRICS_TOKEN: METRICS_TOKEN,
    // The operator's choice to show callers what each upstream try cost (off by default).
    GOODTAKE_SHOW_UPSTREAM_COSTS: 'true',
  };
}

interface GenerationRow {
  credits_charged: number;
  status: string;
  attempts: Array<{
    index: number;
    provider: string;
    upstream_model: string;
    outcome: string;
    latency_ms: number;
    upstream_request_id: string | null;
    estimated_cost_usd: number;
  }>;
}

async function lastGeneration(t: TestApp): Promise<GenerationRow> {
  const res = await t.request('/api/v1/generations?limit=1', {
    headers: { Authorization: `Bearer ${t.key}` },
  });
  return (await res.json()).data.generations[0];
}

async function available(t: TestApp): Promise<number> {
  const res = await t.request('/api/v1/account', { headers: { Authorization: `Bearer ${t.key}` } });
  return (await res.json()).data.available;
}

describe('fallback between routes', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: upstreamEnv(), credits: 100 });
  });
  afterAll(() => t.close());

  it('ModelArk answering 5xx: fal.ai serves and the catalog price is charged once', async () => {
    ark.configure({ failureRate: 1 });
    const res = await t.generate({
      prompt: 'a lighthouse',
      size: '2048x2048',
      number_of_images: 2,
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.data.credits_used).toBe(2 * PRICE);
    expect(await available(t)).toBe(100 - 2 * PRICE);
    expect(ark.generations()).toHaveLength(2);
    expect(fal.submissions()).toHaveLength(2);
    const generation = await lastGeneration(t);
    expect(generation.credits_charged).toBe(2 * PRICE);
    const byImage = [0, 1].map((i) =>
      generation.attempts.filter((a) => a.index === i).map((a) => `${a.provider}:${a.outcome}`),
    );
    expect(byImage).toEqual([
      ['modelark:unavailable', 'fal:ok'],
      ['modelark:unavailable', 'fal:ok'],
    ]);
    const served = generation.attempts.filter((a) => a.outcome === 'ok');
    expect(served.every((a) => a.upstream_model === 'fal-ai/bytedance/seedream/v4.5')).toBe(true);
    expect(served.every((a) => a.estimated_cost_usd === 0.04)).toBe(true);
    expect(served.every((a) => typeof a.upstream_request_id === 'string')).toBe(true);
    expect(
      generation.attempts
        .filter((a) => a.outcome !== 'ok')
        .every((a) => a.estimated_cost_usd === 0),
    ).toBe(true);
  });

  it('the images of one request may come from different routes, each charged once', async () => {
    const before = await available(t);
    // ModelArk fails the first image it is asked for (and only that one).
    const res = await t.generate({
      prompt: 'a harbour [[fake:status=500,code=InternalServiceError,times=1]]',
      number_of_images: 2,
    });
    expect(res.status).toBe(200);
    expect((await res.json()).data.credits_used).toBe(2 * PRICE);
    expect(await available(t)).toBe(before - 2 * PRICE);
    const served = (await lastGeneration(t)).attempts
      .filter((a) => a.outcome === 'ok')
      .map((a) => a.provider)
      .sort();
    expect(served).toEqual(['fal', 'modelark']);
  });

  it('ModelArk refusing for content policy: 400, and no other route is called', async () => {
    const before = await available(t);
    const res = await t.generate({ prompt: 'refused [[fake:input_text_sensitive]]' });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).code).toBe('content_policy_violation');
    expect(ark.generations()).toHaveLength(1);
    expect(fal.submissions()).toHaveLength(0);
    expect(await available(t)).toBe(before);
    const generation = await lastGeneration(t);
    expect(generation.attempts.map((a) => `${a.provider}:${a.outcome}`)).toEqual([
      'modelark:content_policy',
    ]);
  });

  it('every route down: 502 and nothing charged', async () => {
    ark.configure({ failureRate: 1 });
    fal.configure({ failureRate: 1 });
    const before = await available(t);
    const res = await t.generate({ prompt: 'a lighthouse', number_of_images: 2 });
    expect(res.status).toBe(502);
    expect((await errorOf(res)).code).toBe('upstream_error');
    expect(await available(t)).toBe(before);
    const generation = await lastGeneration(t);
    expect(generation).toMatchObject({ status: 'failed', credits_charged: 0 });
    expect(generation.attempts).toHaveLength(4);
    expect(generation.attempts.every((a) => a.estimated_cost_usd === 0)).toBe(true);
  });

  it('`goodtake usage --by provider` totals attempts, images, credits and estimated cost', async () => {
    const run = await cli(['usage', '--by', 'provider', '--json'], {
      GOODTAKE_DATA_DIR: t.dataDir,
      DATABASE_URL: t.config.databaseUrl,
      GOODTAKE_KEY_SECRET: t.config.keySecret ?? '',
    });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual([
      {
        provider: 'fal',
        attempts: 5,
        images_delivered: 3,
        failed_attempts: 2,
        credits_charged: 3 * PRICE,
        estimated_cost_usd: 0.12,
      },
      {
        provider: 'modelark',
        attempts: 7,
        images_delivered: 1,
        failed_attempts: 6,
        credits_charged: PRICE,
        estimated_cost_usd: 0.04,
      },
    ]);
    const text = await cli(['usage', '--by', 'provider'], {
      GOODTAKE_DATA_DIR: t.dataDir,
      DATABASE_URL: t.config.databaseUrl,
      GOODTAKE_KEY_SECRET: t.config.keySecret ?? '',
    });
    expect(text.stdout.split('\n')[0]).toMatch(
      /^provider\s+attempts\s+delivered\s+failed\s+credits\s+est_cost_usd$/,
    );
    expect(text.stdout).toMatch(/^fal\s+5\s+3\s+2\s+12\s+0\.12$/m);
  });

  it('the metrics count attempts by provider and outcome', async () => {
    const text = await (
      await t.request('/metrics', { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } })
    ).text();
    expect(text).toMatch(
      /goodtake_upstream_attempts_total\{provider="modelark",outcome="unavailable"\} [1-9]/,
    );
    expect(text).toMatch(/goodtake_upstream_attempts_total\{provider="fal",outcome="ok"\} [1-9]/);
    expect(text).toContain(
      'goodtake_circuit_state{provider="modelark",route="modelark/seedream-4-5-251128"}',
    );
  });
});

describe('the circuit of a route', () => {
  let t: TestApp;
  afterEach(() => t.close());

  it('opens after consecutive failures and stops calls to the dead route', async () => {
    t = await createTestApp({ env: upstreamEnv({ failures: 3, cooldownMs: 60_000 }) });
    ark.configure({ failureRate: 1 });
    for (let i = 0; i < 3; i++) {
      expect((await t.generate({ prompt: `a lighthouse ${i}` })).status).toBe(200);
    }
    expect(ark.generations()).toHaveLength(3);
    for (let i = 0; i < 5; i++) {
      expect((await t.generate({ prompt: `a harbour ${i}` })).status).toBe(200);
    }
    // Counted on the fake: the open circuit sent nothing more to ModelArk.
    expect(ark.generations()).toHaveLength(3);
    expect(fal.submissions()).toHaveLength(8);
    const generation = await lastGeneration(t);
    expect(generation.attempts.map((a) => `${a.provider}:${a.outcome}`)).toEqual([
      'modelark:circuit_open',
      'fal:ok',
    ]);
    const models = await (
      await t.request('/api/v1/models', { headers: { Authorization: `Bearer ${t.key}` } })
    ).json();
    // fal.ai still serves, so the model is available.
    expect(models.data.models[0].available).toBe(true);
  });

  it('lets one probe through after the cool-down and closes when it succeeds', async () => {
    t = await createTestApp({ env: upstreamEnv({ failures: 2, cooldownMs: COOLDOWN_MS }) });
    ark.configure({ failureRate: 1 });
    for (let i = 0; i < 3; i++) await t.generate({ prompt: `a lighthouse ${i}` });
    expect(ark.generations()).toHaveLength(2);
    await new Promise((r) => setTimeout(r, COOLDOWN_MS + 100));
    // Half-open, the probe fails: open again for another cool-down.
    await t.generate({ prompt: 'probe one' });
    expect(ark.generations()).toHaveLength(3);
    await t.generate({ prompt: 'while open' });
    expect(ark.generations()).toHaveLength(3);
    // ModelArk recovers; after the cool-down the probe succeeds and the circuit closes.
    ark.configure({ failureRate: 0 });
    await new Promise((r) => setTimeout(r, COOLDOWN_MS + 100));
    const probe = await t.generate({ prompt: 'probe two' });
    expect(probe.status).toBe(200);
    expect(ark.generations()).toHaveLength(4);
    expect((await lastGeneration(t)).attempts.map((a) => `${a.provider}:${a.outcome}`)).toEqual([
      'modelark:ok',
    ]);
    const falBefore = fal.submissions().length;
    for (let i = 0; i < 3; i++) await t.generate({ prompt: `closed ${i}` });
    expect(ark.generations()).toHaveLength(7);
    expect(fal.submissions()).toHaveLength(falBefore);
  });

  it('with every circuit open, the model is listed unavailable and a request gets 502 free', async () => {
    t = await createTestApp({ env: upstreamEnv({ failures: 1, cooldownMs: 60_000 }), credits: 50 });
    ark.configure({ failureRate: 1 });
    fal.configure({ failureRate: 1 });
    expect((await t.generate({ prompt: 'both fail' })).status).toBe(502);
    const calls = ark.generations().length + fal.submissions().length;
    const res = await t.generate({ prompt: 'nothing is called' });
    expect(res.status).toBe(502);
    expect(ark.generations().length + fal.submissions().length).toBe(calls);
    expect(await available(t)).toBe(50);
    const models = await (
      await t.request('/api/v1/models', { headers: { Authorization: `Bearer ${t.key}` } })
    ).json();
    expect(models.data.models[0]).toMatchObject({ id: 'seedream-4-5-251128', available: false });
  });
});
