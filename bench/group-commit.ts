/**
 * Group commit for node:sqlite: the writes of every request that asks in the same turn of the
 * event loop run in one transaction, and each request's promise settles when that transaction
 * has committed. One commit (one WAL append and, at `synchronous = NORMAL`, no fsync) is then
 * shared by as many requests as arrived together, instead of one or more per request.
 *
 * Each unit of work runs inside its own savepoint, so a unit that throws undoes only its own
 * statements and fails only its own promise; a failed commit fails every unit of the batch.
 * Work must be synchronous (node:sqlite is): nothing else runs while the transaction is open.
 */
import type { DatabaseSync } from 'node:sqlite';

export interface GroupCommit {
  /** Runs `work` in the next shared transaction; resolves with its result once committed. */
  run<T>(work: () => T): Promise<T>;
  /** Transactions committed and units of work run so far (for the batch size). */
  readonly stats: { transactions: number; units: number };
}

interface Unit {
  readonly work: () => unknown;
  readonly ok: (value: unknown) => void;
  readonly fail: (err: unknown) => void;
}

export function createGroupCommit(db: DatabaseSync, options: { maxBatch?: number } = {}) {
  const maxBatch = options.maxBatch ?? 256;
  const begin = db.prepare('begin immediate');
  const commit = db.prepare('commit');
  const rollback = db.prepare('rollback');
  const savepoint = db.prepare('savepoint unit');
  const release = db.prepare('release unit');
  const undo = db.prepare('rollback to unit');
  const stats = { transactions: 0, units: 0 };
  let queue: Unit[] = [];
  let scheduled = false;

  function flush(): void {
    scheduled = false;
    const batch = queue.slice(0, maxBatch);
    queue = queue.slice(batch.length);
    if (queue.length > 0) schedule();
    const results: Array<{ ok: true; value: unknown } | { ok: false; err: unknown }> = [];
    try {
      begin.run();
      for (const unit of batch) {
        savepoint.run();
        try {
          results.push({ ok: true, value: unit.work() });
          release.run();
        } catch (err) {
          undo.run();
          release.run();
          results.push({ ok: false, err });
        }
      }
      commit.run();
    } catch (err) {
      if (db.isTransaction) rollback.run();
      for (const unit of batch) unit.fail(err);
      return;
    }
    stats.transactions++;
    stats.units += batch.length;
    batch.forEach((unit, i) => {
      const r = results[i]!;
      if (r.ok) unit.ok(r.value);
      else unit.fail(r.err);
    });
  }

  function schedule(): void {
    if (scheduled) return;
    scheduled = true;
    setImmediate(flush);
  }

  return {
    stats,
    run<T>(work: () => T): Promise<T> {
      return new Promise<T>((ok, fail) => {
        queue.push({ work, ok: ok as (value: unknown) => void, fail });
        schedule();
      });
    },
  } satisfies GroupCommit;
}
