import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { composeApplication } from '../../src/compose.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import {
  checkS3Bucket,
  createS3Client,
  createS3Store,
  objectKeyOf,
} from '../../src/storage/s3-store.ts';
import type { ImageStore } from '../../src/storage/store.ts';
import { createTestApp } from '../helpers/harness.ts';
import { createS3Bucket, S3_TEST_CREDENTIALS, scaleOutUrls } from '../helpers/scale-out.ts';

// The S3 image store against s3rver, an S3-compatible server from the npm registry.
const s3Config = (endpoint: string, bucket: string) =>
  ({
    kind: 's3',
    bucket,
    endpoint,
    region: 'us-east-1',
    credentials: S3_TEST_CREDENTIALS,
    forcePathStyle: true,
  }) as const;

describe('S3-compatible image store', () => {
  let endpoint: string;
  let bucket: string;
  let client: ReturnType<typeof createS3Client>;
  let store: ImageStore;
  beforeAll(async () => {
    endpoint = inject('s3Endpoint');
    bucket = await createS3Bucket(endpoint);
    client = createS3Client(s3Config(endpoint, bucket));
    store = createS3Store({ client, bucket });
  });
  afterAll(() => client?.destroy());

  const read = async (stream: ReadableStream<Uint8Array> | undefined) =>
    stream ? Buffer.from(await new Response(stream).arrayBuffer()) : undefined;

  it('stores immutable images under images/, readable by key and straight from the bucket', async () => {
    const bytes = new Uint8Array([0xff, 0xd8, 1, 2, 3, 0xff, 0xd9]);
    await store.put('AbCdEfGhIjKlMnOpQrStUvWx.jpg', bytes, 'image/jpeg');
    expect(await read(await store.open('AbCdEfGhIjKlMnOpQrStUvWx.jpg'))).toEqual(
      Buffer.from(bytes),
    );
    const direct = await fetch(`${endpoint}/${bucket}/images/AbCdEfGhIjKlMnOpQrStUvWx.jpg`);
    expect(direct.status).toBe(200);
    expect(direct.headers.get('content-type')).toBe('image/jpeg');
    expect(direct.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(Buffer.from(await direct.arrayBuffer())).toEqual(Buffer.from(bytes));
  });

  it('keeps other keys (kept blend inputs) out of images/', () => {
    expect(objectKeyOf('abc.png')).toBe('images/abc.png');
    expect(objectKeyOf('inputs/gen_1-0.png')).toBe('inputs/gen_1-0.png');
    expect(() => objectKeyOf('../etc/passwd')).toThrow(/unsafe/);
    expect(() => objectKeyOf('inputs/../x')).toThrow(/unsafe/);
  });

  it('answers undefined for a missing key, and after a delete', async () => {
    expect(await store.open('NoSuchImage0000000000000.jpg')).toBeUndefined();
    await store.put('ToBeDeleted0000000000000.jpg', new Uint8Array([1]), 'image/jpeg');
    await store.delete('ToBeDeleted0000000000000.jpg');
    expect(await store.open('ToBeDeleted0000000000000.jpg')).toBeUndefined();
  });

  it('checks the bucket at start: a missing bucket or a wrong endpoint stops start-up', async () => {
    expect(await checkS3Bucket(client, bucket)).toEqual({});
    const missing = createS3Client(s3Config(endpoint, 'no-such-bucket-here'));
    await expect(checkS3Bucket(missing, 'no-such-bucket-here')).rejects.toThrow(
      'cannot use S3 bucket no-such-bucket-here: it does not exist',
    );
    missing.destroy();

    const dataDir = mkdtempSync(join(tmpdir(), 'goodtake-s3-start-'));
    try {
      const config = loadConfig({
        GOODTAKE_DATA_DIR: dataDir,
        STORAGE: 's3',
        S3_BUCKET: bucket,
        S3_ENDPOINT: 'http://127.0.0.1:9',
        S3_ACCESS_KEY_ID: 'S3RVER',
        S3_SECRET_ACCESS_KEY: 'S3RVER',
        S3_FORCE_PATH_STYLE: 'true',
      });
      await expect(composeApplication(config, createLogger('silent'))).rejects.toThrow(
        `cannot use S3 bucket ${bucket}`,
      );
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

const urls = scaleOutUrls();
describe.skipIf(!urls.ok)(
  `GOODTAKE_KEEP_INPUTS with S3 storage${urls.ok ? '' : ` (skipped: ${urls.reason})`}`,
  () => {
    it('keeps blend-mode inputs in the bucket, under inputs/', async () => {
      const t = await createTestApp({ env: { GOODTAKE_KEEP_INPUTS: 'true' } });
      try {
        expect(t.config.storage.kind).toBe('s3');
        const png = await sharp({
          create: { width: 32, height: 32, channels: 3, background: '#c03030' },
        })
          .png()
          .toBuffer();
        const res = await t.generate({
          prompt: 'x',
          size: '1K',
          image_urls: [`data:image/png;base64,${png.toString('base64')}`],
        });
        expect(res.status).toBe(200);
        const kept = await t.storedFiles('inputs');
        expect(kept).toHaveLength(1);
        expect(kept[0]).toMatch(/^gen_.*-0\.png$/);
      } finally {
        await t.close();
      }
    });
  },
);
