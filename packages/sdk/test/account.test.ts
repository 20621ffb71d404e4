import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Generation, GoodTake } from '../src/index.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

let server: TestServer;
let client: GoodTake;
const ids: string[] = [];
let startedAt: Date;

beforeAll(async () => {
  server = await startTestServer({ GOODTAKE_STARTING_CREDITS: '100' });
  client = new GoodTake({ apiKey: server.key, baseURL: server.url });
  startedAt = new Date(Date.now() - 1000);
  for (const prompt of ['one', 'two', 'three', 'four', 'five']) {
    const r = await client.images.generate({ prompt, model: 'seedream-4-0-250828', size: '1K' });
    ids.push(r.id!);
  }
  await client.images.generate({ prompt: 'refused [[offline:content_policy]]' }).catch(() => {});
});
afterAll(() => server.stop());

describe('account.retrieve', () => {
  it('returns the balance, key, limits and prices of the calling key', async () => {
    const account = await client.account.retrieve();
    expect(account).toEqual({
      id: expect.stringMatching(/^acc_/),
      name: 'default',
      balance: 100 - 5 * 3,
      reserved: 0,
      available: 100 - 5 * 3,
      key: { id: expect.any(String), name: 'default', prefix: server.key.slice(0, 11) },
      limits: { requests_per_minute: 60, concurrent_generations: 4 },
      prices: { 'seedream-4-5-251128': 4, 'seedream-4-0-250828': 3 },
    });
  });
});

describe('generations.list', () => {
  it('lists newest first with the usage fields', async () => {
    const page = await client.generations.list({ limit: 3 });
    expect(page.generations).toHaveLength(3);
    expect(page.next_cursor).toEqual(expect.any(String));
    const [failed, latest] = page.generations as [Generation, Generation];
    expect(failed).toMatchObject({
      status: 'failed',
      error_code: 'content_policy_violation',
      credits_charged: 0,
      images: [],
    });
    expect(latest).toMatchObject({
      id: ids[4],
      model: 'seedream-4-0-250828',
      size: '1K',
      number_of_images: 1,
      images_delivered: 1,
      credits_reserved: 3,
      credits_charged: 3,
      status: 'succeeded',
      error_code: null,
    });
    expect(Date.parse(latest.created_at)).toBeGreaterThanOrEqual(startedAt.getTime());
    expect(latest.images[0]!.url).toMatch(new RegExp(`^${server.url}/images/`));
  });

  it('follows cursors page by page', async () => {
    const first = await client.generations.list({ limit: 2 });
    const second = await client.generations.list({ limit: 2, cursor: first.next_cursor! });
    const seen = [...first.generations, ...second.generations].map((g) => g.id);
    expect(new Set(seen).size).toBe(4);
  });

  it('iterates every generation across pages with for await', async () => {
    const all: string[] = [];
    for await (const g of client.generations.list({ limit: 2 })) all.push(g.id);
    expect(all).toHaveLength(6);
    expect(all.slice(1)).toEqual([...ids].reverse());
  });

  it('iterates pages with pages()', async () => {
    const sizes: number[] = [];
    for await (const page of client.generations.list({ limit: 4 }).pages()) {
      sizes.push(page.generations.length);
    }
    expect(sizes).toEqual([4, 2]);
  });

  it('filters by since, given a Date or an ISO string', async () => {
    const future = new Date(Date.now() + 60_000);
    expect((await client.generations.list({ since: future })).generations).toEqual([]);
    const page = await client.generations.list({ since: startedAt.toISOString(), limit: 100 });
    expect(page.generations).toHaveLength(6);
    expect(page.next_cursor).toBeNull();
  });
});
