import { sql, type Transaction } from 'kysely';
import type { Db } from '../db/database.ts';
import { prepareQuery } from '../db/prepared.ts';
import type { Database, JobEventsTable, JobStatus, JobsTable } from '../db/schema.ts';
import { sortableId } from '../ids.ts';

/*
 * The jobs table and its event log: every statement the job service runs, on SQLite and
 * PostgreSQL alike. Claims are conditional updates (`where status = ...`), so two workers,
 * or a worker and a cancel, can never both win the same job.
 */

export type JobRow = JobsTable;
type Tx = Transaction<Database>;

export interface JobEvent {
  readonly jobId: string;
  readonly seq: number;
  /** Globally unique: the webhook-id of this event's deliveries. */
  readonly id: string;
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly createdAt: number;
}

export const FINISHED: ReadonlySet<JobStatus> = new Set(['succeeded', 'failed', 'canceled']);

export interface JobStore {
  insert(tx: Tx, row: JobRow): Promise<void>;
  find(id: string): Promise<JobRow | undefined>;
  /**
   * Appends an event; `seq` follows the job's last one. `first`: the job was inserted in `tx`
   * and has no event yet, so this one is seq 1 without looking.
   */
  append(
    job: EventSource,
    type: string,
    data: Record<string, unknown>,
    tx?: Tx,
    first?: boolean,
  ): Promise<JobEvent>;
  eventsAfter(jobId: string, afterSeq: number): Promise<JobEvent[]>;
  /** Queued jobs of an account. */
  queuedCount(accountId: string): Promise<number>;
  /**
   * How many queued jobs are expected to start before this one (accounts take turns);
   * `ownRank`, when known, is how many of its account's queued jobs are older.
   */
  position(job: Pick<JobRow, 'id' | 'account_id'>, ownRank?: number): Promise<number>;
  /**
   * Queued jobs that may start next, one per account, the account whose turn it is first
   * (the one that least recently had a job started), then by age.
   */
  nextCandidates(limit: number, skipAccounts: ReadonlySet<string>): Promise<Candidate[]>;
  /** Takes a queued job for `owner` until `leaseUntil`; false when someone else took it. */
  claim(
    id: string,
    accountId: string,
    owner: string,
    at: number,
    leaseUntil: number,
  ): Promise<boolean>;
  /** Extends the leases `owner` holds; returns those whose cancel was asked for, and lost ones. */
  heartbeat(
    owner: string,
    ids: readonly string[],
    leaseUntil: number,
  ): Promise<{ cancel: string[]; lost: string[] }>;
  requestCancel(id: string): Promise<void>;
  /** Ends a job `owner` holds (or, with owner undefined, a queued one); false if not held. */
  finish(
    id: string,
    owner: string | undefined,
    from: JobStatus,
    end: {
      status: JobStatus;
      error?: Record<string, unknown> | null;
      generationTimeMs?: number | null;
      creditsUsed?: number | null;
      at: number;
    },
    /** The transaction to write it in (the settlement's); else its own. */
    tx?: Tx,
  ): Promise<boolean>;
  /**
   * Running jobs whose lease ran out (their worker died); with `asyncBefore`, asynchronous ones
   * only if it ran out before then (the job engine brings those back first).
   */
  expiredRunning(at: number, asyncBefore?: number): Promise<JobRow[]>;
  /** Takes over an expired running job for `owner`; false if another did first. */
  takeOver(id: string, expiredAt: number, owner: string, leaseUntil: number): Promise<boolean>;
  /** Queued jobs created before `before` (waited too long). */
  queuedBefore(before: number, limit: number): Promise<JobRow[]>;
  /** Deletes finished jobs (their events, webhook deliveries and attempts) finished before `before`. */
  purgeFinished(before: number): Promise<number>;
}

/** What appending an event needs to know of its job. */
export type EventSource = Pick<JobRow, 'id' | 'webhook_url'>;

/** Writes, in the event's transaction, what must exist exactly when the event does (a webhook delivery). */
export type OnAppend = (tx: Tx, event: JobEvent) => Promise<void>;

export interface Candidate {
  readonly id: string;
  readonly accountId: string;
  readonly apiKeyId: string;
  /** The key's own concurrency limit, if it has one. */
  readonly keyConcurrency: number | null;
  readonly keyRpm: number | null;
}

const toEvent = (r: {
  job_id: string;
  seq: number;
  id: string;
  type: string;
  data: string;
  created_at: number;
}): JobEvent => ({
  jobId: r.job_id,
  seq: Number(r.seq),
  id: r.id,
  type: r.type,
  data: JSON.parse(r.data) as Record<string, unknown>,
  createdAt: Number(r.created_at),
});

/** Counts a job into (+1) or out of (-1) its account's queued jobs, in the status change's transaction. */
async function countQueued(q: Db | Tx, accountId: string, by: 1 | -1, startedAt?: number) {
  await q
    .insertInto('job_turns')
    .values({
      account_id: accountId,
      last_started_at: startedAt ?? 0,
      queued: Math.max(0, by),
    })
    .onConflict((oc) =>
      oc.column('account_id').doUpdateSet({
        queued:
          by === 1
            ? sql<number>`job_turns.queued + 1`
            : sql<number>`case when job_turns.queued > 0 then job_turns.queued - 1 else 0 end`,
        ...(startedAt === undefined ? {} : { last_started_at: startedAt }),
      }),
    )
    .execute();
}

export function createJobStore(deps: {
  db: Db;
  now?: () => number;
  onAppend?: OnAppend;
}): JobStore {
  const { db } = deps;
  const now = deps.now ?? Date.now;

  // What every generation runs, compiled once (see prepareQuery).
  const lastSeq = prepareQuery(['jobId'], (v: { jobId: string }) =>
    db
      .selectFrom('job_events')
      .select((eb) => eb.fn.max<number | null>('seq').as('seq'))
      .where('job_id', '=', v.jobId),
  );
  const insertEvent = prepareQuery<JobEventsTable, never>(
    ['job_id', 'seq', 'id', 'type', 'data', 'created_at'],
    (v) => db.insertInto('job_events').values(v),
  );
  const insertJob = prepareQuery<JobRow, never>(
    [
      'id',
      'account_id',
      'api_key_id',
      'request_id',
      'request',
      'mode',
      'status',
      'cancel_requested',
      'lease_owner',
      'lease_expires_at',
      'error',
      'generation_time_ms',
      'credits_used',
      'base_url',
      'webhook_url',
      'webhook_events',
      'created_at',
      'started_at',
      'finished_at',
    ],
    (v) => db.insertInto('jobs').values(v),
  );

  const finishHeld = prepareQuery(
    ['id', 'from', 'owner', 'status', 'error', 'generationTimeMs', 'creditsUsed', 'at'],
    (v: {
      id: string;
      from: JobStatus;
      owner: string;
      status: JobStatus;
      error: string | null;
      generationTimeMs: number | null;
      creditsUsed: number | null;
      at: number;
    }) =>
      db
        .updateTable('jobs')
        .set({
          status: v.status,
          error: v.error,
          generation_time_ms: v.generationTimeMs,
          credits_used: v.creditsUsed,
          finished_at: v.at,
          lease_owner: null,
          lease_expires_at: null,
        })
        .where('id', '=', v.id)
        .where('status', '=', v.from)
        .where('lease_owner', '=', v.owner)
        .returning('account_id'),
  );

  async function appendOnce(
    q: Db | Tx,
    jobId: string,
    type: string,
    data: Record<string, unknown>,
    first: boolean,
  ): Promise<JobEvent> {
    const seq = first ? 1 : Number((await lastSeq(q, { jobId })).rows[0]?.seq ?? 0) + 1;
    const row = {
      job_id: jobId,
      seq,
      id: sortableId('evt', now()),
      type,
      data: JSON.stringify(data),
      created_at: now(),
    };
    await insertEvent(q, row);
    return toEvent(row);
  }

  return {
    async insert(tx, row) {
      await insertJob(tx, row);
      if (row.status === 'queued') await countQueued(tx, row.account_id, 1);
    },

    find: (id) => db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst(),

    async append(job, type, data, tx, first = false) {
      const hook = job.webhook_url === null ? undefined : deps.onAppend;
      const write = async (q: Tx | Db) => {
        if (!hook) return appendOnce(q, job.id, type, data, first);
        const run = async (t: Tx) => {
          const event = await appendOnce(t, job.id, type, data, first);
          await hook(t, event);
          return event;
        };
        return q === db ? db.transaction().execute(run) : run(q as Tx);
      };
      if (tx) return write(tx);
      // Two writers of one job's events are rare (a cancel racing the worker's last event);
      // the loser of the (job_id, seq) key takes the next number.
      for (let attempt = 0; ; attempt++) {
        try {
          return await write(db);
        } catch (err) {
          if (attempt >= 3) throw err;
        }
      }
    },

    async eventsAfter(jobId, afterSeq) {
      const rows = await db
        .selectFrom('job_events')
        .selectAll()
        .where('job_id', '=', jobId)
        .where('seq', '>', afterSeq)
        .orderBy('seq')
        .execute();
      return rows.map(toEvent);
    },

    async queuedCount(accountId) {
      const r = await db
        .selectFrom('job_turns')
        .select('queued')
        .where('account_id', '=', accountId)
        .executeTakeFirst();
      return Number(r?.queued ?? 0);
    },

    async position(job, ownRank) {
      const rank =
        ownRank ??
        Number(
          (
            await db
              .selectFrom('jobs')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .where('status', '=', 'queued')
              .where('account_id', '=', job.account_id)
              .where('id', '<', job.id)
              .executeTakeFirstOrThrow()
          ).n,
        );
      // Accounts with queued jobs: how many, their turn, their oldest (one index probe each).
      const accounts = await db
        .selectFrom('job_turns as t')
        .select([
          't.account_id',
          't.queued as n',
          't.last_started_at as turn',
          (eb) =>
            eb
              .selectFrom('jobs as j')
              .select((e) => e.fn.min<string>('j.id').as('first'))
              .where('j.status', '=', 'queued')
              .whereRef('j.account_id', '=', 't.account_id')
              .as('first'),
        ])
        .where('t.queued', '>', 0)
        .execute();
      // Accounts take turns in the order (last start, oldest queued job), one job per round.
      const key = (turn: number | null, first: string) => [Number(turn ?? 0), first] as const;
      const before = (a: readonly [number, string], b: readonly [number, string]) =>
        a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
      const mine = accounts.find((a) => a.account_id === job.account_id);
      const myKey = key(mine?.turn ?? null, mine?.first ?? job.id);
      let ahead = rank;
      for (const a of accounts) {
        if (a.account_id === job.account_id || a.first === null) continue;
        const n = Number(a.n);
        ahead += Math.min(n, rank) + (n > rank && before(key(a.turn, a.first), myKey) ? 1 : 0);
      }
      return ahead;
    },

    async nextCandidates(limit, skipAccounts) {
      // Each account with queued jobs, its oldest one found through the (status, account_id,
      // id) index: the work grows with the accounts waiting, not with the jobs queued.
      const heads = db
        .selectFrom('job_turns as t')
        .select([
          't.account_id',
          't.last_started_at',
          (eb) =>
            eb
              .selectFrom('jobs as q')
              .select((e) => e.fn.min<string>('q.id').as('first'))
              .where('q.status', '=', 'queued')
              .whereRef('q.account_id', '=', 't.account_id')
              .as('first'),
        ])
        .where('t.queued', '>', 0)
        .$if(skipAccounts.size > 0, (q) => q.where('t.account_id', 'not in', [...skipAccounts]))
        .as('heads');
      const rows = await db
        .selectFrom(heads)
        .innerJoin('jobs as j', 'j.id', 'heads.first')
        .innerJoin('api_keys as k', 'k.id', 'j.api_key_id')
        .select(['j.id', 'j.account_id', 'j.api_key_id', 'k.concurrency_limit', 'k.rpm_limit'])
        .orderBy('heads.last_started_at')
        .orderBy('heads.first')
        .limit(limit)
        .execute();
      return rows.map((r) => ({
        id: r.id,
        accountId: r.account_id,
        apiKeyId: r.api_key_id,
        keyConcurrency: r.concurrency_limit,
        keyRpm: r.rpm_limit,
      }));
    },

    async claim(id, accountId, owner, at, leaseUntil) {
      return db.transaction().execute(async (tx) => {
        const r = await tx
          .updateTable('jobs')
          .set({
            status: 'running',
            lease_owner: owner,
            lease_expires_at: leaseUntil,
            started_at: at,
          })
          .where('id', '=', id)
          .where('status', '=', 'queued')
          .executeTakeFirst();
        if (Number(r.numUpdatedRows) !== 1) return false;
        await countQueued(tx, accountId, -1, at);
        return true;
      });
    },

    async heartbeat(owner, ids, leaseUntil) {
      if (ids.length === 0) return { cancel: [], lost: [] };
      await db
        .updateTable('jobs')
        .set({ lease_expires_at: leaseUntil })
        .where('id', 'in', ids)
        .where('status', '=', 'running')
        .where('lease_owner', '=', owner)
        .execute();
      const rows = await db
        .selectFrom('jobs')
        .select(['id', 'status', 'lease_owner', 'cancel_requested'])
        .where('id', 'in', ids)
        .execute();
      const held = new Map(rows.map((r) => [r.id, r]));
      const cancel: string[] = [];
      const lost: string[] = [];
      for (const id of ids) {
        const r = held.get(id);
        if (r?.status !== 'running' || r.lease_owner !== owner) lost.push(id);
        else if (Number(r.cancel_requested) === 1) cancel.push(id);
      }
      return { cancel, lost };
    },

    async requestCancel(id) {
      await db.updateTable('jobs').set({ cancel_requested: 1 }).where('id', '=', id).execute();
    },

    async finish(id, owner, from, end, tx) {
      if (from !== 'queued' && owner !== undefined) {
        // A worker ending the job it holds: every generation does this.
        const { rows } = await finishHeld(tx ?? db, {
          id,
          from,
          owner,
          status: end.status,
          error: end.error ? JSON.stringify(end.error) : null,
          generationTimeMs: end.generationTimeMs ?? null,
          creditsUsed: end.creditsUsed ?? null,
          at: end.at,
        });
        return rows.length > 0;
      }
      const update = (t: Db | Tx) => {
        let q = t
          .updateTable('jobs')
          .set({
            status: end.status,
            error: end.error ? JSON.stringify(end.error) : null,
            generation_time_ms: end.generationTimeMs ?? null,
            credits_used: end.creditsUsed ?? null,
            finished_at: end.at,
            lease_owner: null,
            lease_expires_at: null,
          })
          .where('id', '=', id)
          .where('status', '=', from);
        if (owner !== undefined) q = q.where('lease_owner', '=', owner);
        return q.returning('account_id').executeTakeFirst();
      };
      if (from !== 'queued') return (await update(tx ?? db)) !== undefined;
      // A queued job leaves its account's count in the same transaction.
      const leave = async (t: Tx) => {
        const row = await update(t);
        if (row) await countQueued(t, row.account_id, -1);
        return row !== undefined;
      };
      return tx ? leave(tx) : db.transaction().execute(leave);
    },

    expiredRunning: (at, asyncBefore) =>
      db
        .selectFrom('jobs')
        .selectAll()
        .where('status', '=', 'running')
        .where('lease_expires_at', '<', at)
        .$if(asyncBefore !== undefined, (q) =>
          q.where((eb) =>
            eb.or([eb('mode', '=', 'sync'), eb('lease_expires_at', '<', asyncBefore!)]),
          ),
        )
        .limit(100)
        .execute(),

    async takeOver(id, expiredAt, owner, leaseUntil) {
      const r = await db
        .updateTable('jobs')
        .set({ lease_owner: owner, lease_expires_at: leaseUntil })
        .where('id', '=', id)
        .where('status', '=', 'running')
        .where('lease_expires_at', '=', expiredAt)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    queuedBefore: (before, limit) =>
      db
        .selectFrom('jobs')
        .selectAll()
        .where('status', '=', 'queued')
        .where('created_at', '<', before)
        .orderBy('id')
        .limit(limit)
        .execute(),

    async purgeFinished(before) {
      return db.transaction().execute(async (tx) => {
        const old = tx
          .selectFrom('jobs')
          .select('id')
          .where('status', 'in', ['succeeded', 'failed', 'canceled'])
          .where('finished_at', '<', before);
        const deliveries = tx
          .selectFrom('webhook_deliveries')
          .select('id')
          .where('job_id', 'in', old);
        await tx.deleteFrom('webhook_attempts').where('delivery_id', 'in', deliveries).execute();
        await tx.deleteFrom('webhook_deliveries').where('job_id', 'in', old).execute();
        await tx.deleteFrom('job_events').where('job_id', 'in', old).execute();
        const r = await tx
          .deleteFrom('jobs')
          .where('status', 'in', ['succeeded', 'failed', 'canceled'])
          .where('finished_at', '<', before)
          .executeTakeFirst();
        return Number(r.numDeletedRows);
      });
    },
  };
}
