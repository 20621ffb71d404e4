import type { Redis } from 'ioredis';
import type { RedisConfig } from '../config.ts';
import type { Logger } from '../log.ts';

/** How long one Redis command may take before it counts as Redis being unavailable. */
export const REDIS_COMMAND_TIMEOUT_MS = 1000;
/** What a client is told to wait when a limit cannot be checked (closed failure mode). */
export const REDIS_UNAVAILABLE_RETRY_AFTER_S = 5;

export interface RedisHandle {
  readonly client: Redis;
  /** Key prefix of this installation, e.g. `goodtake:`. */
  readonly prefix: string;
  readonly failureMode: RedisConfig['failureMode'];
  /** Logs a Redis failure at most once per 10 s per `what`, so an outage cannot flood the log. */
  reportFailure(what: string, err: unknown): void;
  close(): Promise<void>;
}

/**
 * One Redis connection per process, shared by the request limiter, the concurrency limiter and
 * the throughput guard. Commands fail fast instead of queueing while Redis is away (no offline
 * queue, a short command timeout), and a command lost with its connection is never re-sent, so
 * a counted request is never counted twice. The client reconnects on its own, with backoff.
 *
 * At start the connection must come up: in `closed` mode a Redis that cannot be reached stops
 * start-up (the service could only answer 503); in `open` mode start-up goes on with a warning.
 *
 * ioredis is imported here, when REDIS_URL is set, not with this module: without Redis it is
 * never loaded.
 */
export async function openRedis(config: RedisConfig, log: Logger): Promise<RedisHandle> {
  const ioredis = await import('ioredis');
  const client = new ioredis.Redis(config.url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    autoResendUnfulfilledCommands: false,
    connectTimeout: 2000,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
    connectionName: 'goodtake',
  });
  const lastReported = new Map<string, number>();
  const reportFailure = (what: string, err: unknown) => {
    const at = Date.now();
    if (at - (lastReported.get(what) ?? 0) < 10_000) return;
    lastReported.set(what, at);
    log.error(
      { err: err instanceof Error ? err.message : String(err), failureMode: config.failureMode },
      `redis unavailable: ${what}`,
    );
  };
  client.on('error', (err) => reportFailure('connection', err));
  client.on('ready', () => {
    if (lastReported.size > 0) log.info('redis connection is back');
    lastReported.clear();
  });

  try {
    await client.connect();
  } catch (err) {
    if (config.failureMode === 'closed') {
      client.disconnect();
      throw new Error(
        `cannot reach Redis at ${redactUrl(config.url)} (${err instanceof Error ? err.message : String(err)}); with GOODTAKE_REDIS_FAILURE_MODE=closed goodtake does not start without it`,
      );
    }
    log.warn(
      { err: err instanceof Error ? err.message : String(err) },
      'Redis is unreachable at start; GOODTAKE_REDIS_FAILURE_MODE=open: requests go through without limits until it is back',
    );
  }

  return {
    client,
    prefix: config.prefix,
    failureMode: config.failureMode,
    reportFailure,
    async close() {
      client.disconnect();
    },
  };
}

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'the configured REDIS_URL';
  }
}
