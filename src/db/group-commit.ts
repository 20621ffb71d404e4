import { CompiledQuery, type Kysely, type Transaction } from 'kysely';

/**
 * Runs `work` in a transaction and resolves with its value once that transaction has
 * committed; a throw rolls back what `work` wrote (and only that) and rejects with the error.
 */
export type Transact<DB> = <T>(work: (tx: Transaction<DB>) => Promise<T>) => Promise<T>;

/** One transaction per call: what PostgreSQL gets (its commits overlap on the pool). */
export function directTransact<DB>(db: Kysely<DB>): Transact<DB> {
  return (work) => db.transaction().execute(work);
}

const SAVEPOINT = CompiledQuery.raw('savepoint group_commit_item');
const RELEASE = CompiledQuery.raw('release group_commit_item');
const ROLLBACK_TO = CompiledQuery.raw('rollback to group_commit_item');

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

interface Item {
  readonly work: (tx: Transaction<unknown>) => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit for SQLite: the transactions asked for while one is committing (or within the
 * same turn of the event loop) run together in the next one, each in its own savepoint, and
 * commit once. SQLite has a single writer and each commit writes its pages to the WAL; with
 * fifty generations settling at once that is one commit instead of fifty (bench scenario 1).
 *
 * Each item still behaves as its own transaction: a throw rolls back to its savepoint and
 * rejects only it; the others commit. Values are handed out only after the commit, so nobody
 * acts on a write that could still be lost. If the commit itself fails, every item of the
 * batch rejects with that error and none of their writes remain.
 *
 * `work` must do nothing but database work on `tx` (no waiting on the network, no queries on
 * the database handle itself, which would wait for this very transaction's connection).
 */
export function groupCommit<DB>(db: Kysely<DB>, options: { maxBatch?: number } = {}): Transact<DB> {
  const maxBatch = options.maxBatch ?? 64;
  let queue: Item[] = [];
  let flushing = false;

  async function runBatch(batch: Item[]): Promise<void> {
    const outcomes: Outcome[] = [];
    try {
      await db.transaction().execute(async (tx) => {
        if (batch.length === 1) {
          // Alone: the transaction is the item's own, no savepoint needed.
          outcomes.push({ ok: true, value: await batch[0]!.work(tx as Transaction<unknown>) });
          return;
        }
        for (const item of batch) {
          await tx.executeQuery(SAVEPOINT);
          try {
            const value = await item.work(tx as Transaction<unknown>);
            await tx.executeQuery(RELEASE);
            outcomes.push({ ok: true, value });
          } catch (error) {
            // If SQLite has already rolled the whole transaction back (a full disk, say),
            // these throw and the batch fails as a whole, as it must.
            await tx.executeQuery(ROLLBACK_TO);
            await tx.executeQuery(RELEASE);
            outcomes.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      // Nothing of the batch was committed: every item fails, with its own error if it had one.
      batch.forEach((item, i) => {
        const own = outcomes[i];
        item.reject(own && !own.ok ? own.error : error);
      });
      return;
    }
    batch.forEach((item, i) => {
      const o = outcomes[i]!;
      if (o.ok) item.resolve(o.value);
      else item.reject(o.error);
    });
  }

  async function flush(): Promise<void> {
    try {
      while (queue.length > 0) {
        let batch: Item[];
        if (queue.length <= maxBatch) {
          batch = queue;
          queue = [];
        } else {
          batch = queue.splice(0, maxBatch);
        }
        await runBatch(batch);
      }
    } finally {
      flushing = false;
    }
  }

  return <T>(work: (tx: Transaction<DB>) => Promise<T>) =>
    new Promise<T>((resolve, reject) => {
      queue.push({
        work: work as unknown as Item['work'],
        resolve: resolve as Item['resolve'],
        reject,
      });
      if (!flushing) {
        flushing = true;
        // The rest of this turn's requests join the batch.
        setImmediate(() => void flush());
      }
    });
}
