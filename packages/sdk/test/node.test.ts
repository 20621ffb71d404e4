import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GoodTake, VERSION } from '../src/index.ts';
import { saveImage } from '../src/node.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

let server: TestServer;
let client: GoodTake;
let dir: string;
beforeAll(async () => {
  server = await startTestServer();
  client = new GoodTake({ apiKey: server.key, baseURL: server.url });
  dir = mkdtempSync(join(tmpdir(), 'goodtake-save-'));
});
afterAll(async () => {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('saveImage (@goodtake/sdk/node)', () => {
  it('writes a generated image, downloading it, into a new directory', async () => {
    const { images } = await client.images.generate({
      prompt: 'A lighthouse',
      model: 'seedream-4-0-250828',
      size: '768x1024',
    });
    const path = join(dir, 'nested', 'lighthouse.jpg');
    const written = await saveImage(images[0]!, path);
    const meta = await sharp(readFileSync(path)).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['jpeg', 768, 1024]);
    expect(written).toBe(readFileSync(path).length);
  });

  it('writes from inline base64 and from a plain listed image with a client', async () => {
    const { images } = await client.images.generate({
      prompt: 'A kite',
      model: 'seedream-4-0-250828',
      size: '512x512',
      include_base64_encoding: true,
    });
    await saveImage(images[0]!, join(dir, 'inline.jpg'));
    const [listed] = (await client.generations.list({ limit: 1 })).generations;
    await saveImage(listed!.images[0]!, join(dir, 'listed.jpg'), { client });
    expect(readFileSync(join(dir, 'inline.jpg'))).toEqual(readFileSync(join(dir, 'listed.jpg')));
  });

  it('never overwrites unless asked', async () => {
    const { images } = await client.images.generate({
      prompt: 'x',
      model: 'seedream-4-0-250828',
      size: '512x512',
    });
    const path = join(dir, 'once.jpg');
    await saveImage(images[0]!, path);
    await expect(saveImage(images[0]!, path)).rejects.toMatchObject({ code: 'EEXIST' });
    await expect(saveImage(images[0]!, path, { overwrite: true })).resolves.toBeGreaterThan(0);
  });
});

describe('package', () => {
  it('VERSION matches package.json', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(VERSION).toBe(pkg.version);
  });
});
