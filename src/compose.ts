import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type AccountService, createAccountService } from './accounts/accounts.ts';
import type { Config } from './config.ts';
import {
  type DatabaseHandle,
  migrateToLatest,
  openDatabase,
  pendingMigrations,
} from './db/database.ts';
import type { createApp } from './http/app.ts';
import type { StoredGeneration } from './http/generation-call.ts';
import type { IdempotencyStore } from './idempotency/idempotency.ts';
import type { ImageRecords } from './images/image-records.ts';
import type { QueueEngine } from './jobs/engine.ts';
import type { Jobs } from './jobs/jobs.ts';
import { createKeyService, type KeyService } from './keys/api-keys.ts';
import { loadKeySecret } from './keys/key-secret.ts';
import { createLedger, type Ledger } from './ledger/ledger.ts';
import type { Logger } from './log.ts';
import type { Metrics } from './metrics/metrics.ts';
import type { Provenance } from './provenance/provenance.ts';
import type { ProviderContext } from './providers/plugin.ts';
import type { ImageProvider } from './providers/provider.ts';
import type { ConcurrencyLimiter, RequestLimiter } from './ratelimit/limiter.ts';
import type { RedisHandle } from './ratelimit/redis-client.ts';
import type { CircuitBreaker, CircuitSettings } from './routing/circuit.ts';
import type { ModelRouter, RouteChoice } from './routing/router.ts';
import { createLocalStore } from './storage/local-store.ts';
import type { ImageStore } from './storage/store.ts';
import type { WebhookAdmin } from './webhooks/webhook-admin.ts';
import type { Webhooks } from './webhooks/webhooks.ts';

/*
 * The composition root: every dependency of goodtake is built here, once, and passed in.
 * `openCore` builds what the admin CLI needs (the database and the account, key and ledger
 * services); `composeApplication` builds the server on top of it (providers and their router,
 * storage, limits, the use case, the HTTP app). src/server.ts only runs what this builds
 * (listen, sweep, shut down).
 *
 * What only some configurations or commands use is imported when selected, never with this
 * module: the server's modules (HTTP app, metrics, image pipeline) inside composeApplication,
 * the PostgreSQL driver inside openDatabase, ioredis inside openRedis, the AWS SDK with
 * STORAGE=s3, and each provider's adapter (and its HTTP client) when it has credentials. An
 * admin command or an embedded server never loads what it does not use.
 */

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
  const database = await openDatabase(config.databaseUrl);
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
  const ledger = createLedger({
    db: database.db,
    transact: database.transact,
    leaseMs: config.reservationLeaseMs,
    now,
  });
  return {
    database,
    ledger,
    accounts: createAccountService({ db: database.db, ledger, now }),
    keys: createKeyService({ db: database.db, secret, now }),
    close: () => database.close(),
  };
}

/** Image storage: the data directory, or the configured S3-compatible bucket (checked). */
export async function openImageStore(
  config: Config,
  log?: Logger,
): Promise<{ store: ImageStore; close: () => void }> {
  if (config.storage.kind === 'local') {
    return { store: createLocalStore(join(config.dataDir, 'images')), close: () => {} };
  }
  // The AWS SDK is large: loaded only when the configuration stores images in a bucket.
  const { checkS3Bucket, createS3Client, createS3Store } = await import('./storage/s3-store.ts');
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

export interface Application {
  readonly core: CoreServices;
  readonly app: ReturnType<typeof createApp>;
  /** Serves each model's images through its routes. */
  readonly router: ModelRouter;
  /** The providers that serve, by id. */
  readonly providers: ReadonlyMap<string, ImageProvider>;
  readonly store: ImageStore;
  readonly records: ImageRecords;
  readonly idempotency: IdempotencyStore<StoredGeneration>;
  /** The job queue every generation runs through; its workers run in this process. */
  readonly jobs: Jobs;
  /** The deliverer of generations' webhooks, and what accounts do with them. */
  readonly webhooks: Webhooks;
  readonly webhookAdmin: WebhookAdmin;
  /** Warnings for the startup log (e.g. the offline provider serves). */
  readonly warnings: readonly string[];
  readonly metrics: Metrics;
  /** The console's sessions, to purge the long-ended ones with the other sweeps. */
  readonly consoleSessions: { purge(): Promise<void> };
  /** Marks the application as shutting down (health turns 503); workers take no new jobs. */
  beginShutdown(): void;
  /** Waits up to `ms` for the jobs this process is running to finish. */
  drainJobs(ms: number): Promise<void>;
  close(): Promise<void>;
}

export interface ApplicationOverrides {
  /** One provider that serves every model instead of the catalog's routes (tests, bench). */
  readonly provider?: ImageProvider;
  /** Provider instances to use instead of those the registry builds, by id (tests). */
  readonly providers?: ReadonlyMap<string, ImageProvider>;
  readonly store?: ImageStore;
  readonly resolve?: (host: string) => Promise<string[]>;
  readonly requestLimiter?: RequestLimiter;
  readonly concurrencyLimiter?: ConcurrencyLimiter;
  readonly metrics?: Metrics;
  readonly now?: () => number;
}

/**
 * Builds every provider the catalog routes to, from its plugin (src/providers/registry.ts).
 * With Redis, each upstream's images-per-minute guard holds across replicas.
 */
export async function createProviders(
  config: Config,
  log: Logger,
  sharedGuard: (providerId: string) => ProviderContext['sharedGuard'],
  given: ReadonlyMap<string, ImageProvider> = new Map(),
): Promise<{ providers: Map<string, ImageProvider>; warnings: string[] }> {
  const used = new Set(config.catalog.models.flatMap((m) => m.routes.map((r) => r.provider)));
  const providers = new Map<string, ImageProvider>();
  const warnings: string[] = [];
  try {
    for (const id of used) {
      const existing = given.get(id);
      if (existing) {
        providers.set(id, existing);
        continue;
      }
      const configured = config.providers.get(id);
      if (!configured) throw new Error(`the catalog routes to ${id}, which is not configured`);
      const context: ProviderContext = {
        log: log.child({ provider: id }),
        sharedGuard: sharedGuard(id),
      };
      providers.set(id, await configured.plugin.create(configured.settings, context));
      if (configured.plugin.startupWarning) warnings.push(configured.plugin.startupWarning);
    }
  } catch (err) {
    await Promise.all([...providers.values()].map((p) => p.close?.()));
    throw err;
  }
  return { providers, warnings };
}

/** The circuit of each route: the configured threshold and cool-down; a probe may run as long as a generation. */
function circuitSettings(config: Config): CircuitSettings {
  return {
    failureThreshold: config.circuit.failureThreshold,
    cooldownMs: config.circuit.cooldownMs,
    probeLeaseMs: config.generationTimeoutMs,
  };
}

/** Throughput guards on Redis, one key space per provider. */
function redisGuards(
  redis: RedisHandle,
  guards: typeof import('./providers/kit/redis-throughput-guard.ts'),
  retryAfter: number,
): (providerId: string) => ProviderContext['sharedGuard'] {
  return (providerId) => (options) =>
    guards.createRedisThroughputGuard({
      client: redis.client,
      // ModelArk's keys keep the names they had before there were several providers.
      prefix: providerId === 'modelark' ? redis.prefix : `${redis.prefix}${providerId}:`,
      limitFor: options.limitFor,
      maxQueueMs: options.maxQueueMs,
      failureMode: redis.failureMode,
      unavailableRetryAfter: retryAfter,
      onFailure: (err) => redis.reportFailure('upstream throughput guard not checked', err),
    });
}

/** The server: every dependency of `goodtake serve`, built on the core services. */
export async function composeApplication(
  config: Config,
  log: Logger,
  overrides: ApplicationOverrides = {},
): Promise<Application> {
  const [
    { sql },
    { MAX_SOURCE_IMAGE_BYTES },
    { parseAllowList },
    { createGuardedFetcher },
    { createSourceImageLoader },
    { createApp },
    { buildOpenApiDocument },
    { catalogModelDirectory },
    { createIdempotencyStore },
    { createGenerateImages },
    { createImageRecords },
    { createGenerationRecovery },
    { createMetrics },
    { openProvenance },
    memoryLimits,
    { openRedis, REDIS_UNAVAILABLE_RETRY_AFTER_S },
    redisPolicy,
    redisLimits,
    { createUsageService },
    { createModelRouter, catalogRoutes },
    { createConsoleServices },
    { createMailer },
    { maskedConfig },
    { createMemoryCircuitBreaker },
    { createAttemptRecords },
    { createJobs },
    { createWebhooks },
    { createWebhookAdmin },
    { webhookUrlProblem },
  ] = await Promise.all([
    import('kysely'),
    import('./contract/generate-image.ts'),
    import('./fetch/address-policy.ts'),
    import('./fetch/guarded-fetch.ts'),
    import('./fetch/source-images.ts'),
    import('./http/app.ts'),
    import('./http/openapi.ts'),
    import('./http/routes/openai/model-directory.ts'),
    import('./idempotency/idempotency.ts'),
    import('./images/generate-images.ts'),
    import('./images/image-records.ts'),
    import('./images/recover-generation.ts'),
    import('./metrics/metrics.ts'),
    import('./provenance/open.ts'),
    import('./ratelimit/memory-limiter.ts'),
    import('./ratelimit/redis-client.ts'),
    import('./ratelimit/redis-failure-policy.ts'),
    import('./ratelimit/redis-limiter.ts'),
    import('./usage/usage.ts'),
    import('./routing/router.ts'),
    import('./console/services.ts'),
    import('./console/mail.ts'),
    import('./console/config-summary.ts'),
    import('./routing/circuit.ts'),
    import('./usage/attempt-records.ts'),
    import('./jobs/jobs.ts'),
    import('./webhooks/webhooks.ts'),
    import('./webhooks/webhook-admin.ts'),
    import('./webhooks/url.ts'),
  ]);
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
  let guardFor: (providerId: string) => ProviderContext['sharedGuard'] = () => () => undefined;
  let breaker: CircuitBreaker | undefined;
  let store: ImageStore;
  let providers: Map<string, ImageProvider>;
  let warnings: string[];
  let provenance: Provenance;
  try {
    if (config.redis) {
      redis = await openRedis(config.redis, log.child({ component: 'redis' }));
      opened.push(redis.close);
      guardFor = redisGuards(
        redis,
        await import('./providers/kit/redis-throughput-guard.ts'),
        REDIS_UNAVAILABLE_RETRY_AFTER_S,
      );
      // Every replica sees one circuit per route: failures anywhere open it everywhere.
      const shared = redis;
      breaker = (await import('./routing/redis-circuit.ts')).createRedisCircuitBreaker({
        client: shared.client,
        prefix: shared.prefix,
        settings: circuitSettings(config),
        onFailure: (err) => shared.reportFailure('route circuit not checked', err),
      });
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
    if (overrides.provider) {
      providers = new Map([[overrides.provider.id, overrides.provider]]);
      warnings = [];
    } else {
      ({ providers, warnings } = await createProviders(config, log, guardFor, overrides.providers));
    }
  } catch (err) {
    await closeOpened();
    throw err;
  }
  const only = overrides.provider;
  const metrics = overrides.metrics ?? createMetrics();
  const router = createModelRouter({
    breaker: breaker ?? createMemoryCircuitBreaker(circuitSettings(config)),
    metrics,
    providers,
    // A provider given by a test serves every model with its own default upstream ids.
    routesOf: only
      ? (): RouteChoice[] => [{ provider: only.id, upstreamModel: undefined, costPerImageUsd: 0 }]
      : catalogRoutes,
    log,
  });
  opened.push(() => router.close());
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
  const attempts = createAttemptRecords({
    db: core.database.db,
    ...(overrides.now ? { now: overrides.now } : {}),
  });
  const shutdown = new AbortController();
  let shuttingDown = false;
  const { catalog } = config;

  const generate = createGenerateImages({
    ledger: core.ledger,
    catalog,
    router,
    records,
    transact: core.database.transact,
    provenance,
    sources,
    generationTimeoutMs: config.generationTimeoutMs,
    keepInputs: config.keepInputs ? store : undefined,
    shutdownSignal: shutdown.signal,
    log,
    metrics,
    onAttempts: attempts.save,
    ...(overrides.now ? { now: overrides.now } : {}),
  });

  const idempotency = createIdempotencyStore<StoredGeneration>({
    db: core.database.db,
    claimMs: config.reservationLeaseMs,
    recover: createGenerationRecovery({ db: core.database.db, ledger: core.ledger }),
    ...(overrides.now ? { now: overrides.now } : {}),
  });

  const requestLimiter =
    overrides.requestLimiter ??
    (redis
      ? redisPolicy.requestLimiterWithFailurePolicy(
          redisLimits.createRedisRequestLimiter({ client: redis.client, prefix: redis.prefix }),
          redis,
        )
      : memoryLimits.createMemoryRequestLimiter(overrides.now ? { now: overrides.now } : {}));
  const concurrencyLimiter =
    overrides.concurrencyLimiter ??
    (redis
      ? redisPolicy.concurrencyLimiterWithFailurePolicy(
          redisLimits.createRedisConcurrencyLimiter({
            client: redis.client,
            prefix: redis.prefix,
            // Longer than any generation may run; a crashed replica's slots free up after it.
            leaseMs: config.reservationLeaseMs,
            onReleaseFailure: (err) => redis.reportFailure('concurrency slot not released', err),
          }),
          redis,
        )
      : memoryLimits.createMemoryConcurrencyLimiter());

  const webhookAdmin = createWebhookAdmin({
    db: core.database.db,
    rotationGraceMs: config.webhooks.rotationGraceMs,
    ...(overrides.now ? { now: overrides.now } : {}),
  });
  // Webhooks go through the blend-mode client: the same address checks at every attempt,
  // redirects included.
  const poster = createGuardedFetcher({
    allow: allow.allow,
    maxBytes: 1024 * 1024,
    connectTimeoutMs: Math.min(5000, config.webhooks.timeoutMs),
    totalTimeoutMs: config.webhooks.timeoutMs,
    ...(overrides.resolve ? { resolve: overrides.resolve } : {}),
  });
  const webhooks = createWebhooks({
    db: core.database.db,
    admin: webhookAdmin,
    async send(url, body, headers) {
      const sent = await poster.post(url, body, headers);
      if (sent.ok) return { ok: true, status: sent.status };
      return { ok: false, message: `${sent.reason}: ${sent.message}` };
    },
    settings: {
      retryWindowMs: config.webhooks.retryWindowMs,
      pollMs: Math.max(100, config.jobs.pollMs),
      concurrency: config.webhooks.concurrency,
    },
    log: log.child({ component: 'webhooks' }),
    ...(overrides.now ? { now: overrides.now } : {}),
  });

  // The scale-out mode's queue runs on pg-boss over its PostgreSQL (src/jobs/engine.ts); the
  // embedded one is the jobs table itself.
  let engine: QueueEngine | undefined;
  if (core.database.kind === 'postgres') {
    const { createPgBossEngine, engineSettingsOf } = await import('./jobs/engine.ts');
    engine = await createPgBossEngine({
      db: core.database.db,
      settings: engineSettingsOf(config),
      log: log.child({ component: 'job-engine' }),
    });
  }
  const jobs = createJobs({
    db: core.database.db,
    ...(engine ? { engine } : {}),
    ledger: core.ledger,
    generate,
    records,
    imageStore: store,
    concurrencyLimiter,
    limitDefaults: config.limits,
    settings: {
      concurrency: config.jobs.workers,
      leaseMs: config.jobs.leaseMs,
      pollMs: config.jobs.pollMs,
      queueMaxPerAccount: config.jobs.queueMaxPerAccount,
      queueMaxWaitMs: config.jobs.queueMaxWaitMs,
      retentionMs: config.jobs.retentionMs,
      cancelWaitMs: config.jobs.cancelWaitMs,
      reservationLeaseMs: config.reservationLeaseMs,
    },
    log: log.child({ component: 'jobs' }),
    shutdownSignal: shutdown.signal,
    onAppend: async (tx, event) => {
      await webhooks.enqueue(tx, event);
    },
    onEvent: (job) => {
      if (job.webhook_url !== null) webhooks.wake();
    },
    ...(overrides.now ? { now: overrides.now } : {}),
  });

  const models = catalogModelDirectory(catalog);
  const consoleServices = createConsoleServices({
    db: core.database.db,
    sessionTtlMs: config.console.sessionTtlMs,
    mailer: config.console.smtp ? await createMailer(config.console.smtp, log) : undefined,
    ...(overrides.now ? { now: overrides.now } : {}),
  });
  const configLines = maskedConfig(config);
  const app = createApp({
    log,
    keys: core.keys,
    ledger: core.ledger,
    usage: createUsageService({ db: core.database.db, attempts }),
    accountName: async (id) => (await core.accounts.get(id))?.name,
    prices: Object.fromEntries(catalog.models.map((m) => [m.id, m.pricePerImage])),
    catalog,
    router,
    jobs,
    webhooks,
    webhookAdmin,
    webhookUrlProblem: (url: string) => webhookUrlProblem(url, allow.allow),
    records,
    store,
    requestLimiter,
    concurrencyLimiter,
    limitDefaults: config.limits,
    idempotency,
    checkDatabase: async () => {
      await sql`select 1`.execute(core.database.db);
    },
    shuttingDown: () => shuttingDown,
    providerId: [...providers.keys()].join(','),
    bodyLimitBytes: config.bodyLimitBytes,
    bodies: {
      maxBytes: config.bodyLimitBytes,
      idleTimeoutMs: config.http.bodyIdleTimeoutMs,
      totalTimeoutMs: config.http.bodyTimeoutMs,
    },
    publicBaseUrl: config.publicBaseUrl,
    showUpstreamCosts: config.showUpstreamCosts,
    models,
    openApi: buildOpenApiDocument({ version: packageVersion(), models }),
    metrics,
    console: {
      services: consoleServices,
      accounts: core.accounts,
      url: config.console.url,
      secureCookie: config.console.secureCookie,
      health: () => ({
        providers: [...providers.values()].map((p) => ({ id: p.id, description: p.describe() })),
        database: core.database.kind,
        storage: store.kind,
        throughput: redis
          ? 'Upstream images-per-minute guards are shared by every replica through Redis'
          : 'Upstream images-per-minute guards count in this process (one replica)',
        config: configLines,
      }),
    },
    metricsAccess: { token: config.metrics.token, separate: config.metrics.listen !== undefined },
  });

  try {
    await jobs.start();
  } catch (err) {
    await jobs.stop().catch(() => {});
    await closeOpened();
    throw err;
  }
  webhooks.start();
  let drained: Promise<void> | undefined;
  const stopJobs = () => {
    drained ??= jobs.stop();
    return drained;
  };

  return {
    core,
    app,
    router,
    providers,
    store,
    records,
    idempotency,
    jobs,
    webhooks,
    webhookAdmin,
    warnings,
    metrics,
    consoleSessions: consoleServices.sessions,
    beginShutdown() {
      shuttingDown = true;
      void stopJobs();
    },
    async drainJobs(ms) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        stopJobs(),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, ms);
        }),
      ]);
      clearTimeout(timer);
    },
    async close() {
      shuttingDown = true;
      shutdown.abort(new Error('server shutting down'));
      await stopJobs();
      await webhooks.stop();
      await closeOpened();
    },
  };
}
