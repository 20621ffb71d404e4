import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Migrator } from 'kysely';
import { afterEach, expect, it } from 'vitest';
import { migrateToLatest, openDatabase, pendingMigrations } from '../../src/db/database.ts';
import { migrations } from '../../src/db/migrations/index.ts';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('applies a migration numbered below one an installation already ran', async () => {
  dir = mkdtempSync(join(tmpdir(), 'goodtake-migrate-'));
  const database = await openDatabase(`sqlite:${join(dir, 'goodtake.db')}`);
  try {
    // An installation upgraded before 0003 existed: everything else has run.
    const names = Object.keys(migrations);
    const without = Object.fromEntries(
      Object.entries(migrations).filter(([name]) => name !== '0003_idempotency_generation'),
    );
    const earlier = new Migrator({
      db: database.db,
      provider: { getMigrations: async () => without },
    });
    expect((await earlier.migrateToLatest()).error).toBeUndefined();
    expect(await pendingMigrations(database.db)).toEqual(['0003_idempotency_generation']);

    expect(await migrateToLatest(database.db)).toEqual(['0003_idempotency_generation']);
    expect(await pendingMigrations(database.db)).toEqual([]);
    expect(names.length).toBeGreaterThan(3);
  } finally {
    await database.close();
  }
});
