import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BenchProcess, startFake, startLeanGateway } from '../../bench/procs.ts';
import { generateImageResponseSchema } from '../../src/contract/generate-image.ts';

// The prototype as the benchmark runs it: its own process in front of the fake ModelArk, on a
// data directory made by goodtake's admin CLI.
describe('lean gateway prototype (bench/lean-gateway.ts)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lean-gateway-test-'));
  let fake: BenchProcess;
  let lean: BenchProcess & { key: string };

  beforeAll(async () => {
    fake = await startFake({ latencyMs: 0, outputBytes: 50 * 1024, dir });
    lean = await startLeanGateway({
      dir: join(dir, 'lean'),
      name: 'lean',
      upstream: `${fake.origin}/api/v3`,
      provenance: true,
    });
  }, 60_000);

  afterAll(async () => {
    await lean?.stop();
    await fake?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = (body: unknown, key = lean.key) =>
    fetch(`${lean.origin}/api/v1/bytedance/generate-image`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it("answers goodtake's 200 body and settles the credits in goodtake's tables", async () => {
    const replies = await Promise.all(
      Array.from({ length: 8 }, () =>
        post({ prompt: 'a lighthouse', model: 'seedream-4-0-250828' }),
      ),
    );
    for (const r of replies) {
      expect(r.status).toBe(200);
      const body = generateImageResponseSchema.parse(await r.json());
      expect(body.data.credits_used).toBe(3);
      expect(body.data.images[0]!.url).toMatch(/\/images\/[A-Za-z0-9]{24}\.jpg$/);
    }
    const db = new DatabaseSync(join(dir, 'lean', 'data', 'goodtake.db'), { readOnly: true });
    try {
      expect(db.prepare('select reserved from accounts').get()).toEqual({ reserved: 0 });
      const entries = db
        .prepare(
          'select kind, count(*) as n, sum(amount) as total from ledger_entries group by kind',
        )
        .all();
      expect(entries).toEqual(
        expect.arrayContaining([
          { kind: 'reserve', n: 8, total: 24 },
          { kind: 'capture', n: 8, total: 24 },
        ]),
      );
      expect(db.prepare('select provenance from images limit 1').get()).toEqual({
        provenance: 'xmp,c2pa',
      });
    } finally {
      db.close();
    }
  });

  it("refuses what goodtake refuses, with the contract's error bodies", async () => {
    const unknownKey = await post({ prompt: 'x' }, `gt_${'a'.repeat(40)}`);
    expect(unknownKey.status).toBe(401);
    const invalid = await post({ prompt: 'x', number_of_images: 9 });
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toMatchObject({
      status: 'error',
      error: { code: 'invalid_parameters', field: 'number_of_images' },
    });
  });
});
