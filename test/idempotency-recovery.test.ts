import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CoreServices, openCore } from '../src/compose.ts';
import { loadConfig } from '../src/config.ts';
import { createIdempotencyStore } from '../src/idempotency/idempotency.ts';
import { imageId } from '../src/ids.ts';
import {
  createGenerationRecovery,
  type GenerationOutcome,
} from '../src/images/recover-generation.ts';

/*
 * An Idempotency-Key whose request died with its process (no complete, no abandon): what a
 * retry gets once the claim lapses, decided by the generation the key was bound to. The same
 * story against a real server killed with SIGKILL is test/crash-idempotency.test.ts.
 */

const LEASE = 10_000;
let dir: string;
let core: CoreServices;
let clock: number;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'goodtake-idem-'));
  clock = 1_700_000_000_000;
  const config = loadConfig({
    GOODTAKE_DATA_DIR: dir,
    GOODTAKE_GENERATION_TIMEOUT_MS: '5000',
    GOODTAKE_RESERVATION_LEASE_MS: String(LEASE),
  });
  core = await openCore(config, { migrate: true, now: () => clock });
});
afterEach(async () => {
  await core.close();
  rmSync(dir, { recursive: true, force: true });
});

function store() {
  return createIdempotencyStore<GenerationOutcome>({
    db: core.database.db,
    claimMs: LEASE,
    recover: createGenerationRecovery({ db: core.database.db, ledger: core.ledger }),
    pollMs: 5,
    now: () => clock,
  });
}

async function account(credits: number) {
  const a = await core.accounts.create({ name: 'a', credits });
  const k = await core.keys.create({ accountId: a.id, name: 'k' });
  return { accountId: a.id, keyId: k.id };
}

async function startGeneration(
  who: { accountId: string; keyId: string },
  id: string,
  images: number,
) {
  const reserved = await core.ledger.reserve({
    id,
    accountId: who.accountId,
    apiKeyId: who.keyId,
    requestId: 'req_test',
    model: 'seedream-4-5-251128',
    size: '2K',
    numberOfImages: 2,
    blend: false,
    pricePerImage: 4,
  });
  expect(reserved.ok).toBe(true);
  const ids: string[] = [];
  for (let position = 0; position < images; position++) {
    const image = imageId();
    ids.push(image);
    await core.database.db
      .insertInto('images')
      .values({
        id: image,
        generation_id: id,
        account_id: who.accountId,
        position,
        content_type: 'image/jpeg',
        ext: 'jpg',
        width: 1,
        height: 1,
        bytes: 1,
        etag: '"x"',
        storage_key: `${image}.jpg`,
        created_at: clock,
      })
      .execute();
  }
  return ids;
}

const claim = (
  s: ReturnType<typeof store>,
  accountId: string,
  signal = AbortSignal.timeout(5000),
) => s.claim({ accountId, key: 'k-1', requestHash: 'h', signal });

describe('an Idempotency-Key whose owner died', () => {
  it('replays what its generation stored, charged once, for every later retry', async () => {
    const who = await account(100);
    const s = store();
    expect(await claim(s, who.accountId)).toEqual({ kind: 'proceed' });
    await s.bind(who.accountId, 'k-1', 'gen_a');
    const images = await startGeneration(who, 'gen_a', 1);
    // The process dies here. Past the lease, a retry settles the generation by the sweeper's
    // rule and gets its one stored image.
    clock += LEASE + 1;
    const replay = await claim(s, who.accountId);
    expect(replay).toEqual({
      kind: 'replay',
      stored: {
        generationId: 'gen_a',
        imageIds: images,
        generationTimeMs: LEASE + 1,
        creditsUsed: 4,
      },
    });
    expect(await core.ledger.balance(who.accountId)).toMatchObject({ balance: 96, reserved: 0 });
    // The sweeper finds nothing left to do, and later retries replay the same.
    expect(await core.ledger.sweepExpired()).toEqual([]);
    expect(await claim(s, who.accountId)).toEqual(replay);
    expect(await core.ledger.balance(who.accountId)).toMatchObject({ balance: 96, reserved: 0 });
    expect(await core.ledger.verify()).toEqual([]);
  });

  it('replays a generation the sweeper settled first', async () => {
    const who = await account(100);
    const s = store();
    await claim(s, who.accountId);
    await s.bind(who.accountId, 'k-1', 'gen_b');
    await startGeneration(who, 'gen_b', 2);
    clock += LEASE + 1;
    expect(await core.ledger.sweepExpired()).toEqual([
      { generationId: 'gen_b', delivered: 2, captured: 8 },
    ]);
    expect(await claim(s, who.accountId)).toMatchObject({
      kind: 'replay',
      stored: { creditsUsed: 8 },
    });
    expect(await core.ledger.balance(who.accountId)).toMatchObject({ balance: 92, reserved: 0 });
  });

  it('runs again when the generation delivered nothing, or was never reserved', async () => {
    const who = await account(100);
    const s = store();
    await claim(s, who.accountId);
    await s.bind(who.accountId, 'k-1', 'gen_c');
    await startGeneration(who, 'gen_c', 0);
    clock += LEASE + 1;
    expect(await claim(s, who.accountId)).toEqual({ kind: 'proceed' });
    expect(await core.ledger.balance(who.accountId)).toMatchObject({ balance: 100, reserved: 0 });
    // The retry's own claim: bound to a generation that never got reserved (it died first).
    await s.bind(who.accountId, 'k-1', 'gen_never');
    clock += LEASE + 1;
    expect(await claim(s, who.accountId)).toEqual({ kind: 'proceed' });
  });

  it('waits while the generation may still be settled by its owner', async () => {
    const who = await account(100);
    const s = store();
    await claim(s, who.accountId);
    await s.bind(who.accountId, 'k-1', 'gen_d');
    // The claim lapses a moment before the generation's lease (claimed first, reserved after).
    clock += LEASE / 2;
    await startGeneration(who, 'gen_d', 1);
    clock += LEASE / 2 + 1;
    const pending = claim(s, who.accountId, AbortSignal.timeout(200));
    await expect(pending).rejects.toThrow();
    clock += LEASE;
    expect(await claim(s, who.accountId)).toMatchObject({ kind: 'replay' });
  });
});
