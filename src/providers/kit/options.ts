import pLimit, { type LimitFunction } from 'p-limit';
import type { Logger } from 'pino';
import type { ModelId } from '../../contract/models.ts';
import { createUndiciClient, type HttpClient } from './http-client.ts';
import { createMemoryThroughputGuard } from './memory-throughput-guard.ts';
import { realSleep, type Sleep } from './sleep.ts';
import type { ThroughputGuard } from './throughput-guard.ts';

/**
 * The options every upstream adapter takes besides its own: downloads, retries, the
 * throughput guard, and what tests inject. Defaults are each adapter's (its `…_DEFAULTS`).
 */
export interface UpstreamOptions {
  /** Per download of a result URL. Default 60000. */
  readonly downloadTimeoutMs?: number;
  /** Cap on one result image. Default 32 MiB. */
  readonly maxDownloadBytes?: number;
  /** Retries of failures that are certainly safe to repeat (429, 5xx, refused connections). Default 3. */
  readonly maxRetries?: number;
  /** First backoff ceiling. Default 1000. */
  readonly retryBaseMs?: number;
  /** Largest backoff ceiling; a retry hint longer than this ends the retries. Default 20000. */
  readonly retryMaxMs?: number;
  /** Throughput guard limit, per model (a number for all); 0 turns it off. */
  readonly imagesPerMinute?: number | Partial<Record<ModelId, number>>;
  /** How long a job may wait for guard capacity before it fails as rate limited. Default 10000. */
  readonly maxQueueMs?: number;
  /**
   * Result downloads in progress at once, per provider. Jobs past it wait their turn before
   * downloading, so a burst of generations finishing together holds a bounded number of
   * images in memory. Default 32.
   */
  readonly downloadConcurrency?: number;
  /** Replaces the in-memory throughput guard (for example with one shared between replicas). */
  readonly guard?: ThroughputGuard;
  /** Where upstream calls and downloads go. Default: a keep-alive undici pool of its own. */
  readonly http?: HttpClient;
  readonly sleep?: Sleep;
  /** In [0, 1), for backoff jitter. */
  readonly random?: () => number;
  /** Epoch milliseconds (for HTTP-date retry hints). */
  readonly now?: () => number;
  readonly log: Logger;
}

/** The options of job-queue adapters (fal.ai, Replicate): time limits and polling besides. */
export interface QueueAdapterOptions extends UpstreamOptions {
  /** From submission until the result is ready, queue time included. Default 300000. */
  readonly requestTimeoutMs?: number;
  /** Each call to the upstream's API (submit, status, result, cancel). Default 30000. */
  readonly callTimeoutMs?: number;
  /** Between looks at a job that is not done. Default 1000. */
  readonly pollIntervalMs?: number;
}

/** The common options with every default applied. */
export interface ResolvedUpstreamOptions {
  readonly downloadTimeoutMs: number;
  readonly maxDownloadBytes: number;
  readonly maxRetries: number;
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  readonly imagesPerMinute: (model: string) => number;
  readonly maxQueueMs: number;
  readonly downloadConcurrency: number;
  readonly http: HttpClient;
  readonly sleep: Sleep;
  readonly random: () => number;
  readonly now: () => number;
  readonly log: Logger;
}

/** Defaults every adapter shares, and those it chooses (`imagesPerMinute`). */
export const UPSTREAM_DEFAULTS = {
  downloadTimeoutMs: 60_000,
  maxDownloadBytes: 32 * 1024 * 1024,
  maxRetries: 3,
  retryBaseMs: 1_000,
  retryMaxMs: 20_000,
  maxQueueMs: 10_000,
  downloadConcurrency: 32,
} as const;

/** Applies the shared defaults; `imagesPerMinute` defaults to the upstream's own limit. */
export function resolveUpstreamOptions(
  o: UpstreamOptions,
  defaultImagesPerMinute: number,
): ResolvedUpstreamOptions {
  const d = UPSTREAM_DEFAULTS;
  const ipm = o.imagesPerMinute ?? defaultImagesPerMinute;
  return {
    downloadTimeoutMs: o.downloadTimeoutMs ?? d.downloadTimeoutMs,
    maxDownloadBytes: o.maxDownloadBytes ?? d.maxDownloadBytes,
    maxRetries: Math.max(0, o.maxRetries ?? d.maxRetries),
    retryBaseMs: o.retryBaseMs ?? d.retryBaseMs,
    retryMaxMs: o.retryMaxMs ?? d.retryMaxMs,
    imagesPerMinute:
      typeof ipm === 'number'
        ? () => ipm
        : (model) => (ipm as Partial<Record<string, number>>)[model] ?? defaultImagesPerMinute,
    maxQueueMs: o.maxQueueMs ?? d.maxQueueMs,
    downloadConcurrency: Math.max(1, o.downloadConcurrency ?? d.downloadConcurrency),
    http: o.http ?? createUndiciClient(),
    sleep: o.sleep ?? realSleep,
    random: o.random ?? Math.random,
    now: o.now ?? Date.now,
    log: o.log,
  };
}

/** The options of a job-queue adapter with every default applied, its guard and limiter. */
export interface ResolvedQueueAdapterOptions extends ResolvedUpstreamOptions {
  readonly requestTimeoutMs: number;
  readonly callTimeoutMs: number;
  readonly pollIntervalMs: number;
  readonly guard: ThroughputGuard;
  /** False when the guard was given (and so says nothing about its limits). */
  readonly ownGuard: boolean;
  readonly downloads: LimitFunction;
  /** Cancels still on their way after their job returned; `close()` waits for them. */
  readonly background: Set<Promise<void>>;
}

export const QUEUE_ADAPTER_DEFAULTS = {
  requestTimeoutMs: 300_000,
  callTimeoutMs: 30_000,
  pollIntervalMs: 1_000,
} as const;

/** Applies the defaults of a job-queue adapter. */
export function resolveQueueAdapterOptions(
  o: QueueAdapterOptions,
  defaultImagesPerMinute: number,
): ResolvedQueueAdapterOptions {
  const d = QUEUE_ADAPTER_DEFAULTS;
  const common = resolveUpstreamOptions(o, defaultImagesPerMinute);
  return {
    ...common,
    requestTimeoutMs: o.requestTimeoutMs ?? d.requestTimeoutMs,
    callTimeoutMs: o.callTimeoutMs ?? d.callTimeoutMs,
    pollIntervalMs: o.pollIntervalMs ?? d.pollIntervalMs,
    guard:
      o.guard ??
      createMemoryThroughputGuard({
        limitFor: common.imagesPerMinute,
        maxQueueMs: common.maxQueueMs,
        now: common.now,
        sleep: common.sleep,
      }),
    ownGuard: o.guard === undefined,
    downloads: pLimit(common.downloadConcurrency),
    background: new Set(),
  };
}

/** How the guard appears in a provider's startup line. */
export function describeGuard(cfg: ResolvedQueueAdapterOptions, models: readonly string[]): string {
  if (!cfg.ownGuard) return 'a custom throughput guard';
  const ipm = models.map((m) => cfg.imagesPerMinute(m));
  if (ipm.every((n) => !(n > 0))) return 'no throughput guard';
  const limits = ipm.every((n) => n === ipm[0]) ? `${ipm[0]}` : ipm.join('/');
  return `guard ${limits} images/min per model`;
}

/** Keeps `work` (a late cancel) in `cfg.background` until it settles. */
export function inBackground(cfg: ResolvedQueueAdapterOptions, work: Promise<void>): void {
  cfg.background.add(work);
  void work.finally(() => cfg.background.delete(work));
}

/** Closes an adapter: waits for its late cancels, then closes its connections. */
export async function closeQueueAdapter(cfg: ResolvedQueueAdapterOptions): Promise<void> {
  await Promise.allSettled([...cfg.background]);
  await cfg.http.close();
}
