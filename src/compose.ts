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
import { createModelArkProvider } from './providers/modelark/index.ts';
import { createOfflineProvider } from './providers/offline/offline-provider.ts';
import type { ImageProvider } from './providers/provider.ts';
import type { ConcurrencyLimiter, RequestLimiter } from './ratelimit/limiter.ts';
import {
  createMemoryConcurrencyLimiter,
  createMemoryRequestLimiter,
} from './ratelimit/memory-limiter.ts';
import { createLocalStore } from './storage/local-store.ts';
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

/** The configured provider: ModelArk/Volcengine when ARK_API_KEY is set, else offline. */
export function createProvider(provider: ProviderConfig, log: Logger): ImageProvider {
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
  const store = overrides.store ?? createLocalStore(join(config.dataDir, 'images'));
  const records = createImageRecords({ db: core.database.db, store });
  const provider = overrides.provider ?? createProvider(config.provider, log);
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
      createMemoryRequestLimiter(overrides.now ? { now: overrides.now } : {}),
    concurrencyLimiter: overrides.concurrencyLimiter ?? createMemoryConcurrencyLimiter(),
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
      await core.close();
    },
  };
}
