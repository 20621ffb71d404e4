import type { GenerateImageRequest } from '../contract/generate-image.ts';
import type { Db } from '../db/database.ts';
import type { Ledger } from '../ledger/ledger.ts';
import type { LimitDefaults } from '../ratelimit/key-limits.ts';
import type { ConcurrencyLimiter, ConcurrencySlot } from '../ratelimit/limiter.ts';
import type { QueueEngine, Taken } from './engine.ts';
import { FINISHED, type JobRow } from './job-store.ts';
import { imageView } from './render.ts';
import { type RunJobDeps, type RunningJobs, runJob } from './run-job.ts';

export interface WorkerSettings {
  /** Jobs this process runs at once from the queue (0: it runs none, an API-only replica). */
  readonly concurrency: number;
  /** How long a worker's hold on a running job lasts without a heartbeat. */
  readonly leaseMs: number;
  /** How long a queued job may wait before it fails (its credits released). */
  readonly queueMaxWaitMs: number;
  /** How long finished jobs (and their events) are kept. */
  readonly retentionMs: number;
  /** The reservation lease a job's generation gets when it starts (the ledger's). */
  readonly reservationLeaseMs: number;
  /** How often the queue is looked at for work another process submitted. */
  readonly pollMs: number;
}

export interface WorkerDeps extends RunJobDeps {
  readonly db: Db;
  readonly ledger: Ledger;
  readonly concurrencyLimiter: ConcurrencyLimiter;
  readonly limitDefaults: LimitDefaults;
  readonly settings: WorkerSettings;
  readonly owner: string;
  readonly running: RunningJobs;
  /** The scale-out mode's job engine (pg-boss); without it the jobs table is the queue. */
  readonly engine?: QueueEngine | undefined;
}

/** A job's stored request, as the worker runs it. */
export function parseJobRequest(job: JobRow): GenerateImageRequest {
  return JSON.parse(job.request) as GenerateImageRequest;
}

/**
 * The queue's workers in this process: a dispatcher that starts queued jobs while fewer than
 * `concurrency` run, taking accounts in turn (embedded: the account whose last job started
 * longest ago goes first; with the engine: the lowest fair-queuing tag, src/jobs/engine.ts), so
 * one account's backlog never holds back another's single job, and respecting each key's
 * concurrency limit; a heartbeat that keeps the leases of running jobs (and the engine's hold)
 * and picks up cancels asked for through another process; and a sweeper that settles the jobs
 * of dead workers (with the engine: synchronous ones, and as a late backstop), fails jobs that
 * waited too long, and deletes old finished ones.
 */
export function createWorkers(deps: WorkerDeps) {
  const { store, settings, owner, running, engine } = deps;
  /** Engine jobs this process holds, by job id (their heartbeats). */
  const held = new Map<string, Taken>();
  /** API keys at their concurrency limit, skipped until then (or until a slot of theirs frees). */
  const blockedKeys = new Map<string, number>();
  // A running async job whose lease lapsed is the engine's to bring back; the sweeper settles it
  // only long after, should the engine have lost it.
  const backstopMs = 5 * Math.max(settings.leaseMs, 10_000) + 60_000;
  let active = 0;
  let pumping = false;
  let again = false;
  let stopped = false;
  const timers: Array<ReturnType<typeof setInterval>> = [];
  let heartbeatTimer: ReturnType<typeof setInterval> | undefined;
  const inFlight = new Set<Promise<unknown>>();

  async function acquire(c: {
    apiKeyId: string;
    keyConcurrency: number | null;
  }): Promise<ConcurrencySlot> {
    const limit = c.keyConcurrency ?? deps.limitDefaults.concurrency;
    return deps.concurrencyLimiter.acquire(c.apiKeyId, limit);
  }

  /** Runs `work` as one of this process's jobs; `after` runs once it is over. */
  function track(work: () => Promise<void>, after: () => Promise<void>) {
    active++;
    const run = work().finally(async () => {
      active--;
      try {
        await after();
      } catch (err) {
        deps.log.error({ err }, 'releasing a job failed');
      }
      inFlight.delete(run);
      void pump();
    });
    inFlight.add(run);
  }

  /** Starts the next job the engine hands over, if one may start; false when none can. */
  async function startNextFromEngine(q: QueueEngine): Promise<boolean> {
    for (;;) {
      const at = deps.now();
      for (const [key, until] of blockedKeys) if (until <= at) blockedKeys.delete(key);
      const taken = await q.take(new Set(blockedKeys.keys()));
      if (!taken) return false;
      const job = await store.find(taken.jobId);
      if (!job || FINISHED.has(job.status)) {
        await q.done(taken);
        continue;
      }
      if (job.status === 'running') {
        // The engine brought it back: the worker that ran it stopped heartbeating. Settle it
        // from what it stored once its lease on the record has lapsed too.
        if ((job.lease_expires_at ?? 0) >= at) {
          await q.putBack(taken);
          continue;
        }
        held.set(job.id, taken);
        track(
          () =>
            settleAbandoned(job).catch((err: unknown) => {
              deps.log.error({ err, jobId: job.id }, 'settling an abandoned job failed');
            }),
          async () => {
            held.delete(job.id);
            await q.done(taken);
          },
        );
        return true;
      }
      const key = await deps.db
        .selectFrom('api_keys')
        .select('concurrency_limit')
        .where('id', '=', job.api_key_id)
        .executeTakeFirst();
      const slot = await acquire({
        apiKeyId: job.api_key_id,
        keyConcurrency: key?.concurrency_limit ?? null,
      });
      if (!slot.ok) {
        blockedKeys.set(job.api_key_id, at + Math.max(1000, settings.pollMs));
        await q.putBack(taken);
        continue;
      }
      if (!(await store.claim(job.id, job.account_id, owner, at, at + settings.leaseMs))) {
        await slot.release();
        const now = await store.find(job.id);
        if (!now || FINISHED.has(now.status)) await q.done(taken);
        else await q.putBack(taken);
        continue;
      }
      held.set(job.id, taken);
      track(
        () => start(job),
        async () => {
          held.delete(job.id);
          blockedKeys.delete(job.api_key_id);
          await slot.release();
          await q.done(taken);
        },
      );
      return true;
    }
  }

  /** Starts one queued job, if one may start; false when none can. */
  async function startNext(): Promise<boolean> {
    if (engine) return startNextFromEngine(engine);
    const blocked = new Set<string>();
    for (;;) {
      const candidates = await store.nextCandidates(16, blocked);
      if (candidates.length === 0) return false;
      for (const c of candidates) {
        const slot = await acquire(c);
        if (!slot.ok) {
          blocked.add(c.accountId);
          continue;
        }
        const at = deps.now();
        if (!(await store.claim(c.id, c.accountId, owner, at, at + settings.leaseMs))) {
          await slot.release();
          continue;
        }
        const job = await store.find(c.id);
        if (!job) {
          await slot.release();
          continue;
        }
        active++;
        const work = start(job).finally(async () => {
          active--;
          await slot.release();
          inFlight.delete(work);
          void pump();
        });
        inFlight.add(work);
        return true;
      }
    }
  }

  async function start(job: JobRow): Promise<void> {
    try {
      await deps.ledger.renewLease(job.id, deps.now() + settings.reservationLeaseMs);
      await store.append(job, 'started', {});
      deps.onEvent(job, 'started');
      await runJob(deps, running, job, owner, parseJobRequest(job));
    } catch (err) {
      // The lease sweeper settles it from what it stored.
      deps.log.error({ err, jobId: job.id }, 'running a job failed');
    }
  }

  /** Starts queued jobs while there is room. Calls during a pass make it run once more. */
  async function pump(): Promise<void> {
    if (stopped || settings.concurrency === 0) return;
    if (pumping) {
      again = true;
      return;
    }
    pumping = true;
    try {
      do {
        again = false;
        while (!stopped && active < settings.concurrency) {
          if (!(await startNext())) break;
        }
      } while (again && !stopped);
    } catch (err) {
      deps.log.error({ err }, 'starting queued jobs failed');
    } finally {
      pumping = false;
    }
  }

  async function heartbeat(): Promise<void> {
    const ids = running.ids();
    try {
      if (engine) await engine.touch([...held.values()]);
    } catch (err) {
      deps.log.error({ err }, 'renewing the job engine holds failed');
    }
    if (ids.length === 0) return;
    try {
      const { cancel } = await store.heartbeat(owner, ids, deps.now() + settings.leaseMs);
      for (const id of cancel) running.cancel(id);
    } catch (err) {
      deps.log.error({ err }, 'renewing job leases failed');
    }
  }

  /** Settles a running job whose worker died: what it stored is delivered and charged. */
  async function settleAbandoned(job: JobRow): Promise<void> {
    const at = deps.now();
    if (!(await store.takeOver(job.id, job.lease_expires_at!, owner, at + settings.leaseMs))) {
      return;
    }
    const images = await deps.db
      .selectFrom('images')
      .selectAll()
      .where('generation_id', '=', job.id)
      .orderBy('position')
      .execute();
    const settled = await deps.ledger.settle({
      generationId: job.id,
      delivered: images.length,
      errorCode: images.length === 0 ? 'worker_lost' : null,
      settledBy: 'lease_sweeper',
    });
    const generation = await deps.db
      .selectFrom('generations')
      .select(['images_delivered', 'credits_captured'])
      .where('id', '=', job.id)
      .executeTakeFirst();
    const delivered = generation?.images_delivered ?? images.length;
    const creditsUsed = generation?.credits_captured ?? 0;
    if (!settled.ok) deps.log.info({ jobId: job.id }, 'abandoned job was already settled');
    // Images stored without their event (the worker died between the two) get it now.
    const seen = new Set(
      (await store.eventsAfter(job.id, 0))
        .filter((e) => e.type === 'image')
        .map((e) => Number(e.data.index)),
    );
    const views = images.map((i) =>
      imageView(job.base_url, {
        id: i.id,
        ext: i.ext,
        contentType: i.content_type,
        width: i.width,
        height: i.height,
      }),
    );
    for (const [n, image] of images.entries()) {
      if (!seen.has(image.position)) {
        await store.append(job, 'image', { index: image.position, image: views[n] });
        deps.onEvent(job, 'image');
      }
    }
    const canceled = Number(job.cancel_requested) === 1;
    const request = parseJobRequest(job);
    const error = {
      code: 'internal_error',
      message: 'The worker running this generation stopped before it finished; nothing was charged',
    };
    const status = canceled ? 'canceled' : delivered > 0 ? 'succeeded' : 'failed';
    const generationTimeMs = at - (job.started_at ?? at);
    const ended = await store.finish(job.id, owner, 'running', {
      status,
      creditsUsed,
      generationTimeMs,
      error: status === 'failed' ? error : null,
      at,
    });
    if (!ended) return;
    const data =
      status === 'failed'
        ? { error: { ...error, request_id: job.request_id } }
        : status === 'canceled'
          ? { images: views, credits_used: creditsUsed }
          : {
              images: views,
              generation_time_ms: generationTimeMs,
              model: request.model,
              prompt: request.prompt,
              id: job.id,
              credits_used: creditsUsed,
            };
    const type = status === 'failed' ? 'failed' : status === 'canceled' ? 'canceled' : 'completed';
    await store.append(job, type, data);
    deps.onEvent(job, type);
    deps.log.warn({ jobId: job.id, delivered, creditsUsed }, 'settled a job whose worker stopped');
  }

  /** Fails a job that waited in the queue longer than allowed; its credits are released. */
  async function expireQueued(job: JobRow): Promise<void> {
    const at = deps.now();
    const error = {
      code: 'service_unavailable',
      message: `The generation waited in the queue for longer than ${Math.round(settings.queueMaxWaitMs / 1000)} s and was not started`,
    };
    if (!(await store.finish(job.id, undefined, 'queued', { status: 'failed', error, at }))) return;
    await engine?.remove(job.id).catch((err: unknown) => {
      deps.log.warn({ err, jobId: job.id }, 'expired job not removed from the engine');
    });
    await deps.ledger.settle({
      generationId: job.id,
      delivered: 0,
      errorCode: 'queue_timeout',
      settledBy: 'lease_sweeper',
    });
    await store.append(job, 'failed', { error: { ...error, request_id: job.request_id } });
    deps.onEvent(job, 'failed');
  }

  async function sweep(): Promise<void> {
    try {
      const at = deps.now();
      const expired = await store.expiredRunning(at, engine ? at - backstopMs : undefined);
      for (const job of expired) await settleAbandoned(job);
      for (const job of await store.queuedBefore(at - settings.queueMaxWaitMs, 100)) {
        await expireQueued(job);
      }
      await store.purgeFinished(at - settings.retentionMs);
    } catch (err) {
      deps.log.error({ err }, 'sweeping jobs failed');
    }
  }

  return {
    pump,
    sweep,
    heartbeat,
    /** Starts the timers: polling the queue, heartbeats, the sweeper. */
    start() {
      const every = (ms: number, fn: () => Promise<void>) => {
        const t = setInterval(() => void fn(), ms);
        t.unref();
        timers.push(t);
      };
      every(settings.pollMs, pump);
      every(Math.max(200, Math.min(10_000, Math.floor(settings.leaseMs / 2))), sweep);
      heartbeatTimer = setInterval(
        () => void heartbeat(),
        Math.max(100, Math.min(2000, Math.floor(settings.leaseMs / 3))),
      );
      heartbeatTimer.unref();
      void sweep().then(pump);
    },
    /**
     * Stops taking jobs and waits for the running ones (which the shutdown signal aborts),
     * keeping their leases meanwhile.
     */
    async stop() {
      stopped = true;
      for (const t of timers.splice(0)) clearInterval(t);
      await Promise.allSettled([...inFlight]);
      clearInterval(heartbeatTimer);
    },
    get active() {
      return active;
    },
  };
}

export type Workers = ReturnType<typeof createWorkers>;
