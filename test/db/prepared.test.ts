import { Kysely, sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { prepareQuery } from '../../src/db/prepared.ts';
import { createSqliteDialect } from '../../src/db/sqlite-dialect.ts';

interface Db {
  items: { id: string; status: string; amount: number; note: string | null };
}

let db: Kysely<Db>;

beforeEach(async () => {
  db = new Kysely<Db>({ dialect: createSqliteDialect(':memory:') });
  await sql`create table items (id text primary key, status text not null, amount integer not null, note text)`.execute(
    db,
  );
});
afterEach(async () => {
  await db.destroy();
});

describe('prepareQuery', () => {
  it('runs the compiled statement with new values each time, keeping constants', async () => {
    const insert = prepareQuery<{ id: string; amount: number; note: string | null }, never>(
      ['id', 'amount', 'note'],
      (v) => db.insertInto('items').values({ ...v, status: 'open' }),
    );
    const add = prepareQuery<{ id: string; by: number }, never>(['id', 'by'], (v) =>
      db
        .updateTable('items')
        .set({ amount: sql`amount + ${v.by}` })
        .where('id', '=', v.id)
        .where('status', '=', 'open'),
    );
    const open = prepareQuery(['id'], (v: { id: string }) =>
      db.selectFrom('items').selectAll().where('id', '=', v.id).where('status', '=', 'open'),
    );
    await insert(db, { id: 'a', amount: 1, note: null });
    await insert(db, { id: 'b', amount: 10, note: 'x' });
    expect(Number((await add(db, { id: 'b', by: 5 })).numAffectedRows)).toBe(1);
    expect(Number((await add(db, { id: 'nope', by: 5 })).numAffectedRows)).toBe(0);
    expect((await open(db, { id: 'b' })).rows).toEqual([
      { id: 'b', status: 'open', amount: 15, note: 'x' },
    ]);
    expect((await open(db, { id: 'a' })).rows[0]?.note).toBeNull();
    // In a transaction too.
    await db.transaction().execute(async (tx) => {
      await add(tx, { id: 'a', by: 2 });
    });
    expect((await open(db, { id: 'a' })).rows[0]?.amount).toBe(3);
  });

  it('refuses a placeholder used as anything but a value', () => {
    expect(() =>
      prepareQuery<{ id: string; amount: number }, never>(['id', 'amount'], (v) =>
        db
          .updateTable('items')
          .set({ amount: v.amount * 2 })
          .where('id', '=', v.id),
      ),
    ).toThrow(/parameter amount is not bound/);
    expect(() =>
      prepareQuery<{ id: string }, never>(['id'], (v) =>
        db
          .selectFrom('items')
          .selectAll()
          .where(sql.raw<boolean>(`id = '${v.id}'`)),
      ),
    ).toThrow(/inlined into the SQL/);
  });
});
