import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CoreServices, openCore } from '../../src/compose.ts';
import { loadConfig } from '../../src/config.ts';
import { createImageRecords } from '../../src/images/image-records.ts';
import { createLocalStore } from '../../src/storage/local-store.ts';

let dir: string;
let core: CoreServices;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'goodtake-records-'));
  core = await openCore(loadConfig({ GOODTAKE_DATA_DIR: dir }), { migrate: true });
});
afterEach(async () => {
  await core.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('image records', () => {
  // Small images are hashed on the event loop, large ones by WebCrypto on the thread pool.
  it.each([
    ['small', 40_000],
    ['large', 3_000_000],
  ])('stores a %s image and records the SHA-256 of its bytes as ETag', async (_, size) => {
    const account = await core.accounts.create({ name: 'a', credits: 10 });
    const key = await core.keys.create({ accountId: account.id, name: 'k' });
    await core.ledger.reserve({
      id: 'gen_records',
      accountId: account.id,
      apiKeyId: key.id,
      requestId: 'req_1',
      model: 'seedream-4-5-251128',
      size: '2K',
      numberOfImages: 1,
      blend: false,
      pricePerImage: 4,
    });
    const root = join(dir, 'store');
    const records = createImageRecords({ db: core.database.db, store: createLocalStore(root) });
    const bytes = randomBytes(size);
    const stored = await records.save({
      generationId: 'gen_records',
      accountId: account.id,
      position: 0,
      image: {
        bytes,
        format: 'jpeg',
        contentType: 'image/jpeg',
        ext: 'jpg',
        width: 10,
        height: 10,
      },
    });
    expect(stored.etag).toBe(`"${createHash('sha256').update(bytes).digest('base64url')}"`);
    expect(await records.find(stored.id)).toEqual(stored);
    const onDisk = readFileSync(join(root, stored.storageKey.slice(0, 2), stored.storageKey));
    expect(onDisk.equals(bytes)).toBe(true);
  });
});
