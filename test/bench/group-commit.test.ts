import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { createGroupCommit } from '../../bench/group-commit.ts';

function database() {
  const db = new DatabaseSync(':memory:');
  db.exec('create table t (id integer primary key, v text not null)');
  return db;
}

describe('group commit (bench/group-commit.ts)', () => {
  it('commits the work asked for in one turn in one transaction, each unit getting its result', async () => {
    const db = database();
    const group = createGroupCommit(db);
    const insert = db.prepare('insert into t (v) values (?)');
    const results = await Promise.all(
      ['a', 'b', 'c'].map((v) => group.run(() => Number(insert.run(v).lastInsertRowid))),
    );
    expect(results).toEqual([1, 2, 3]);
    expect(group.stats).toEqual({ transactions: 1, units: 3 });
    expect(db.prepare('select count(*) as n from t').get()).toEqual({ n: 3 });
  });

  it('undoes only the statements of a unit that throws, and fails only its promise', async () => {
    const db = database();
    const group = createGroupCommit(db);
    const insert = db.prepare('insert into t (v) values (?)');
    const outcomes = await Promise.allSettled([
      group.run(() => insert.run('kept')),
      group.run(() => {
        insert.run('undone');
        insert.run(null as unknown as string); // not null constraint
      }),
      group.run(() => insert.run('kept too')),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(
      db
        .prepare('select v from t order by id')
        .all()
        .map((r) => r.v),
    ).toEqual(['kept', 'kept too']);
  });

  it('splits a queue longer than the largest batch over several transactions', async () => {
    const db = database();
    const group = createGroupCommit(db, { maxBatch: 2 });
    const insert = db.prepare('insert into t (v) values (?)');
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map((v) => group.run(() => insert.run(v))));
    expect(group.stats).toEqual({ transactions: 3, units: 5 });
    expect(db.isTransaction).toBe(false);
  });
});
