import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, errorOf, type TestApp } from '../helpers/harness.ts';

const solid = (hex: string) =>
  sharp({ create: { width: 320, height: 240, channels: 3, background: hex } })
    .jpeg()
    .toBuffer();

let images: Server;
let origin: string;
let hits = 0;
beforeAll(async () => {
  const red = await solid('#e01010');
  const blue = await solid('#1020e0');
  images = createServer((req, res) => {
    hits++;
    if (req.url === '/red.jpg') res.writeHead(200, { 'Content-Type': 'image/jpeg' }).end(red);
    else if (req.url === '/blue.jpg')
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end(blue);
    else if (req.url === '/page.html')
      res.writeHead(200, { 'Content-Type': 'image/png' }).end('<html>');
    else res.writeHead(404).end();
  });
  await new Promise<void>((r) => images.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(images.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => images.close(() => r())));

async function meanRgb(url: string, t: TestApp): Promise<number[]> {
  const res = await t.request(new URL(url).pathname);
  const stats = await sharp(Buffer.from(await res.arrayBuffer())).stats();
  return stats.channels.slice(0, 3).map((c) => c.mean);
}

describe('blend mode through HTTP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { GOODTAKE_FETCH_ALLOW: '127.0.0.1' } });
  });
  afterAll(() => t.close());

  it('uses the source pixels: a red source gives a redder image than a blue one', async () => {
    const body = { prompt: 'a calm scene', size: '1K', model: 'seedream-4-0-250828' };
    const fromRed = await t.generate({ ...body, image_urls: [`${origin}/red.jpg`] });
    const fromBlue = await t.generate({ ...body, image_urls: [`${origin}/blue.jpg`] });
    expect(fromRed.status).toBe(200);
    expect(fromBlue.status).toBe(200);
    const [r1, , b1] = await meanRgb((await fromRed.json()).data.images[0].url, t);
    const [r2, , b2] = await meanRgb((await fromBlue.json()).data.images[0].url, t);
    expect(r1! - b1!).toBeGreaterThan(20);
    expect(b2! - r2!).toBeGreaterThan(20);
  });

  it('accepts data URIs and keeps no inputs by default', async () => {
    const png = await sharp({
      create: { width: 64, height: 64, channels: 3, background: '#10e010' },
    })
      .png()
      .toBuffer();
    const res = await t.generate({
      prompt: 'greenery',
      size: '1K',
      image_urls: [`data:image/png;base64,${png.toString('base64')}`],
    });
    expect(res.status).toBe(200);
    const [r, g, b] = await meanRgb((await res.json()).data.images[0].url, t);
    expect(g!).toBeGreaterThan(Math.max(r!, b!));
    expect(await t.storedFiles('inputs')).toEqual([]);
  });

  it('refuses by content, not by Content-Type, naming the index, free of charge', async () => {
    const before = await t.application.core.ledger.balance(t.accountId);
    const res = await t.generate({
      prompt: 'x',
      size: '1K',
      image_urls: [`${origin}/red.jpg`, `${origin}/page.html`],
    });
    expect(res.status).toBe(400);
    const err = await errorOf(res);
    expect(err.code).toBe('invalid_image');
    expect(err.message).toMatch(/^image_urls\[1\]: /);
    const missing = await t.generate({
      prompt: 'x',
      size: '1K',
      image_urls: [`${origin}/nope.jpg`],
    });
    expect((await errorOf(missing)).message).toMatch(/^image_urls\[0\]: .*404/);
    expect(await t.application.core.ledger.balance(t.accountId)).toEqual(before);
  });
});

describe('without an allow-list', () => {
  it('refuses internal addresses without connecting to them', async () => {
    const t = await createTestApp();
    try {
      const before = hits;
      const res = await t.generate({ prompt: 'x', size: '1K', image_urls: [`${origin}/red.jpg`] });
      expect(res.status).toBe(400);
      const err = await errorOf(res);
      expect(err.code).toBe('invalid_image');
      expect(err.message).toBe('image_urls[0]: image_urls may not reference internal addresses');
      expect(hits).toBe(before);
    } finally {
      await t.close();
    }
  });
});

describe('GOODTAKE_KEEP_INPUTS', () => {
  it('keeps the inputs when the operator asks for it', async () => {
    const t = await createTestApp({
      env: { GOODTAKE_FETCH_ALLOW: '127.0.0.1', GOODTAKE_KEEP_INPUTS: 'true' },
    });
    try {
      const res = await t.generate({ prompt: 'x', size: '1K', image_urls: [`${origin}/red.jpg`] });
      expect(res.status).toBe(200);
      const kept = await t.storedFiles('inputs');
      expect(kept).toHaveLength(1);
      expect(kept[0]).toMatch(/^gen_.*-0\.jpg$/);
    } finally {
      await t.close();
    }
  });
});

describe('metrics', () => {
  it('counts delivered images and requests', async () => {
    const t = await createTestApp({ env: { GOODTAKE_METRICS_TOKEN: 'metrics-test-token-1234' } });
    try {
      await t.generate({ prompt: 'count me', size: '1K', number_of_images: 2 });
      const text = await (
        await t.request('/metrics', {
          headers: { Authorization: 'Bearer metrics-test-token-1234' },
        })
      ).text();
      expect(text).toContain('goodtake_images_delivered_total{model="seedream-4-5-251128"} 2');
      expect(text).toMatch(
        /goodtake_http_requests_total\{route="\/api\/v1\/bytedance\/generate-image",method="POST",status="200"\} 1/,
      );
      expect(text).toContain('process_cpu_seconds_total');
    } finally {
      await t.close();
    }
  });
});
