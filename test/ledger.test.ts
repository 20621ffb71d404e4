import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CoreServices, openCore } from '../src/compose.ts';
import { loadConfig } from '../src/config.ts';
import { imageId } from '../src/ids.ts';

let dir: string;
let core: CoreServices;
let clock: number;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'goodtake-ledger-'));
  clock = 1_700_000_000_000;
  const config = loadConfig({
    GOODTAKE_DATA_DIR: dir,
    GOODTAKE_GENERATION_TIMEOUT_MS: '5000',
    GOODTAKE_RESERVATION_LEASE_MS: '10000',
  });
  core = await openCore(config, { migrate: true, now: () => clock });
});
afterEach(async () => {
  await core.close();
  rmSync(dir, { recursive: true, force: true });
});

async function setup(credits: number) {
  const account = await core.accounts.create({ name: 'a', credits });
  const key = await core.keys.create({ accountId: account.id, name: 'k' });
  return { accountId: account.id, keyId: key.id };
}

const generation = (accountId: string, keyId: string, id: string, n: number) => ({
  id,
  accountId,
  apiKeyId: keyId,
  requestId: 'req_test',
  model: 'seedream-4-5-251128',
  size: '2K',
  numberOfImages: n,
  blend: false,
  pricePerImage: 4,
});

async function recordImage(generationId: string, accountId: string, position: number) {
  await core.database.db
    .insertInto('images')
    .values({
      id: imageId(),
      generation_id: generationId,
      account_id: accountId,
      position,
      content_type: 'image/jpeg',
      ext: 'jpg',
      width: 1,
      height: 1,
      bytes: 1,
      etag: '"x"',
      storage_key: 'x.jpg',
      created_at: clock,
    })
    .execute();
}

describe('ledger', () => {
  it('reserves, captures the delivered and releases the rest, with an entry per movement', async () => {
    const { accountId, keyId } = await setup(20);
    const r = await core.ledger.reserve(generation(accountId, keyId, 'gen_a', 3));
    expect(r).toMatchObject({ ok: true, reserved: 12 });
    expect(await core.ledger.balance(accountId)).toMatchObject({
      balance: 20,
      reserved: 12,
      available: 8,
    });
    const s = await core.ledger.settle({
      generationId: 'gen_a',
      delivered: 2,
      settledBy: 'request',
    });
    expect(s).toEqual({ ok: true, captured: 8, released: 4, status: 'partial' });
    expect(await core.ledger.balance(accountId)).toMatchObject({ balance: 12, reserved: 0 });
    const kinds = await core.database.db
      .selectFrom('ledger_entries')
      .select(['kind', 'amount', 'generation_id'])
      .where('account_id', '=', accountId)
      .orderBy('id')
      .execute();
    expect(kinds.map((k) => [k.kind, k.amount])).toEqual([
      ['grant', 20],
      ['reserve', 12],
      ['capture', 8],
      ['release', 4],
    ]);
    expect(kinds.filter((k) => k.kind !== 'grant').every((k) => k.generation_id === 'gen_a')).toBe(
      true,
    );
    expect(await core.ledger.verify()).toEqual([]);
  });

  it('settles once: a second settle changes nothing', async () => {
    const { accountId, keyId } = await setup(20);
    await core.ledger.reserve(generation(accountId, keyId, 'gen_b', 1));
    await core.ledger.settle({ generationId: 'gen_b', delivered: 1, settledBy: 'request' });
    expect(
      await core.ledger.settle({ generationId: 'gen_b', delivered: 0, settledBy: 'request' }),
    ).toEqual({
      ok: false,
      reason: 'not_pending',
    });
    expect(await core.ledger.balance(accountId)).toMatchObject({ balance: 16, reserved: 0 });
  });

  it('refuses what the balance cannot cover and leaves no trace', async () => {
    const { accountId, keyId } = await setup(7);
    const r = await core.ledger.reserve(generation(accountId, keyId, 'gen_c', 2));
    expect(r).toEqual({ ok: false, reason: 'insufficient_credits', available: 7, required: 8 });
    const rows = await core.database.db.selectFrom('generations').selectAll().execute();
    expect(rows).toEqual([]);
    expect(await core.ledger.verify()).toEqual([]);
  });

  it('the sweeper captures what an expired generation stored and releases the rest', async () => {
    const { accountId, keyId } = await setup(40);
    await core.ledger.reserve(generation(accountId, keyId, 'gen_d', 4)); // 16
    await core.ledger.reserve(generation(accountId, keyId, 'gen_e', 2)); // 8
    await recordImage('gen_d', accountId, 0);
    await recordImage('gen_d', accountId, 2);
    expect(await core.ledger.sweepExpired()).toEqual([]); // lease not expired yet
    clock += 10_001;
    const swept = await core.ledger.sweepExpired();
    expect(swept).toEqual(
      expect.arrayContaining([
        { generationId: 'gen_d', delivered: 2, captured: 8 },
        { generationId: 'gen_e', delivered: 0, captured: 0 },
      ]),
    );
    expect(await core.ledger.balance(accountId)).toMatchObject({ balance: 32, reserved: 0 });
    const gens = await core.database.db
      .selectFrom('generations')
      .select(['id', 'status', 'settled_by', 'images_delivered', 'error_code'])
      .orderBy('id')
      .execute();
    expect(gens).toEqual([
      {
        id: 'gen_d',
        status: 'partial',
        settled_by: 'lease_sweeper',
        images_delivered: 2,
        error_code: null,
      },
      {
        id: 'gen_e',
        status: 'failed',
        settled_by: 'lease_sweeper',
        images_delivered: 0,
        error_code: 'lease_expired',
      },
    ]);
    expect(await core.ledger.verify()).toEqual([]);
  });

  it('verify reports a balance that does not match its entries', async () => {
    const { accountId } = await setup(10);
    await sql`update accounts set balance = balance + 5 where id = ${accountId}`.execute(
      core.database.db,
    );
    const mismatches = await core.ledger.verify();
    expect(mismatches).toEqual([
      expect.objectContaining({ accountId, field: 'balance', expected: 10, actual: 15 }),
    ]);
  });

  it('the database itself refuses a negative or over-reserved balance', async () => {
    const { accountId } = await setup(10);
    await expect(
      sql`update accounts set reserved = 11 where id = ${accountId}`.execute(core.database.db),
    ).rejects.toThrow();
    await expect(
      sql`update accounts set reserved = -1 where id = ${accountId}`.execute(core.database.db),
    ).rejects.toThrow();
  });

  it('adjustments may not take the balance below what is reserved', async () => {
    const { accountId, keyId } = await setup(10);
    await core.ledger.reserve(generation(accountId, keyId, 'gen_f', 2)); // 8 reserved
    expect(await core.ledger.adjust(accountId, -3, 'correction')).toEqual({
      ok: false,
      reason: 'would_go_negative',
    });
    const ok = await core.ledger.adjust(accountId, -2, 'correction');
    expect(ok).toMatchObject({ ok: true, balance: { balance: 8, reserved: 8, available: 0 } });
    expect(await core.ledger.verify()).toEqual([]);
  });
});
