import { sql, type Transaction } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Database, JobStatus, JobsTable } from '../db/schema.ts';
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
  /** Appends an event; `seq` follows the job's last one. */
  append(job: EventSource, type: string, data: Record<string, unknown>, tx?: Tx): Promise<JobEvent>;
  eventsAfter(jobId: string, afterSeq: number): Promise<JobEvent[]>;
  /** Queued jobs of an account. */
  queuedCount(accountId: string): Promise<number>;
  /** How many queued jobs are expected to start before this one (accounts take turns). */
  position(job: Pick<JobRow, 'id' | 'account_id'>): Promise<number>;
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

export function createJobStore(deps: {
  db: Db;
  now?: () => number;
  onAppend?: OnAppend;
}): JobStore {
  const { db } = deps;
  const now = deps.now ?? Date.now;

  async function appendOnce(
    q: Db | Tx,
    jobId: string,
    type: string,
    data: Record<string, unknown>,
  ): Promise<JobEvent> {
    const last = await q
      .selectFrom('job_events')
      .select((eb) => eb.fn.max<number | null>('seq').as('seq'))
      .where('job_id', '=', jobId)
      .executeTakeFirst();
    const row = {
      job_id: jobId,
      seq: Number(last?.seq ?? 0) + 1,
      id: sortableId('evt', now()),
      type,
      data: JSON.stringify(data),
      created_at: now(),
    };
    await q.insertInto('job_events').values(row).execute();
    return toEvent(row);
  }

  return {
    async insert(tx, row) {
      await tx.insertInto('jobs').values(row).execute();
    },

    find: (id) => db.selectFrom('jobs').selectAll().where('id', '=', id).executeTakeFirst(),

    async append(job, type, data, tx) {
      const hook = job.webhook_url === null ? undefined : deps.onAppend;
      const write = async (q: Tx | Db) => {
        if (!hook) return appendOnce(q, job.id, type, data);
        const run = async (t: Tx) => {
          const event = await appendOnce(t, job.id, type, data);
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
        .selectFrom('jobs')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('status', '=', 'queued')
        .where('account_id', '=', accountId)
        .executeTakeFirstOrThrow();
      return Number(r.n);
    },

    async position(job) {
      const own = await db
        .selectFrom('jobs')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('status', '=', 'queued')
        .where('account_id', '=', job.account_id)
        .where('id', '<', job.id)
        .executeTakeFirstOrThrow();
      const rank = Number(own.n);
      const accounts = await db
        .selectFrom('jobs')
        .leftJoin('job_turns as t', 't.account_id', 'jobs.account_id')
        .select([
          'jobs.account_id',
          (eb) => eb.fn.countAll<number>().as('n'),
          (eb) => eb.fn.min<string>('jobs.id').as('first'),
          (eb) => eb.fn.max<number | null>('t.last_started_at').as('turn'),
        ])
        .where('jobs.status', '=', 'queued')
        .groupBy('jobs.account_id')
        .execute();
      // Accounts take turns in the order (last start, oldest queued job), one job per round.
      const key = (turn: number | null, first: string) => [Number(turn ?? 0), first] as const;
      const before = (a: readonly [number, string], b: readonly [number, string]) =>
        a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]);
      const mine = accounts.find((a) => a.account_id === job.account_id);
      const myKey = key(mine?.turn ?? null, mine?.first ?? job.id);
      let ahead = rank;
      for (const a of accounts) {
        if (a.account_id === job.account_id) continue;
        const n = Number(a.n);
        ahead += Math.min(n, rank) + (n > rank && before(key(a.turn, a.first), myKey) ? 1 : 0);
      }
      return ahead;
    },

    async nextCandidates(limit, skipAccounts) {
      const heads = db
        .selectFrom('jobs')
        .select(['account_id', (eb) => eb.fn.min<string>('id').as('first')])
        .where('status', '=', 'queued')
        .groupBy('account_id')
        .as('heads');
      let query = db
        .selectFrom(heads)
        .innerJoin('jobs as j', 'j.id', 'heads.first')
        .innerJoin('api_keys as k', 'k.id', 'j.api_key_id')
        .leftJoin('job_turns as t', 't.account_id', 'heads.account_id')
        .select(['j.id', 'j.account_id', 'j.api_key_id', 'k.concurrency_limit', 'k.rpm_limit'])
        .orderBy(sql`coalesce(t.last_started_at, 0)`)
        .orderBy('heads.first')
        .limit(limit);
      if (skipAccounts.size > 0) {
        query = query.where('heads.account_id', 'not in', [...skipAccounts]);
      }
      const rows = await query.execute();
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
        await tx
          .insertInto('job_turns')
          .values({ account_id: accountId, last_started_at: at })
          .onConflict((oc) => oc.column('account_id').doUpdateSet({ last_started_at: at }))
          .execute();
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

    async finish(id, owner, from, end) {
      let q = db
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
      const r = await q.executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
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
