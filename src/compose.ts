import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import type { Config, ProviderConfig } from './config.ts';
import { MAX_SOURCE_IMAGE_BYTES } from './contract/generate-image.ts';
import { type CoreServices, openCore, openImageStore } from './core.ts';
import { parseAllowList } from './fetch/address-policy.ts';
import { createGuardedFetcher } from './fetch/guarded-fetch.ts';
import { createSourceImageLoader } from './fetch/source-images.ts';
import { createApp } from './http/app.ts';
import type { StoredGeneration } from './http/generation-call.ts';
import { buildOpenApiDocument } from './http/openapi.ts';
import { contractModelDirectory } from './http/routes/openai/model-directory.ts';
import { createIdempotencyStore, type IdempotencyStore } from './idempotency/idempotency.ts';
import { createGenerateImages } from './images/generate-images.ts';
import { createImageRecords, type ImageRecords } from './images/image-records.ts';
import { createGenerationRecovery } from './images/recover-generation.ts';
import type { Logger } from './log.ts';
import { createMetrics, type Metrics } from './metrics/metrics.ts';
import { openProvenance } from './provenance/open.ts';
import type { Provenance } from './provenance/provenance.ts';
import type { ThroughputGuard } from './providers/modelark/index.ts';
import type { ImageProvider } from './providers/provider.ts';
import type { ConcurrencyLimiter, RequestLimiter } from './ratelimit/limiter.ts';
import {
  createMemoryConcurrencyLimiter,
  createMemoryRequestLimiter,
} from './ratelimit/memory-limiter.ts';
import {
  openRedis,
  REDIS_UNAVAILABLE_RETRY_AFTER_S,
  type RedisHandle,
} from './ratelimit/redis-client.ts';
import {
  concurrencyLimiterWithFailurePolicy,
  requestLimiterWithFailurePolicy,
} from './ratelimit/redis-failure-policy.ts';
import {
  createRedisConcurrencyLimiter,
  createRedisRequestLimiter,
} from './ratelimit/redis-limiter.ts';
import type { ImageStore } from './storage/store.ts';
import { createUsageService } from './usage/usage.ts';

/*
 * The server's half of the composition root: everything `goodtake serve` runs on top of the
 * core services of src/core.ts (which the admin CLI uses alone). Only `serve` imports this
 * module. What only some configurations need is imported when the configuration selects it:
 * ioredis inside openRedis, the ModelArk provider (and its HTTP client) here when ARK_API_KEY
 * is set, the PostgreSQL driver and the AWS SDK in src/core.ts.
 */

// The core half, re-exported for callers that compose a whole application (tests, bench).
export { type CoreServices, openCore, openImageStore };

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  return String(pkg.version);
}

export interface Application {
  readonly core: CoreServices;
  readonly app: ReturnType<typeof createApp>;
  readonly provider: ImageProvider;
  readonly store: ImageStore;
  readonly records: ImageRecords;
  readonly idempotency: IdempotencyStore<StoredGeneration>;
  /** Marks the application as shutting down (health turns 503) and aborts generations. */
  beginShutdown(): void;
  close(): Promise<void>;
}

export interface ApplicationOverrides {
  readonly provider?: ImageProvider;
  readonly store?: ImageStore;
  readonly resolve?: (host: string) => Promise<string[]>;
  readonly requestLimiter?: RequestLimiter;
  readonly concurrencyLimiter?: ConcurrencyLimiter;
  readonly metrics?: Metrics;
  readonly now?: () => number;
}

/**
 * The configured provider: ModelArk/Volcengine when ARK_API_KEY is set, else offline. With
 * Redis, the upstream images-per-minute limit holds across replicas (a shared throughput
 * guard). The ModelArk modules, and the HTTP client they bring, load only when configured.
 */
export async function createProvider(
  provider: ProviderConfig,
  log: Logger,
  shared: { redis?: RedisHandle | undefined } = {},
): Promise<ImageProvider> {
  if (provider.kind === 'offline') {
    const offline = await import('./providers/offline/offline-provider.ts');
    return offline.createOfflineProvider({
      delayMs: provider.delayMs,
      testMarkers: provider.testMarkers,
    });
  }
  const modelark = await import('./providers/modelark/index.ts');
  const { redis } = shared;
  const guard: ThroughputGuard | undefined = redis
    ? modelark.createRedisThroughputGuard({
        client: redis.client,
        prefix: redis.prefix,
        limitFor: () => provider.imagesPerMinute,
        maxQueueMs: provider.maxQueueMs,
        failureMode: redis.failureMode,
        unavailableRetryAfter: REDIS_UNAVAILABLE_RETRY_AFTER_S,
        onFailure: (err) => redis.reportFailure('upstream throughput guard not checked', err),
      })
    : undefined;
  return modelark.createModelArkProvider({
    apiKey: provider.apiKey,
    ...(provider.baseUrl ? { baseUrl: provider.baseUrl } : {}),
    ...(provider.flavor ? { flavor: provider.flavor } : {}),
    modelIds: provider.modelIds,
    watermark: provider.watermark,
    responseFormat: provider.responseFormat,
    stream: provider.stream,
    sendSourceUrls: provider.sendSourceUrls,
    requestTimeoutMs: provider.requestTimeoutMs,
    maxRetries: provider.maxRetries,
    imagesPerMinute: provider.imagesPerMinute,
    maxQueueMs: provider.maxQueueMs,
    downloadConcurrency: provider.downloadConcurrency,
    ...(guard ? { guard } : {}),
    log: log.child({ provider: 'modelark' }),
  });
}

/** The composition root: every dependency of the running service is built here, once. */
export async function composeApplication(
  config: Config,
  log: Logger,
  overrides: ApplicationOverrides = {},
): Promise<Application> {
  const allow = parseAllowList(config.fetch.allow);
  if (!allow.ok) throw new Error(`GOODTAKE_FETCH_ALLOW: ${allow.message}`);
  const core = await openCore(config, {
    migrate: config.autoMigrate,
    ...(overrides.now ? { now: overrides.now } : {}),
  });
  // Everything opened from here on is closed again if a later step fails.
  const opened: Array<() => Promise<void> | void> = [() => core.close()];
  const closeOpened = async () => {
    for (const close of opened.splice(0).reverse()) await close();
  };
  let redis: RedisHandle | undefined;
  let store: ImageStore;
  let provider: ImageProvider;
  let provenance: Provenance;
  try {
    if (config.redis) {
      redis = await openRedis(config.redis, log.child({ component: 'redis' }));
      opened.push(redis.close);
    }
    if (overrides.store) store = overrides.store;
    else {
      const storage = await openImageStore(config, log);
      opened.push(storage.close);
      store = storage.store;
    }
    provenance = await openProvenance({
      config: config.provenance,
      dataDir: config.dataDir,
      database: core.database.kind,
      version: packageVersion(),
      log,
    });
    provider = overrides.provider ?? (await createProvider(config.provider, log, { redis }));
  } catch (err) {
    await closeOpened();
    throw err;
  }
  if (core.database.kind === 'postgres' && (!redis || store.kind === 'local')) {
    log.warn(
      { redis: Boolean(redis), storage: store.kind },
      'PostgreSQL without Redis and S3 storage: run a single replica only (limits are per process, images on local disk); see docs/scale-out.md',
    );
  }
  const records = createImageRecords({ db: core.database.db, store });
  const fetcher = createGuardedFetcher({
    allow: allow.allow,
    maxBytes: MAX_SOURCE_IMAGE_BYTES,
    connectTimeoutMs: Math.min(5000, config.fetch.timeoutMs),
    totalTimeoutMs: config.fetch.timeoutMs,
    ...(overrides.resolve ? { resolve: overrides.resolve } : {}),
  });
  const sources = createSourceImageLoader({ fetcher, maxImages: 10 });
  const metrics = overrides.metrics ?? createMetrics();
  const shutdown = new AbortController();
  let shuttingDown = false;

  const generateImages = createGenerateImages({
    ledger: core.ledger,
    provider,
    records,
    provenance,
    sources,
    prices: config.prices,
    generationTimeoutMs: config.generationTimeoutMs,
    keepInputs: config.keepInputs ? store : undefined,
    shutdownSignal: shutdown.signal,
    log,
    metrics,
    ...(overrides.now ? { now: overrides.now } : {}),
  });

  const idempotency = createIdempotencyStore<StoredGeneration>({
    db: core.database.db,
    claimMs: config.reservationLeaseMs,
    recover: createGenerationRecovery({ db: core.database.db, ledger: core.ledger }),
    ...(overrides.now ? { now: overrides.now } : {}),
  });

  const models = contractModelDirectory(config.prices);
  const app = createApp({
    log,
    keys: core.keys,
    ledger: core.ledger,
    usage: createUsageService({ db: core.database.db }),
    accountName: async (id) => (await core.accounts.get(id))?.name,
    prices: config.prices,
    generateImages,
    records,
    store,
    requestLimiter:
      overrides.requestLimiter ??
      (redis
        ? requestLimiterWithFailurePolicy(
            createRedisRequestLimiter({ client: redis.client, prefix: redis.prefix }),
            redis,
          )
        : createMemoryRequestLimiter(overrides.now ? { now: overrides.now } : {})),
    concurrencyLimiter:
      overrides.concurrencyLimiter ??
      (redis
        ? concurrencyLimiterWithFailurePolicy(
            createRedisConcurrencyLimiter({
              client: redis.client,
              prefix: redis.prefix,
              // Longer than any generation may run; a crashed replica's slots free up after it.
              leaseMs: config.reservationLeaseMs,
              onReleaseFailure: (err) => redis.reportFailure('concurrency slot not released', err),
            }),
            redis,
          )
        : createMemoryConcurrencyLimiter()),
    limitDefaults: config.limits,
    idempotency,
    checkDatabase: async () => {
      await sql`select 1`.execute(core.database.db);
    },
    shuttingDown: () => shuttingDown,
    providerId: provider.id,
    bodyLimitBytes: config.bodyLimitBytes,
    bodies: {
      maxBytes: config.bodyLimitBytes,
      idleTimeoutMs: config.http.bodyIdleTimeoutMs,
      totalTimeoutMs: config.http.bodyTimeoutMs,
    },
    publicBaseUrl: config.publicBaseUrl,
    models,
    openApi: buildOpenApiDocument({ version: packageVersion(), models }),
    metrics,
  });

  return {
    core,
    app,
    provider,
    store,
    records,
    idempotency,
    beginShutdown() {
      shuttingDown = true;
    },
    async close() {
      shuttingDown = true;
      shutdown.abort(new Error('server shutting down'));
      await provider.close?.();
      await closeOpened();
    },
  };
}
