import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { type AccountService, createAccountService } from './accounts/accounts.ts';
import type { Config, ProviderConfig } from './config.ts';
import {
  type DatabaseHandle,
  migrateToLatest,
  openDatabase,
  pendingMigrations,
} from './db/database.ts';
import { parseAllowList } from './fetch/address-policy.ts';
import { createGuardedFetcher } from './fetch/guarded-fetch.ts';
import { createSourceImageLoader } from './fetch/source-images.ts';
import { createApp } from './http/app.ts';
import { buildOpenApiDocument } from './http/openapi.ts';
import type { StoredGeneration } from './http/routes/generate-image.ts';
import { createIdempotencyStore, type IdempotencyStore } from './idempotency/idempotency.ts';
import { createGenerateImages } from './images/generate-images.ts';
import { createImageRecords, type ImageRecords } from './images/image-records.ts';
import { createKeyService, type KeyService } from './keys/api-keys.ts';
import { loadKeySecret } from './keys/key-secret.ts';
import { createLedger, type Ledger } from './ledger/ledger.ts';
import type { Logger } from './log.ts';
import { createMetrics, type Metrics } from './metrics/metrics.ts';
import {
  createModelArkProvider,
  createRedisThroughputGuard,
  type ThroughputGuard,
} from './providers/modelark/index.ts';
import { createOfflineProvider } from './providers/offline/offline-provider.ts';
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
import { createLocalStore } from './storage/local-store.ts';
import { checkS3Bucket, createS3Client, createS3Store } from './storage/s3-store.ts';
import type { ImageStore } from './storage/store.ts';
import { createUsageService } from './usage/usage.ts';

const MAX_SOURCE_BYTES = 10 * 1024 * 1024;

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  return String(pkg.version);
}

/** What the CLI and the server share: the database and the services on top of it. */
export interface CoreServices {
  readonly database: DatabaseHandle;
  readonly ledger: Ledger;
  readonly accounts: AccountService;
  readonly keys: KeyService;
  close(): Promise<void>;
}

/**
 * Opens the database and builds the account, key and ledger services. Applies pending
 * migrations when `migrate` is set; otherwise refuses to run against an out-of-date schema.
 */
export async function openCore(
  config: Config,
  options: { migrate: boolean; now?: () => number },
): Promise<CoreServices> {
  const database = openDatabase(config.databaseUrl);
  try {
    if (options.migrate) {
      await migrateToLatest(database.db);
    } else {
      const pending = await pendingMigrations(database.db);
      if (pending.length > 0) {
        throw new Error(
          `the database schema is out of date (pending: ${pending.join(', ')}); run \`goodtake migrate\``,
        );
      }
    }
  } catch (err) {
    await database.close();
    throw err;
  }
  const now = options.now ?? Date.now;
  const secret = loadKeySecret({
    configured: config.keySecret,
    dataDir: config.dataDir,
    database: database.kind,
  });
  const ledger = createLedger({ db: database.db, leaseMs: config.reservationLeaseMs, now });
  return {
    database,
    ledger,
    accounts: createAccountService({ db: database.db, ledger, now }),
    keys: createKeyService({ db: database.db, secret, now }),
    close: () => database.close(),
  };
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
 * The configured provider: ModelArk/Volcengine when ARK_API_KEY is set, else offline. With a
 * shared `guard` (Redis), the upstream images-per-minute limit holds across replicas.
 */
export function createProvider(
  provider: ProviderConfig,
  log: Logger,
  shared: { guard?: ThroughputGuard | undefined } = {},
): ImageProvider {
  if (provider.kind === 'offline') return createOfflineProvider({ delayMs: provider.delayMs });
  return createModelArkProvider({
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
    ...(shared.guard ? { guard: shared.guard } : {}),
    log: log.child({ provider: 'modelark' }),
  });
}

/** The upstream throughput guard shared through Redis, for the configured ModelArk limits. */
function sharedThroughputGuard(
  provider: ProviderConfig,
  redis: RedisHandle | undefined,
): ThroughputGuard | undefined {
  if (!redis || provider.kind !== 'modelark') return undefined;
  return createRedisThroughputGuard({
    client: redis.client,
    prefix: redis.prefix,
    limitFor: () => provider.imagesPerMinute,
    maxQueueMs: provider.maxQueueMs,
    failureMode: redis.failureMode,
    unavailableRetryAfter: REDIS_UNAVAILABLE_RETRY_AFTER_S,
    onFailure: (err) => redis.reportFailure('upstream throughput guard not checked', err),
  });
}

/** Image storage: the data directory, or the configured S3-compatible bucket (checked). */
export async function openImageStore(
  config: Config,
  log?: Logger,
): Promise<{ store: ImageStore; close: () => void }> {
  if (config.storage.kind === 'local') {
    return { store: createLocalStore(join(config.dataDir, 'images')), close: () => {} };
  }
  const client = createS3Client(config.storage);
  try {
    const { warning } = await checkS3Bucket(client, config.storage.bucket);
    if (warning) log?.warn(warning);
  } catch (err) {
    client.destroy();
    throw err;
  }
  return {
    store: createS3Store({ client, bucket: config.storage.bucket }),
    close: () => client.destroy(),
  };
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
  const provider =
    overrides.provider ??
    createProvider(config.provider, log, { guard: sharedThroughputGuard(config.provider, redis) });
  const fetcher = createGuardedFetcher({
    allow: allow.allow,
    maxBytes: MAX_SOURCE_BYTES,
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
    ...(overrides.now ? { now: overrides.now } : {}),
  });

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
    publicBaseUrl: config.publicBaseUrl,
    openApi: buildOpenApiDocument({ version: packageVersion() }),
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
