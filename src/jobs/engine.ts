import { createHash } from 'node:crypto';
import { sql, type Transaction } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Database } from '../db/schema.ts';
import type { Logger } from '../log.ts';
import type { JobRow } from './job-store.ts';

/*
 * The scale-out queue: pg-boss (a job engine on PostgreSQL, which the mode already requires)
 * hands queued jobs to worker processes. goodtake's `jobs` table stays the record of each job
 * (status, events, position, what the API shows); the engine holds the work itself:
 *
 * - A job is sent to the engine in the transaction that reserves its credits and writes its row
 *   (pg-boss's `db` option on a Kysely transaction), under an id derived from the job's id, so it
 *   exists exactly when the reservation does and can never be queued twice.
 * - Workers fetch with SKIP LOCKED, hold the job with heartbeats, and complete it. A worker that
 *   dies stops heartbeating; pg-boss's supervisor puts the job back (a retry) and another worker
 *   fetches it, finds the job `running` under a lapsed lease and settles it (src/jobs/workers.ts).
 * - Fairness across accounts is start-time fair queuing on pg-boss's priority: each job gets a tag,
 *   an account's first queued job the tag of the jobs now running, each further one its
 *   previous tag plus one, and the engine fetches the lowest tag first (`priority = -tag`). So
 *   one account's 10,000 queued jobs take one turn per round, and another account's single
 *   job is fetched next. pg-boss's groups (one per API key) let a worker skip the keys that
 *   are at their concurrency limit.
 * - Wake-ups and cancels go through PostgreSQL NOTIFY on one channel, received on pg-boss's own
 *   reconnecting LISTEN connection.
 */

export const QUEUE = 'goodtake-generations';
const CHANNEL = 'goodtake_jobs';
const MAX_TAG = 2 ** 31 - 1;

type Tx = Transaction<Database>;

/** A job the engine handed to this worker: hold it (touch), then complete it or put it back. */
export interface Taken {
  readonly engineId: string;
  readonly attempt: number;
  readonly jobId: string;
  readonly apiKeyId: string;
}

export interface QueueEngine {
  /** In the reservation's transaction: queues the job; returns its position (jobs before it). */
  enqueue(tx: Tx, job: JobRow, accountQueued: number): Promise<number>;
  /** Queued jobs expected to start before this one. */
  position(job: Pick<JobRow, 'id'>): Promise<number>;
  /** The next job for this worker, skipping the API keys in `skipKeys`. */
  take(skipKeys: ReadonlySet<string>): Promise<Taken | undefined>;
  /** Gives a taken job back (its key is at its limit, or its previous worker's lease lasts). */
  putBack(taken: Taken): Promise<void>;
  /** The job is over (or was never to run): the engine forgets it. */
  done(taken: Taken): Promise<void>;
  /** Keeps the engine's hold on running jobs. */
  touch(taken: readonly Taken[]): Promise<void>;
  /** A queued job ended without running (canceled, waited too long). */
  remove(jobId: string): Promise<void>;
  /** Tells every worker a job's cancel was asked for. */
  announceCancel(jobId: string): Promise<void>;
  /** Starts the engine; `on` is told of new work and of cancels from any process. */
  start(on: { queued(): void; cancel(jobId: string): void }): Promise<void>;
  stop(): Promise<void>;
}

export interface EngineSettings {
  readonly databaseUrl: string;
  /** How long a worker's hold on a job lasts without a heartbeat (pg-boss's floor is 10 s). */
  readonly leaseMs: number;
  /** Longest a job may run before the engine takes it back. */
  readonly maxRunMs: number;
  /** Longest a job may wait queued. */
  readonly queueMaxWaitMs: number;
  /** Whether this process supervises (puts back the jobs of dead workers). */
  readonly supervise: boolean;
  /** Whether this process creates or upgrades the engine's tables. */
  readonly migrate: boolean;
}

/** The engine's settings from goodtake's configuration. */
export function engineSettingsOf(config: {
  databaseUrl: string;
  autoMigrate: boolean;
  reservationLeaseMs: number;
  jobs: { workers: number; leaseMs: number; queueMaxWaitMs: number };
}): EngineSettings {
  return {
    databaseUrl: config.databaseUrl,
    leaseMs: config.jobs.leaseMs,
    maxRunMs: config.reservationLeaseMs,
    queueMaxWaitMs: config.jobs.queueMaxWaitMs,
    supervise: config.jobs.workers > 0,
    migrate: config.autoMigrate,
  };
}

/**
 * Creates or upgrades the engine's schema and queue (`goodtake migrate` on PostgreSQL, for
 * installations that start with GOODTAKE_AUTO_MIGRATE=false).
 */
export async function installEngine(db: Db, settings: EngineSettings, log: Logger): Promise<void> {
  const engine = await createPgBossEngine({
    db,
    settings: { ...settings, supervise: false, migrate: true },
    log,
  });
  await engine.start({ queued() {}, cancel() {} });
  await engine.stop();
}

/** The engine's id of a goodtake job: a UUID derived from the job's id. */
export function engineIdOf(jobId: string): string {
  const h = createHash('sha256').update(jobId).digest('hex');
  // UUID version 8 (custom), variant 10.
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((Number.parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** The engine's schema: beside goodtake's own (its first search_path schema). */
export async function engineSchemaOf(db: Db): Promise<string> {
  const { rows } = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
  return `${rows[0]!.schema}_pgboss`;
}

export async function createPgBossEngine(deps: {
  db: Db;
  settings: EngineSettings;
  log: Logger;
}): Promise<QueueEngine> {
  const { db, settings, log } = deps;
  const [{ PgBoss, fromKysely }, schema] = await Promise.all([
    import('pg-boss'),
    engineSchemaOf(db),
  ]);
  const heartbeatSeconds = Math.max(10, Math.ceil(settings.leaseMs / 1000));
  const superviseSeconds = Math.max(1, Math.min(60, Math.floor(heartbeatSeconds / 2)));
  const boss = new PgBoss({
    connectionString: settings.databaseUrl,
    schema,
    max: 4,
    application_name: 'goodtake-jobs',
    supervise: settings.supervise,
    migrate: settings.migrate,
    schedule: false,
    superviseIntervalSeconds: superviseSeconds,
    monitorIntervalSeconds: superviseSeconds,
    registerInstance: false,
    openTelemetry: { enabled: false },
  });
  boss.on('error', (err) => log.error({ err }, 'job engine error'));
  boss.on('warning', (w) => log.warn({ warning: w }, 'job engine warning'));
  const queueOptions = {
    heartbeatSeconds,
    expireInSeconds: Math.min(24 * 3600, Math.ceil(settings.maxRunMs / 1000)),
    // A retry is how a job comes back when its worker died or gave it back: the worker that
    // fetches it decides from goodtake's record (settle it, or run it), so it never runs twice.
    retryLimit: 1_000_000,
    retryDelay: 1,
    retentionSeconds: Math.ceil(settings.queueMaxWaitMs / 1000) + 3600,
    deleteAfterSeconds: 3600,
  };
  const table = `${schema}.job`;
  let listener: { close(): Promise<void> } | undefined;

  async function notify(q: Db | Tx, payload: string) {
    await sql`select pg_notify(${CHANNEL}, ${payload})`.execute(q);
  }

  /** The tag of the jobs running now: an account with nothing queued starts its turn there. */
  async function currentTag(tx: Tx): Promise<number> {
    const { rows } = await sql<{ p: number | null; h: number | null }>`
      select
        (select min(priority) from ${sql.table(table)} where name = ${QUEUE} and state = 'active') as p,
        (select max(priority) from ${sql.table(table)} where name = ${QUEUE} and state < 'active' and not blocked) as h
    `.execute(tx);
    const active = rows[0]?.p;
    if (active !== null && active !== undefined) return -Number(active);
    const head = rows[0]?.h;
    return head === null || head === undefined ? 0 : -Number(head);
  }

  async function aheadOf(q: Db | Tx, priority: number, createdOn: Date | null): Promise<number> {
    const { rows } = await sql<{ n: string }>`
      select count(*) as n from ${sql.table(table)}
      where name = ${QUEUE} and state < 'active' and not blocked
        and (priority > ${priority}
          or (priority = ${priority} and ${createdOn === null ? sql`true` : sql`created_on < ${createdOn}`}))
    `.execute(q);
    return Number(rows[0]?.n ?? 0);
  }

  return {
    async enqueue(tx, job, accountQueued) {
      const turn = await tx
        .selectFrom('job_turns')
        .select('last_tag')
        .where('account_id', '=', job.account_id)
        .executeTakeFirst();
      const now = await currentTag(tx);
      const last = turn?.last_tag;
      const tag = Math.min(
        MAX_TAG,
        accountQueued > 0 && last !== null && last !== undefined ? Math.max(now, last + 1) : now,
      );
      await tx
        .insertInto('job_turns')
        .values({ account_id: job.account_id, last_started_at: 0, last_tag: tag })
        .onConflict((oc) => oc.column('account_id').doUpdateSet({ last_tag: tag }))
        .execute();
      const position = await aheadOf(tx, -tag, null);
      await boss.send(
        QUEUE,
        { job: job.id },
        {
          id: engineIdOf(job.id),
          priority: -tag,
          group: { id: job.api_key_id },
          db: fromKysely(tx),
        },
      );
      await notify(tx, 'queued');
      return position;
    },

    async position(job) {
      const { rows } = await sql<{ priority: number; created_on: Date; state: string }>`
        select priority, created_on, state from ${sql.table(table)}
        where name = ${QUEUE} and id = ${engineIdOf(job.id)}
      `.execute(db);
      const row = rows[0];
      if (!row || !['created', 'retry'].includes(row.state)) return 0;
      return aheadOf(db, Number(row.priority), row.created_on);
    },

    async take(skipKeys) {
      const [job] = await boss.fetch<{ job: string }>(QUEUE, {
        batchSize: 1,
        ...(skipKeys.size > 0 ? { ignoreGroups: [...skipKeys] } : {}),
      });
      if (!job) return undefined;
      return {
        engineId: job.id,
        attempt: job.retryCount,
        jobId: job.data.job,
        apiKeyId: job.groupId ?? '',
      };
    },

    async putBack(taken) {
      await boss.fail(QUEUE, { id: taken.engineId, retryCount: taken.attempt });
    },

    async done(taken) {
      await boss.complete(QUEUE, { id: taken.engineId, retryCount: taken.attempt });
    },

    async touch(taken) {
      if (taken.length === 0) return;
      await boss.touch(
        QUEUE,
        taken.map((t) => ({ id: t.engineId, retryCount: t.attempt })),
      );
    },

    async remove(jobId) {
      await boss.deleteJob(QUEUE, engineIdOf(jobId));
    },

    announceCancel: (jobId) => notify(db, `cancel:${jobId}`),

    async start(on) {
      try {
        await boss.start();
      } catch (err) {
        if (!settings.migrate && /not installed/.test(String(err))) {
          throw new Error(
            `the job engine's schema ${schema} is not installed; run \`goodtake migrate\``,
            { cause: err },
          );
        }
        throw err;
      }
      if (!(await boss.getQueue(QUEUE))) {
        try {
          await boss.createQueue(QUEUE, { policy: 'standard', ...queueOptions });
        } catch (err) {
          // Another process created it at the same moment.
          if (!(await boss.getQueue(QUEUE))) throw err;
        }
      } else if (settings.migrate) {
        await boss.updateQueue(QUEUE, queueOptions);
      }
      const listen = boss.getDb().listen;
      if (listen) {
        listener = await listen.call(
          boss.getDb(),
          CHANNEL,
          (payload) => {
            if (payload === 'queued') on.queued();
            else if (payload.startsWith('cancel:')) on.cancel(payload.slice('cancel:'.length));
          },
          // Notifications sent while the connection was down are lost: look at the queue now.
          () => on.queued(),
        );
      }
    },

    async stop() {
      await listener?.close();
      await boss.stop({ graceful: false });
    },
  };
}
