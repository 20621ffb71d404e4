import { hostname } from 'node:os';
import type { GenerateImageRequest } from '../contract/generate-image.ts';
import type { Db } from '../db/database.ts';
import { randomBase62 } from '../ids.ts';
import type {
  GenerateImagesService,
  GenerateResult,
  GenerationFailure,
  GenerationProgress,
} from '../images/generate-images.ts';
import type { ImageRecords } from '../images/image-records.ts';
import type { VerifiedKey } from '../keys/api-keys.ts';
import type { Ledger } from '../ledger/ledger.ts';
import type { Logger } from '../log.ts';
import type { LimitDefaults } from '../ratelimit/key-limits.ts';
import type { ConcurrencyLimiter } from '../ratelimit/limiter.ts';
import type { ImageStore } from '../storage/store.ts';
import type { QueueEngine } from './engine.ts';
import {
  createJobStore,
  FINISHED,
  type JobEvent,
  type JobRow,
  type OnAppend,
} from './job-store.ts';
import { type EventListener, RunningJobs, runJob } from './run-job.ts';
import { type GenerationView, viewOfGeneration, viewOfJob } from './views.ts';
import { createWorkers, type WorkerSettings } from './workers.ts';

export interface JobSettings extends WorkerSettings {
  /** Queued jobs an account may have; beyond it a submit is refused (429). */
  readonly queueMaxPerAccount: number;
  /** How long a cancel of a running job waits for it to stop before answering. */
  readonly cancelWaitMs: number;
}

export interface JobsDeps {
  readonly db: Db;
  readonly ledger: Ledger;
  readonly generate: GenerateImagesService;
  readonly records: ImageRecords;
  readonly imageStore: ImageStore;
  readonly concurrencyLimiter: ConcurrencyLimiter;
  readonly limitDefaults: LimitDefaults;
  readonly settings: JobSettings;
  readonly log: Logger;
  readonly shutdownSignal: AbortSignal;
  /** Told of every event written (the webhook deliverer). */
  readonly onEvent?: EventListener;
  /** Writes with each event what must exist with it (its webhook delivery). */
  readonly onAppend?: OnAppend;
  /** The scale-out mode's job engine; without it the jobs table is the queue (embedded). */
  readonly engine?: QueueEngine;
  readonly now?: () => number;
}

export type SubmitResult =
  | { ok: true; job: JobRow; position: number }
  | { ok: false; failure: GenerationFailure }
  | { ok: false; queueFull: true; retryAfter: number };

export type CancelResult =
  | { kind: 'not_found' }
  | { kind: 'finished'; status: string }
  | { kind: 'canceled'; view: GenerationView }
  | { kind: 'cancel_requested'; view: GenerationView };

/** What the API asks of the queue besides running generations. */
export interface Jobs {
  /** Queues a generation (credits reserved now): `Prefer: respond-async`. */
  submit(input: {
    key: VerifiedKey;
    requestId: string;
    generationId: string;
    request: GenerateImageRequest;
    baseUrl: string;
  }): Promise<SubmitResult>;
  /** Runs a generation as a job now, in this process (a synchronous request). */
  runNow(input: {
    key: VerifiedKey;
    requestId: string;
    generationId: string;
    request: GenerateImageRequest;
    baseUrl: string;
    progress?: GenerationProgress;
  }): Promise<GenerateResult>;
  /** `baseUrl` serves generations that have no job (their images' URLs). */
  view(accountId: string, id: string, baseUrl: string): Promise<GenerationView | undefined>;
  cancel(accountId: string, id: string, baseUrl: string): Promise<CancelResult>;
  /**
   * The events of an account's job after `afterSeq`, as they are written, ending after the
   * last one; undefined for an unknown job.
   */
  follow(
    accountId: string,
    id: string,
    afterSeq: number,
    signal: AbortSignal,
  ): Promise<AsyncIterable<JobEvent> | undefined>;
  /** Starts this process's workers (and its share of the sweeping), and the job engine. */
  start(): Promise<void>;
  /** Stops taking jobs; waits for running ones. */
  stop(): Promise<void>;
  /** Runs one sweep now (tests, and `goodtake worker` at start). */
  sweep(): Promise<void>;
  readonly owner: string;
}

const TERMINAL_EVENTS = new Set(['completed', 'failed', 'canceled']);

/** The request as a job keeps it: a synchronous job needs no sources once it has run. */
function storedRequest(request: GenerateImageRequest, mode: 'sync' | 'async'): string {
  if (mode === 'async') return JSON.stringify(request);
  return JSON.stringify({ ...request, imageUrls: [], sources: request.imageUrls.length });
}

export function createJobs(deps: JobsDeps): Jobs {
  const now = deps.now ?? Date.now;
  const { engine } = deps;
  const tableStore = createJobStore({
    db: deps.db,
    now,
    ...(deps.onAppend ? { onAppend: deps.onAppend } : {}),
  });
  // With an engine, a queued job's place in line is the engine's.
  const store = engine ? { ...tableStore, position: engine.position } : tableStore;
  const owner = `${hostname()}:${process.pid}:${randomBase62(8)}`;
  const running = new RunningJobs();
  const { settings } = deps;

  // Followers of a job's events in this process, woken when an event is written here; events
  // written by another process are found by polling.
  const followers = new Map<string, Set<() => void>>();
  const wake = (id: string) => {
    for (const f of followers.get(id) ?? []) f();
  };
  const onEvent: EventListener = (job, type) => {
    wake(job.id);
    deps.onEvent?.(job, type);
  };
  const runDeps = {
    store,
    generate: deps.generate,
    log: deps.log,
    shutdownSignal: deps.shutdownSignal,
    onEvent,
    now,
  };
  const workers = createWorkers({
    ...runDeps,
    db: deps.db,
    ledger: deps.ledger,
    concurrencyLimiter: deps.concurrencyLimiter,
    limitDefaults: deps.limitDefaults,
    settings,
    owner,
    running,
    engine,
  });

  const rowFor = (
    input: { key: VerifiedKey; requestId: string; generationId: string; baseUrl: string },
    request: GenerateImageRequest,
    mode: 'sync' | 'async',
    at: number,
  ): JobRow => ({
    id: input.generationId,
    account_id: input.key.accountId,
    api_key_id: input.key.id,
    request_id: input.requestId,
    request: storedRequest(request, mode),
    mode,
    status: mode === 'sync' ? 'running' : 'queued',
    cancel_requested: 0,
    lease_owner: mode === 'sync' ? owner : null,
    lease_expires_at: mode === 'sync' ? at + settings.leaseMs : null,
    error: null,
    generation_time_ms: null,
    credits_used: null,
    base_url: input.baseUrl,
    webhook_url: request.webhook?.url ?? null,
    webhook_events: request.webhook ? request.webhook.events.join(',') : null,
    created_at: at,
    started_at: mode === 'sync' ? at : null,
    finished_at: null,
  });

  async function ownJob(accountId: string, id: string): Promise<JobRow | undefined> {
    const job = await store.find(id);
    return job && job.account_id === accountId ? job : undefined;
  }

  async function view(
    accountId: string,
    id: string,
    baseUrl: string,
  ): Promise<GenerationView | undefined> {
    const job = await ownJob(accountId, id);
    const viewDeps = { db: deps.db, records: deps.records, imageStore: deps.imageStore, store };
    if (job) return viewOfJob(viewDeps, job);
    return viewOfGeneration(viewDeps, accountId, id, baseUrl);
  }

  return {
    owner,

    async submit(input) {
      const { key, request } = input;
      const queued = await store.queuedCount(key.accountId);
      if (queued >= settings.queueMaxPerAccount) {
        // About when one of its jobs will have started, at the pace workers take turns.
        return { ok: false, queueFull: true, retryAfter: 30 };
      }
      const at = now();
      const row = rowFor(input, request, 'async', at);
      // The embedded queue counts its place before the transaction (SQLite has one writer).
      let position = engine ? 0 : await store.position(row, queued);
      const reserved = await deps.generate.reserve(
        request,
        {
          accountId: key.accountId,
          apiKeyId: key.id,
          requestId: input.requestId,
          generationId: input.generationId,
        },
        {
          // Held while it waits in the queue, then as long as any generation may run.
          leaseMs: settings.queueMaxWaitMs + settings.reservationLeaseMs,
          within: async (tx) => {
            await store.insert(tx, row);
            if (engine) position = await engine.enqueue(tx, row, queued);
            await store.append(row, 'queued', { position }, tx, true);
          },
        },
      );
      if (!reserved.ok) return reserved;
      onEvent(row, 'queued');
      void workers.pump();
      return { ok: true, job: row, position };
    },

    async runNow(input) {
      const { key, request } = input;
      const at = now();
      const row = rowFor(input, request, 'sync', at);
      const reserved = await deps.generate.reserve(
        request,
        {
          accountId: key.accountId,
          apiKeyId: key.id,
          requestId: input.requestId,
          generationId: input.generationId,
        },
        {
          within: async (tx) => {
            await store.insert(tx, row);
            await store.append(row, 'started', {}, tx, true);
          },
        },
      );
      if (!reserved.ok) return reserved;
      return runJob(runDeps, running, row, owner, request, input.progress);
    },

    view,

    async cancel(accountId, id, baseUrl) {
      let job = await ownJob(accountId, id);
      if (!job) {
        // A generation from before jobs existed: finished, or unknown.
        const old = await view(accountId, id, baseUrl);
        return old ? { kind: 'finished', status: old.status } : { kind: 'not_found' };
      }
      if (job.status === 'queued') {
        const at = now();
        if (
          await store.finish(id, undefined, 'queued', { status: 'canceled', creditsUsed: 0, at })
        ) {
          await deps.ledger.settle({
            generationId: id,
            delivered: 0,
            errorCode: 'canceled',
            settledBy: 'request',
          });
          await store.append(job, 'canceled', { images: [], credits_used: 0 });
          onEvent(job, 'canceled');
          await engine?.remove(id).catch((err: unknown) => {
            deps.log.warn({ err, jobId: id }, 'canceled job not removed from the engine');
          });
          return { kind: 'canceled', view: (await view(accountId, id, baseUrl))! };
        }
        job = (await store.find(id))!;
      }
      if (job.status === 'running') {
        await store.requestCancel(id);
        // Another process runs it: told at once through the engine's channel, or else its
        // heartbeat picks the cancel up.
        if (!running.cancel(id)) {
          await engine?.announceCancel(id).catch((err: unknown) => {
            deps.log.warn({ err, jobId: id }, 'cancel not announced');
          });
        }
        const until = now() + settings.cancelWaitMs;
        for (;;) {
          const current = await store.find(id);
          if (!current || FINISHED.has(current.status)) break;
          if (now() >= until) {
            return { kind: 'cancel_requested', view: (await view(accountId, id, baseUrl))! };
          }
          await new Promise((r) => setTimeout(r, 50));
        }
        return { kind: 'canceled', view: (await view(accountId, id, baseUrl))! };
      }
      return { kind: 'finished', status: job.status };
    },

    async follow(accountId, id, afterSeq, signal) {
      const job = await ownJob(accountId, id);
      if (!job) return undefined;
      const pollMs = Math.max(50, Math.min(1000, settings.pollMs));
      return {
        async *[Symbol.asyncIterator]() {
          let last = afterSeq;
          let woken: (() => void) | undefined;
          const listener = () => woken?.();
          const set = followers.get(id) ?? new Set();
          set.add(listener);
          followers.set(id, set);
          try {
            while (!signal.aborted) {
              const events = await store.eventsAfter(id, last);
              for (const event of events) {
                last = event.seq;
                yield event;
                if (TERMINAL_EVENTS.has(event.type)) return;
              }
              if (events.length === 0) {
                const current = await store.find(id);
                if (!current || (FINISHED.has(current.status) && last > 0)) {
                  // Finished, and its last event already sent (or the job was purged).
                  const rest = await store.eventsAfter(id, last);
                  if (rest.length === 0) return;
                  continue;
                }
              }
              await new Promise<void>((resolve) => {
                const timer = setTimeout(done, pollMs);
                function done() {
                  clearTimeout(timer);
                  signal.removeEventListener('abort', done);
                  woken = undefined;
                  resolve();
                }
                woken = done;
                signal.addEventListener('abort', done, { once: true });
              });
            }
          } finally {
            set.delete(listener);
            if (set.size === 0) followers.delete(id);
          }
        },
      };
    },

    async start() {
      await engine?.start({
        queued: () => void workers.pump(),
        cancel: (id) => running.cancel(id),
      });
      workers.start();
    },
    async stop() {
      await workers.stop();
      await engine?.stop();
    },
    sweep: () => workers.sweep(),
  };
}
