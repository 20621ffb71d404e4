import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  generationStateSchema,
  submitResponseSchema,
} from '../../../src/contract/generation-status.ts';
import { STATE_EXAMPLES } from '../../../src/http/openapi/generations.ts';
import { createTestApp, ENDPOINT, errorOf, type TestApp } from '../../helpers/harness.ts';
import { scaleOutRequested } from '../../helpers/scale-out.ts';
import { auth, available, balance, getGeneration, readEvents, submit, waitFor } from './helpers.ts';

// Asynchronous generations through HTTP: submit with `Prefer: respond-async`, follow by id and
// by events, cancel in each state. Price of seedream-4-5 is 4 credits per image.

const PRICE = 4;

describe('with workers', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { GOODTAKE_WORKERS: '2', GOODTAKE_JOB_POLL_MS: '50' } });
  });
  afterAll(() => t.close());

  it('answers 202 with Location and links, then succeeds with the seed data object', async () => {
    const before = await balance(t);
    const { res, id, body } = await submit(t, { prompt: 'A lighthouse', number_of_images: 2 });
    expect(res.status).toBe(202);
    expect(id).toMatch(/^gen_/);
    expect(res.headers.get('location')).toBe(`http://goodtake.test/api/v1/generations/${id}`);
    expect(res.headers.get('preference-applied')).toBe('respond-async');
    expect(body).toEqual({
      status: 'queued',
      data: {
        id,
        status_url: `http://goodtake.test/api/v1/generations/${id}`,
        events_url: `http://goodtake.test/api/v1/generations/${id}/events`,
        cancel_url: `http://goodtake.test/api/v1/generations/${id}/cancel`,
      },
    });
    expect(submitResponseSchema.safeParse(body).success).toBe(true);
    const done = await waitFor(t, id, ['succeeded', 'failed']);
    expect(done.status).toBe('succeeded');
    expect(generationStateSchema.safeParse(done).error).toBeUndefined();
    const data = done.data as {
      images: Array<{ url: string; width: number; height: number }>;
      generation_time_ms: number;
      model: string;
      prompt: string;
      id: string;
      credits_used: number;
    };
    expect(Object.keys(data).sort()).toEqual(
      ['credits_used', 'generation_time_ms', 'id', 'images', 'model', 'prompt'].sort(),
    );
    expect(data.images).toHaveLength(2);
    expect(data.model).toBe('seedream-4-5-251128');
    expect(data.prompt).toBe('A lighthouse');
    expect(data.credits_used).toBe(2 * PRICE);
    for (const image of data.images) {
      const img = await t.request(new URL(image.url).pathname);
      expect(img.status).toBe(200);
      expect(img.headers.get('content-type')).toBe('image/jpeg');
    }
    expect(await balance(t)).toBe(before - 2 * PRICE);
    expect(await t.application.core.ledger.verify()).toEqual([]);
  });

  it('sends queued, started, image and completed events; Last-Event-ID resumes', async () => {
    const { id } = await submit(t, { prompt: 'A harbour at dawn', number_of_images: 2 });
    const events = await readEvents(t, id);
    expect(events.map((e) => e.event)).toEqual([
      'queued',
      'started',
      'image',
      'image',
      'completed',
    ]);
    expect(events.map((e) => e.id)).toEqual(['1', '2', '3', '4', '5']);
    expect(events[0]!.data).toMatchObject({ type: 'queued', generation_id: id });
    expect(typeof events[0]!.data.position).toBe('number');
    const images = events.filter((e) => e.event === 'image');
    expect(images.map((e) => e.data.index).sort()).toEqual([0, 1]);
    for (const e of images) {
      expect((e.data.image as { url: string }).url).toMatch(/^http:\/\/goodtake\.test\/images\//);
    }
    const completed = events.at(-1)!.data as { images: unknown[]; credits_used: number };
    expect(completed.images).toHaveLength(2);
    expect(completed.credits_used).toBe(2 * PRICE);

    // A reconnect after event 2 gets 3, 4 and 5, once each.
    const resumed = await readEvents(t, id, { 'Last-Event-ID': '2' });
    expect(resumed.map((e) => e.id)).toEqual(['3', '4', '5']);
    expect(resumed).toEqual(events.slice(2));
    // After the last one there is nothing more: the stream ends at once.
    expect(await readEvents(t, id, { 'Last-Event-ID': '5' })).toEqual([]);
    const bad = await t.request(`/api/v1/generations/${id}/events`, {
      headers: { ...auth(t.key), 'Last-Event-ID': 'abc' },
    });
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).field).toBe('Last-Event-ID');
  });

  it('follows a synchronous generation too: its id answers GET and its events', async () => {
    const res = await t.generate({ prompt: 'A windmill' });
    expect(res.status).toBe(200);
    const { data } = (await res.json()) as { data: { id: string; images: unknown[] } };
    const state = await getGeneration(t, data.id);
    expect(state.status).toBe(200);
    expect(state.body.status).toBe('succeeded');
    expect(state.body.data.images).toEqual(data.images);
    const events = await readEvents(t, data.id);
    expect(events.map((e) => e.event)).toEqual(['started', 'image', 'completed']);
  });

  it('keeps a synchronous job running when its caller disconnects', async () => {
    const before = await balance(t);
    const abort = new AbortController();
    const pending = t.request(ENDPOINT, {
      method: 'POST',
      headers: { ...auth(t.key), 'Content-Type': 'application/json' },
      body: JSON.stringify({ prompt: 'A slow one [[offline:delay-index=0:600]]' }),
      signal: abort.signal,
    });
    await new Promise((r) => setTimeout(r, 150));
    abort.abort();
    await pending.catch(() => undefined);
    // The generation shows in the account's list, and finishes, charged once.
    const list = await t.request('/api/v1/generations?limit=1', { headers: auth(t.key) });
    const { data } = (await list.json()) as { data: { generations: Array<{ id: string }> } };
    const id = data.generations[0]!.id;
    const done = await waitFor(t, id, ['succeeded', 'failed']);
    expect(done.status).toBe('succeeded');
    expect(await balance(t)).toBe(before - PRICE);
  });

  it('cancels a running generation: only delivered images are charged', async () => {
    const before = await balance(t);
    const { id } = await submit(t, {
      prompt: 'Two halves [[offline:delay-index=1:20000]]',
      number_of_images: 2,
    });
    // Wait for the first image to land.
    for (;;) {
      const s = await getGeneration(t, id);
      if (s.body.status === 'running' && (s.body.data.images as unknown[]).length === 1) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    const res = await t.request(`/api/v1/generations/${id}/cancel`, {
      method: 'POST',
      headers: auth(t.key),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      status: string;
      data: { credits_used: number; images: unknown[] };
    };
    expect(body.status).toBe('canceled');
    expect(generationStateSchema.safeParse(body).error).toBeUndefined();
    expect(body.data.credits_used).toBe(PRICE);
    expect(body.data.images).toHaveLength(1);
    expect(await balance(t)).toBe(before - PRICE);
    expect(await available(t)).toBe(await balance(t));
    const events = await readEvents(t, id);
    expect(events.at(-1)!.event).toBe('canceled');
    expect(await t.application.core.ledger.verify()).toEqual([]);

    // A finished generation cannot be cancelled.
    const again = await t.request(`/api/v1/generations/${id}/cancel`, {
      method: 'POST',
      headers: auth(t.key),
    });
    expect(again.status).toBe(409);
    const error = await errorOf(again);
    expect(error.code).toBe('generation_finished');
    expect((error as { state?: string }).state).toBe('canceled');
  });

  it("answers 404 for unknown ids and another account's generations", async () => {
    const other = await t.createAccount(100);
    const { id } = await submit(t, { prompt: 'Mine' });
    for (const path of [`/api/v1/generations/${id}`, `/api/v1/generations/${id}/events`]) {
      const res = await t.request(path, { headers: auth(other.key) });
      expect(res.status).toBe(404);
      expect((await errorOf(res)).code).toBe('not_found');
    }
    const cancel = await t.request(`/api/v1/generations/${id}/cancel`, {
      method: 'POST',
      headers: auth(other.key),
    });
    expect(cancel.status).toBe(404);
    for (const unknown of ['gen_000000000000000000000', 'nope']) {
      const res = await t.request(`/api/v1/generations/${unknown}`, { headers: auth(t.key) });
      expect(res.status).toBe(404);
    }
    await waitFor(t, id, ['succeeded']);
  });

  it('refuses at submit when the credits do not cover it (403), and validates as the seed', async () => {
    const poor = await t.createAccount(3);
    const res = (await submit(t, { prompt: 'Too dear' }, { key: poor.key })).res;
    expect(res.status).toBe(403);
    const bad = (await submit(t, { prompt: 'x', number_of_images: 9 })).res;
    expect(bad.status).toBe(400);
  });

  it('returns the same generation for a retry with the same Idempotency-Key', async () => {
    const before = await available(t);
    const headers = { 'Idempotency-Key': 'async-retry-1' };
    const first = await submit(t, { prompt: 'Once only' }, { headers });
    const second = await submit(t, { prompt: 'Once only' }, { headers });
    expect(first.res.status).toBe(202);
    expect(second.res.status).toBe(202);
    expect(second.id).toBe(first.id);
    expect(second.res.headers.get('idempotent-replayed')).toBe('true');
    const conflict = await submit(t, { prompt: 'Something else' }, { headers });
    expect(conflict.res.status).toBe(409);
    await waitFor(t, first.id, ['succeeded']);
    expect(await available(t)).toBe(before - PRICE);
  });
});

describe('with no worker running (jobs stay queued)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({
      env: { GOODTAKE_WORKERS: '0', GOODTAKE_QUEUE_MAX_PER_ACCOUNT: '3' },
    });
  });
  afterAll(() => t.close());

  it('reserves at submit, reports positions by turns, and cancels for free', async () => {
    const start = await available(t);
    const mine = [];
    for (let i = 0; i < 3; i++) mine.push((await submit(t, { prompt: `Queued ${i}` })).id);
    expect(await available(t)).toBe(start - 3 * PRICE);
    const positions = [];
    for (const id of mine) {
      const s = await getGeneration(t, id);
      expect(s.body.status).toBe('queued');
      expect(generationStateSchema.safeParse(s.body).error).toBeUndefined();
      positions.push(s.body.data.position);
    }
    expect(positions).toEqual([0, 1, 2]);

    // Another account's first job is second in line, not fourth: accounts take turns.
    const other = await t.createAccount(100);
    const theirs = await submit(t, { prompt: 'Other account' }, { key: other.key });
    expect((await getGeneration(t, theirs.id, other.key)).body.data.position).toBe(1);
    expect((await getGeneration(t, mine[1]!)).body.data.position).toBe(2);

    // The account's queue is full: 429 with retry_after.
    const full = await submit(t, { prompt: 'One too many' });
    expect(full.res.status).toBe(429);
    const error = full.body.error as { code: string; retry_after: number };
    expect(error.code).toBe('rate_limit_exceeded');
    expect(error.retry_after).toBeGreaterThan(0);
    expect(full.res.headers.get('retry-after')).toBe(String(error.retry_after));

    // Cancelling a queued job charges nothing and frees its place.
    const res = await t.request(`/api/v1/generations/${mine[0]}/cancel`, {
      method: 'POST',
      headers: auth(t.key),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { status: string }).status).toBe('canceled');
    expect(await available(t)).toBe(start - 2 * PRICE);
    expect(await balance(t)).toBe(start);
    // The embedded queue takes accounts in turn by their oldest job (mine is older); the
    // scale-out engine by rounds, and the other account's job is in the round the canceled
    // one was (docs/operations.md#jobs-and-workers).
    const next = scaleOutRequested() ? 1 : 0;
    expect((await getGeneration(t, mine[1]!)).body.data.position).toBe(next);
    const events = await readEvents(t, mine[0]!);
    expect(events.map((e) => e.event)).toEqual(['queued', 'canceled']);
    expect(await t.application.core.ledger.verify()).toEqual([]);
  });
});

describe('fairness', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({
      env: { GOODTAKE_WORKERS: '1', GOODTAKE_JOB_POLL_MS: '20', GOODTAKE_OFFLINE_DELAY_MS: '30' },
    });
  });
  afterAll(() => t.close());

  it("starts another account's single job next, behind no backlog", async () => {
    const big = [];
    for (let i = 0; i < 30; i++) big.push((await submit(t, { prompt: `Backlog ${i}` })).id);
    const other = await t.createAccount(100);
    const single = await submit(t, { prompt: 'Just one' }, { key: other.key });
    const done = await waitFor(t, single.id, ['succeeded'], other.key);
    expect(done.status).toBe('succeeded');
    // At most the job running when it was submitted and one more of the backlog started first.
    const db = t.application.core.database.db;
    const { started_at, created_at } = await db
      .selectFrom('jobs')
      .select(['started_at', 'created_at'])
      .where('id', '=', single.id)
      .executeTakeFirstOrThrow();
    // Counted from its submit: when submits are slower than the 30 ms jobs (PostgreSQL on a
    // loaded machine), much of the backlog has already run by then.
    const earlier = await db
      .selectFrom('jobs')
      .select('id')
      .where('id', 'in', big)
      .where('started_at', '>=', created_at)
      .where('started_at', '<=', started_at)
      .execute();
    expect(earlier.length).toBeLessThanOrEqual(2);
  });
});

it('documents states whose examples match the schema real answers are checked against', () => {
  for (const [name, example] of Object.entries(STATE_EXAMPLES)) {
    expect(generationStateSchema.safeParse(example.value).error, name).toBeUndefined();
  }
});

describe('per-key concurrency', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({
      env: { GOODTAKE_WORKERS: '4', GOODTAKE_JOB_POLL_MS: '50', GOODTAKE_OFFLINE_DELAY_MS: '300' },
    });
  });
  afterAll(() => t.close());

  it('runs one queued job at a time for a key limited to one, and every one ends', async () => {
    // Workers pass over the key while it is at its limit (the scale-out engine hands the job
    // back), then take its next job when the running one ends.
    const limited = await t.createAccount(100, { concurrency: 1 });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      ids.push((await submit(t, { prompt: `Limited ${i}` }, { key: limited.key })).id);
    }
    for (const id of ids) {
      expect((await waitFor(t, id, ['succeeded'], limited.key)).status).toBe('succeeded');
    }
    const rows = await t.application.core.database.db
      .selectFrom('jobs')
      .select(['started_at', 'finished_at'])
      .where('id', 'in', ids)
      .orderBy('started_at')
      .execute();
    for (let i = 1; i < rows.length; i++) {
      expect(Number(rows[i]!.started_at)).toBeGreaterThanOrEqual(Number(rows[i - 1]!.finished_at));
    }
    expect(await t.application.core.ledger.verify()).toEqual([]);
  });
});
