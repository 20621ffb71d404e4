import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllowList } from '../../src/fetch/address-policy.ts';
import {
  createGuardedFetcher,
  type FetchOutcome,
  type GuardedFetcher,
} from '../../src/fetch/guarded-fetch.ts';
import { createSourceImageLoader } from '../../src/fetch/source-images.ts';
import {
  craftPngHeader,
  dataUri,
  makeImage,
  startServer,
  type TestServer,
  tableResolver,
} from './helpers.ts';

const MAX = 10 * 1024 * 1024;
let png: Buffer;
let jpeg: Buffer;
let webp: Buffer;
let server: TestServer;

beforeAll(async () => {
  png = await makeImage('png', 64, 48);
  jpeg = await makeImage('jpeg', 80, 60);
  webp = await makeImage('webp', 30, 40);
  server = await startServer('127.0.0.1', (req, res) => {
    switch (req.url) {
      case '/photo.png':
        res.writeHead(200, { 'content-type': 'image/png' }).end(png);
        return;
      case '/png-as-text':
        res.writeHead(200, { 'content-type': 'text/plain' }).end(png);
        return;
      case '/html-as-png':
        res.writeHead(200, { 'content-type': 'image/png' }).end('<html><body>hi</body></html>');
        return;
      case '/tiny.png':
        makeImage('png', 10, 10).then((b) => res.writeHead(200).end(b));
        return;
      case '/endless':
        res.writeHead(200, { 'content-type': 'image/jpeg' });
        {
          const chunk = Buffer.alloc(256 * 1024, 0xff);
          const pump = () => {
            while (res.write(chunk)) {}
          };
          res.on('drain', pump);
          pump();
        }
        return;
      case '/slow':
        res.writeHead(200);
        res.write(png.subarray(0, 8));
        return;
      default:
        res.writeHead(404).end();
    }
  });
});

afterAll(async () => {
  await server.close();
});

function realLoader(totalTimeoutMs = 3000) {
  const parsed = parseAllowList('img.test');
  if (!parsed.ok) throw new Error(parsed.message);
  const { resolve } = tableResolver({ 'img.test': ['127.0.0.1'], 'private.test': ['10.0.0.1'] });
  const fetcher = createGuardedFetcher({
    allow: parsed.allow,
    resolve,
    maxBytes: MAX,
    connectTimeoutMs: 1000,
    totalTimeoutMs,
  });
  return createSourceImageLoader({ fetcher, maxImages: 10 });
}

const url = (path: string) => `http://img.test:${server.port}${path}`;

describe('source image loader', () => {
  it('loads URLs and data URIs in order, trusting bytes over Content-Type', async () => {
    const outcome = await realLoader().load([
      url('/photo.png'),
      dataUri('image/jpeg', jpeg),
      url('/png-as-text'),
      dataUri('image/webp', webp),
      dataUri('image/jpg', jpeg),
    ]);
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.images.map((i) => [i.format, i.width, i.height])).toEqual([
      ['png', 64, 48],
      ['jpeg', 80, 60],
      ['png', 64, 48],
      ['webp', 30, 40],
      ['jpeg', 80, 60],
    ]);
    expect(Buffer.from(outcome.images[1]?.bytes ?? []).equals(jpeg)).toBe(true);
    // Reached only through the operator allow-list: never handed to a provider as a URL.
    expect(outcome.images[0]?.url).toBeUndefined();
  });

  it.each([
    [
      ['/photo.png', 'http://private.test/a.png'],
      'image_urls[1]: image_urls may not reference internal addresses',
    ],
    [['http://127.0.0.1/a.png'], 'image_urls[0]: image_urls may not reference internal addresses'],
    [['/missing'], 'image_urls[0]: the image could not be fetched (HTTP 404)'],
    [['/photo.png', '/photo.png', '/endless'], 'image_urls[2]: the image is larger than 10 MB'],
    [['/html-as-png'], 'image_urls[0]: not a PNG, JPEG or WebP image'],
    [
      ['/photo.png', '/tiny.png'],
      'image_urls[1]: the image is 10x10 pixels; both sides must be larger than 14 pixels',
    ],
    [
      ['/photo.png', '/photo.png', '/photo.png', '/slow'],
      'image_urls[3]: timed out fetching the image',
    ],
    [['ftp://img.test/a.png'], 'image_urls[0]: only http and https URLs are accepted'],
    [['http://u:p@img.test/a.png'], 'image_urls[0]: URLs with credentials are not accepted'],
  ])('refuses %j with a message naming the index', async (entries, message) => {
    // Only the stalled fetch needs a short timeout; 10 MB over loopback may take longer than it.
    const loader = realLoader(entries.includes('/slow') ? 500 : 5000);
    const outcome = await loader.load(entries.map((e) => (e.startsWith('/') ? url(e) : e)));
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.message.slice(0, message.length)).toBe(message);
  });

  it('refuses data URIs with the wrong declared type, bad base64, or huge dimensions', async () => {
    const loader = realLoader();
    const cases: Array<[string, string]> = [
      [dataUri('image/png', jpeg), 'type_mismatch'],
      ['data:image/png;base64,not*base64', 'invalid_data_uri'],
      [dataUri('image/PNG', png), 'invalid_data_uri'],
      [dataUri('image/png', craftPngHeader(100_000, 100_000)), 'bad_dimensions'],
      [dataUri('image/png', await makeImage('png', 10, 10)), 'bad_dimensions'],
      [`data:image/png;base64,${'A'.repeat(Math.ceil(MAX / 3) * 4 + 4)}`, 'too_large'],
    ];
    for (const [entry, reason] of cases) {
      const outcome = await loader.load([dataUri('image/png', png), entry]);
      expect(outcome).toMatchObject({ ok: false, index: 1, reason });
    }
  });

  it('refuses more than maxImages entries', async () => {
    const loader = realLoader();
    const outcome = await loader.load(Array.from({ length: 11 }, () => dataUri('image/png', png)));
    expect(outcome).toMatchObject({ ok: false, index: 10, reason: 'too_many_images' });
  });

  it('keeps the URL the client sent when every address was public', async () => {
    const fetcher: GuardedFetcher = {
      maxBytes: MAX,
      fetchImageBytes: async () => ({
        ok: true,
        bytes: png,
        finalUrl: 'https://cdn.example/signed?x=1',
        allPublic: true,
      }),
    };
    const loader = createSourceImageLoader({ fetcher, maxImages: 10 });
    const outcome = await loader.load(['https://EXAMPLE.com/a.png']);
    expect(outcome).toMatchObject({ ok: true, images: [{ url: 'https://example.com/a.png' }] });
  });

  it('bounds parallel fetches and cancels the rest after the first failure', async () => {
    let inFlight = 0;
    let peak = 0;
    const aborted: string[] = [];
    const fetcher: GuardedFetcher = {
      maxBytes: MAX,
      fetchImageBytes: (entry, signal) => {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        return new Promise<FetchOutcome>((settle) => {
          const done = (outcome: FetchOutcome) => {
            inFlight -= 1;
            settle(outcome);
          };
          if (entry.endsWith('/fail')) {
            setTimeout(
              () => done({ ok: false, reason: 'not_found', message: 'gone', status: 404 }),
              30,
            );
            return;
          }
          if (entry.endsWith('/ok')) {
            setTimeout(() => done({ ok: true, bytes: png, finalUrl: entry, allPublic: true }), 5);
            return;
          }
          signal?.addEventListener('abort', () => {
            aborted.push(entry);
            done({ ok: false, reason: 'aborted', message: 'cancelled' });
          });
        });
      },
    };
    const loader = createSourceImageLoader({ fetcher, maxImages: 10, concurrency: 3 });
    const entries = [
      'https://a.example/ok',
      'https://b.example/ok',
      'https://c.example/ok',
      'https://d.example/hang',
      'https://e.example/hang',
      'https://f.example/fail',
      'https://g.example/ok',
      'https://h.example/ok',
    ];
    const t0 = performance.now();
    const outcome = await loader.load(entries);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(outcome).toMatchObject({
      ok: false,
      index: 5,
      reason: 'not_found',
      message: 'image_urls[5]: the image could not be fetched (HTTP 404)',
    });
    expect(peak).toBe(3);
    expect(aborted.sort()).toEqual(['https://d.example/hang', 'https://e.example/hang']);
  });

  it('reports a cancelled request', async () => {
    const loader = realLoader();
    const outcome = await loader.load([url('/slow')], AbortSignal.timeout(50));
    expect(outcome).toMatchObject({ ok: false, index: 0, reason: 'aborted' });
  });
});
