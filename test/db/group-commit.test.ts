import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kysely, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { groupCommit } from '../../src/db/group-commit.ts';
import { createSqliteDialect } from '../../src/db/sqlite-dialect.ts';

interface Db {
  items: { id: string; amount: number };
}

let dir: string;
let db: Kysely<Db>;
let commits: number;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'goodtake-group-commit-'));
  commits = 0;
  db = new Kysely<Db>({
    dialect: createSqliteDialect(join(dir, 'db.sqlite')),
    log: (event) => {
      if (event.level === 'query' && event.query.sql === 'commit') commits++;
    },
  });
  await sql`create table items (id text primary key, amount integer not null check (amount >= 0))`.execute(
    db,
  );
});
afterEach(async () => {
  await db.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const ids = async () =>
  (await db.selectFrom('items').select('id').orderBy('id').execute()).map((r) => r.id);

describe('groupCommit', () => {
  it('commits the units asked for together once, each with its own value', async () => {
    const transact = groupCommit(db);
    const values = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        transact(async (tx) => {
          await tx
            .insertInto('items')
            .values({ id: `i${String(i).padStart(2, '0')}`, amount: i })
            .execute();
          return i * 2;
        }),
      ),
    );
    expect(values).toEqual(Array.from({ length: 20 }, (_, i) => i * 2));
    expect(commits).toBe(1);
    expect(await ids()).toHaveLength(20);
  });

  it('rolls back only the unit that throws; the others commit', async () => {
    const transact = groupCommit(db);
    const results = await Promise.allSettled([
      transact((tx) => tx.insertInto('items').values({ id: 'a', amount: 1 }).execute()),
      transact(async (tx) => {
        await tx.insertInto('items').values({ id: 'b', amount: 1 }).execute();
        // Violates the check constraint after a write of its own: both go.
        await tx.insertInto('items').values({ id: 'c', amount: -1 }).execute();
      }),
      transact(async (tx) => {
        await tx.insertInto('items').values({ id: 'd', amount: 1 }).execute();
        throw new Error('refused by the unit itself');
      }),
      transact((tx) => tx.insertInto('items').values({ id: 'e', amount: 1 }).execute()),
    ]);
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'rejected',
      'rejected',
      'fulfilled',
    ]);
    expect(String((results[2] as PromiseRejectedResult).reason)).toContain('refused by the unit');
    expect(await ids()).toEqual(['a', 'e']);
    expect(commits).toBe(1);
  });

  it('rolls back a unit that runs alone in its transaction', async () => {
    const transact = groupCommit(db);
    await expect(
      transact(async (tx) => {
        await tx.insertInto('items').values({ id: 'x', amount: 1 }).execute();
        throw new Error('no');
      }),
    ).rejects.toThrow('no');
    expect(await ids()).toEqual([]);
  });

  it('takes the units asked for during a commit into the next one', async () => {
    const transact = groupCommit(db, { maxBatch: 8 });
    const first = Array.from({ length: 3 }, (_, i) =>
      transact((tx) =>
        tx
          .insertInto('items')
          .values({ id: `a${i}`, amount: 1 })
          .execute(),
      ),
    );
    // Asked for while the first batch is running.
    await new Promise((r) => setImmediate(r));
    const second = Array.from({ length: 20 }, (_, i) =>
      transact((tx) =>
        tx
          .insertInto('items')
          .values({ id: `b${String(i).padStart(2, '0')}`, amount: 1 })
          .execute(),
      ),
    );
    await Promise.all([...first, ...second]);
    expect(await ids()).toHaveLength(23);
    // 3 together, then 20 in batches of at most 8.
    expect(commits).toBe(1 + 3);
  });

  it('fails every unit of a batch whose commit fails, keeping none of their writes', async () => {
    const transact = groupCommit(db);
    // A deferred foreign-key-like failure: the constraint is checked at commit.
    await sql`create table refs (id text primary key, item text not null references items(id) deferrable initially deferred)`.execute(
      db,
    );
    await sql`pragma foreign_keys = on`.execute(db);
    const results = await Promise.allSettled([
      transact((tx) => tx.insertInto('items').values({ id: 'ok', amount: 1 }).execute()),
      transact((tx) =>
        sql`insert into refs (id, item) values ('r', 'missing')`.execute(tx).then(() => 'written'),
      ),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(await ids()).toEqual([]);
  });
});
