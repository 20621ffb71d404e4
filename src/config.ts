import { resolve } from 'node:path';
import { z } from 'zod';
import { CatalogError } from './catalog/build.ts';
import { loadCatalog } from './catalog/load.ts';
import type { Catalog } from './catalog/types.ts';
import { MAX_CREDIT_AMOUNT } from './ledger/limits.ts';
import type { ProvenanceConfig } from './provenance/open.ts';
import { parseProvenanceParts } from './provenance/settings.ts';
import type { ConfiguredProvider } from './providers/plugin.ts';
import { PROVIDER_PLUGINS } from './providers/registry.ts';
import { boolFrom, intFrom, optionalString } from './settings/env-fields.ts';

/**
 * Every setting goodtake reads, from environment variables, checked once at start-up.
 * The README's configuration table documents the same names and defaults. Each provider's
 * own variables are read by its settings schema (src/providers/<id>/plugin.ts).
 */
const envSchema = z.object({
  PORT: intFrom('PORT', 8080, 0),
  HOST: z.string().default('0.0.0.0'),
  GOODTAKE_DATA_DIR: z.string().default('./data'),
  DATABASE_URL: optionalString,
  GOODTAKE_KEY_SECRET: optionalString,
  GOODTAKE_PUBLIC_BASE_URL: optionalString,
  PUBLIC_BASE_URL: optionalString,
  REDIS_URL: optionalString,
  GOODTAKE_REDIS_FAILURE_MODE: z.enum(['closed', 'open']).default('closed'),
  GOODTAKE_REDIS_PREFIX: z.string().default('goodtake:'),
  STORAGE: z.enum(['local', 's3']).default('local'),
  S3_BUCKET: optionalString,
  S3_ENDPOINT: optionalString,
  S3_REGION: optionalString,
  S3_ACCESS_KEY_ID: optionalString,
  S3_SECRET_ACCESS_KEY: optionalString,
  S3_FORCE_PATH_STYLE: boolFrom('S3_FORCE_PATH_STYLE', false),
  GOODTAKE_PRICE_SEEDREAM_4_5: intFrom('GOODTAKE_PRICE_SEEDREAM_4_5', 4, 0),
  GOODTAKE_PRICE_SEEDREAM_4_0: intFrom('GOODTAKE_PRICE_SEEDREAM_4_0', 3, 0),
  GOODTAKE_CATALOG: optionalString,
  GOODTAKE_CIRCUIT_FAILURES: intFrom('GOODTAKE_CIRCUIT_FAILURES', 5, 1),
  GOODTAKE_CIRCUIT_COOLDOWN_MS: intFrom('GOODTAKE_CIRCUIT_COOLDOWN_MS', 30_000, 1),
  GOODTAKE_STARTING_CREDITS: intFrom('GOODTAKE_STARTING_CREDITS', 100, 0),
  GOODTAKE_BODY_LIMIT_BYTES: intFrom('GOODTAKE_BODY_LIMIT_BYTES', 50 * 1024 * 1024, 1024),
  GOODTAKE_FETCH_ALLOW: z.string().default(''),
  GOODTAKE_FETCH_TIMEOUT_MS: intFrom('GOODTAKE_FETCH_TIMEOUT_MS', 15_000, 1),
  GOODTAKE_KEEP_INPUTS: boolFrom('GOODTAKE_KEEP_INPUTS', false),
  GOODTAKE_SHOW_UPSTREAM_COSTS: boolFrom('GOODTAKE_SHOW_UPSTREAM_COSTS', false),
  GOODTAKE_HEADERS_TIMEOUT_MS: intFrom('GOODTAKE_HEADERS_TIMEOUT_MS', 10_000, 100),
  GOODTAKE_BODY_IDLE_TIMEOUT_MS: intFrom('GOODTAKE_BODY_IDLE_TIMEOUT_MS', 10_000, 100),
  GOODTAKE_BODY_TIMEOUT_MS: intFrom('GOODTAKE_BODY_TIMEOUT_MS', 60_000, 100),
  GOODTAKE_REQUEST_TIMEOUT_MS: intFrom('GOODTAKE_REQUEST_TIMEOUT_MS', 90_000, 100),
  GOODTAKE_GENERATION_TIMEOUT_MS: intFrom('GOODTAKE_GENERATION_TIMEOUT_MS', 300_000, 1000),
  GOODTAKE_RESERVATION_LEASE_MS: intFrom('GOODTAKE_RESERVATION_LEASE_MS', 600_000, 1000),
  GOODTAKE_SHUTDOWN_TIMEOUT_MS: intFrom('GOODTAKE_SHUTDOWN_TIMEOUT_MS', 60_000, 0),
  GOODTAKE_AUTO_MIGRATE: boolFrom('GOODTAKE_AUTO_MIGRATE', true),
  GOODTAKE_RATE_LIMIT_RPM: intFrom('GOODTAKE_RATE_LIMIT_RPM', 60, 0),
  GOODTAKE_RATE_LIMIT_CONCURRENCY: intFrom('GOODTAKE_RATE_LIMIT_CONCURRENCY', 4, 0),
  GOODTAKE_WORKERS: intFrom('GOODTAKE_WORKERS', 8, 0),
  GOODTAKE_JOB_LEASE_MS: intFrom('GOODTAKE_JOB_LEASE_MS', 30_000, 300),
  GOODTAKE_JOB_POLL_MS: intFrom('GOODTAKE_JOB_POLL_MS', 500, 10),
  GOODTAKE_QUEUE_MAX_PER_ACCOUNT: intFrom('GOODTAKE_QUEUE_MAX_PER_ACCOUNT', 10_000, 1),
  GOODTAKE_QUEUE_MAX_WAIT_MS: intFrom('GOODTAKE_QUEUE_MAX_WAIT_MS', 24 * 3600_000, 1000),
  GOODTAKE_JOB_RETENTION_HOURS: intFrom('GOODTAKE_JOB_RETENTION_HOURS', 30 * 24, 1),
  GOODTAKE_CANCEL_WAIT_MS: intFrom('GOODTAKE_CANCEL_WAIT_MS', 10_000, 0),
  GOODTAKE_WEBHOOK_TIMEOUT_MS: intFrom('GOODTAKE_WEBHOOK_TIMEOUT_MS', 10_000, 100),
  GOODTAKE_WEBHOOK_RETRY_HOURS: intFrom('GOODTAKE_WEBHOOK_RETRY_HOURS', 24, 1),
  GOODTAKE_WEBHOOK_ROTATION_GRACE_HOURS: intFrom('GOODTAKE_WEBHOOK_ROTATION_GRACE_HOURS', 24, 0),
  GOODTAKE_WEBHOOK_CONCURRENCY: intFrom('GOODTAKE_WEBHOOK_CONCURRENCY', 16, 1),
  GOODTAKE_PROVENANCE: optionalString,
  GOODTAKE_C2PA_CERT: optionalString,
  GOODTAKE_C2PA_KEY: optionalString,
  GOODTAKE_SESSION_HOURS: intFrom('GOODTAKE_SESSION_HOURS', 12, 1),
  GOODTAKE_CONSOLE_URL: optionalString,
  GOODTAKE_CONSOLE_SECURE_COOKIE: z.enum(['auto', 'always', 'never']).default('auto'),
  GOODTAKE_SMTP_URL: optionalString,
  GOODTAKE_MAIL_FROM: z.string().default('goodtake <goodtake@localhost>'),
  GOODTAKE_METRICS_TOKEN: optionalString,
  GOODTAKE_METRICS_LISTEN: optionalString,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** Where image files live: the data directory (embedded), or an S3-compatible bucket. */
export type StorageConfig =
  | { readonly kind: 'local' }
  | {
      readonly kind: 's3';
      readonly bucket: string;
      /** An S3-compatible service's URL; unset means AWS S3 itself. */
      readonly endpoint: string | undefined;
      readonly region: string;
      /** Both or neither; neither means the AWS SDK's default credential chain. */
      readonly credentials:
        | { readonly accessKeyId: string; readonly secretAccessKey: string }
        | undefined;
      readonly forcePathStyle: boolean;
    };

/** Shared Redis for the limits and the throughput guard of several replicas. */
export interface RedisConfig {
  readonly url: string;
  /** When Redis cannot be reached: `closed` refuses with 503, `open` lets requests through. */
  readonly failureMode: 'closed' | 'open';
  /** Prefix of every key goodtake writes, so several installations can share one Redis. */
  readonly prefix: string;
}

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly dataDir: string;
  /** `sqlite:<file>` (embedded default) or `postgres://...`. */
  readonly databaseUrl: string;
  /** Secret for the keyed hash of API keys; generated into the data dir when unset. */
  readonly keySecret: string | undefined;
  /** Base of image URLs; when unset, URLs use the origin the request came to. */
  readonly publicBaseUrl: string | undefined;
  /** Unset: limits and the throughput guard live in this process (one replica). */
  readonly redis: RedisConfig | undefined;
  readonly storage: StorageConfig;
  /** The models served, their prices, sizes and routes (GOODTAKE_CATALOG or the default). */
  readonly catalog: Catalog;
  readonly startingCredits: number;
  readonly bodyLimitBytes: number;
  /** Time bounds of each phase of a request before its handler runs (docs/operations.md). */
  readonly http: {
    readonly headersTimeoutMs: number;
    readonly bodyIdleTimeoutMs: number;
    readonly bodyTimeoutMs: number;
    /** From a request's first byte until it is received in full (Node's requestTimeout). */
    readonly requestTimeoutMs: number;
  };
  readonly fetch: { readonly allow: string; readonly timeoutMs: number };
  readonly keepInputs: boolean;
  /** Whether callers' generation listings show each upstream try's estimated cost (margins). */
  readonly showUpstreamCosts: boolean;
  /** When a route's circuit opens and how long it stays open (src/routing/circuit.ts). */
  readonly circuit: { readonly failureThreshold: number; readonly cooldownMs: number };
  /** The providers whose settings are complete (credentials given), by id. */
  readonly providers: ReadonlyMap<string, ConfiguredProvider>;
  readonly generationTimeoutMs: number;
  readonly reservationLeaseMs: number;
  readonly shutdownTimeoutMs: number;
  readonly autoMigrate: boolean;
  /** Per-key defaults; keys may override them. 0 = unlimited. */
  readonly limits: { readonly rpm: number; readonly concurrency: number };
  /** The job queue every generation runs through (docs/operations.md#jobs-and-workers). */
  readonly jobs: {
    /** Queued jobs this process runs at once (0: none, an API-only replica). */
    readonly workers: number;
    readonly leaseMs: number;
    readonly pollMs: number;
    readonly queueMaxPerAccount: number;
    readonly queueMaxWaitMs: number;
    readonly retentionMs: number;
    readonly cancelWaitMs: number;
  };
  /** Signed webhooks of generations (docs/operations.md#webhooks). */
  readonly webhooks: {
    readonly timeoutMs: number;
    readonly retryWindowMs: number;
    readonly rotationGraceMs: number;
    readonly concurrency: number;
  };
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** What every stored image carries about its making (IPTC XMP, C2PA), and the signer. */
  readonly provenance: ProvenanceConfig;
  /** The web console (docs/console.md). */
  readonly console: ConsoleConfig;
  /** Who may read /metrics (docs/console.md#metrics). */
  readonly metrics: MetricsConfig;
}

export interface ConsoleConfig {
  readonly sessionTtlMs: number;
  /** Where people reach the console, for the one-time links (else the request's origin). */
  readonly url: string | undefined;
  /** `auto`: Secure and `__Host-` cookies when the request came over HTTPS. */
  readonly secureCookie: 'auto' | 'always' | 'never';
  /** Invitations and resets by mail; unset: the operator is handed the link. */
  readonly smtp: { readonly url: string; readonly from: string } | undefined;
}

export interface MetricsConfig {
  /** A scrape token (`Authorization: Bearer <token>`) that may read /metrics. */
  readonly token: string | undefined;
  /** host:port of a separate listener for /metrics only; then the public port has none. */
  readonly listen: { readonly host: string; readonly port: number } | undefined;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = z.infer<typeof envSchema>;

/** What is wrong with the public URL, Redis and object-storage settings, one line each. */
function scaleOutProblems(e: Env): string[] {
  const problems: string[] = [];
  for (const name of ['GOODTAKE_PUBLIC_BASE_URL', 'PUBLIC_BASE_URL'] as const) {
    const v = e[name];
    if (v !== undefined && !(URL.canParse(v) && /^https?:\/\//i.test(v))) {
      problems.push(`${name} must be an absolute URL`);
    }
  }
  if (
    e.PUBLIC_BASE_URL !== undefined &&
    e.GOODTAKE_PUBLIC_BASE_URL !== undefined &&
    e.PUBLIC_BASE_URL.replace(/\/+$/, '') !== e.GOODTAKE_PUBLIC_BASE_URL.replace(/\/+$/, '')
  ) {
    problems.push(
      'PUBLIC_BASE_URL and GOODTAKE_PUBLIC_BASE_URL are the same setting; they are both set, to different values',
    );
  }
  if (e.REDIS_URL !== undefined && !/^rediss?:\/\/./i.test(e.REDIS_URL)) {
    problems.push('REDIS_URL must start with redis:// or rediss://');
  }
  if (e.STORAGE === 's3') {
    if (e.S3_BUCKET === undefined) problems.push('STORAGE=s3 needs S3_BUCKET (the bucket name)');
    if (e.S3_ENDPOINT !== undefined && !/^https?:\/\/./i.test(e.S3_ENDPOINT)) {
      problems.push('S3_ENDPOINT must be an absolute http(s) URL, e.g. https://s3.example.com');
    }
    if ((e.S3_ACCESS_KEY_ID === undefined) !== (e.S3_SECRET_ACCESS_KEY === undefined)) {
      problems.push(
        'S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together: set both, or neither to use the AWS default credential chain',
      );
    }
  } else {
    const stray = (
      ['S3_BUCKET', 'S3_ENDPOINT', 'S3_REGION', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'] as const
    ).filter((name) => e[name] !== undefined);
    if (stray.length > 0) {
      problems.push(
        `${stray.join(', ')} ${stray.length === 1 ? 'is' : 'are'} set but STORAGE is not s3; set STORAGE=s3 to store images in the bucket`,
      );
    }
  }
  return problems;
}

/** Parses the environment into a Config, or throws a ConfigError naming every bad variable. */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const parsed = envSchema.safeParse(env);
  const issues = parsed.success ? [] : parsed.error.issues;
  const providers = new Map<string, ConfiguredProvider>();
  for (const plugin of PROVIDER_PLUGINS) {
    const read = plugin.settingsSchema.safeParse(env);
    if (!read.success) issues.push(...read.error.issues);
    else if (read.data !== undefined) providers.set(plugin.id, { plugin, settings: read.data });
  }
  if (!parsed.success || issues.length > 0) {
    const lines = issues.map((i) =>
      i.code === 'custom' ? `- ${i.message}` : `- ${i.path.join('.')}: ${i.message}`,
    );
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const dataDir = resolve(e.GOODTAKE_DATA_DIR);
  const databaseUrl = e.DATABASE_URL ?? `sqlite:${resolve(dataDir, 'goodtake.db')}`;
  if (!/^(sqlite:|postgres(ql)?:\/\/)/.test(databaseUrl)) {
    throw new ConfigError(
      'Invalid configuration:\n- DATABASE_URL must start with sqlite: or postgres://',
    );
  }
  const problems = scaleOutProblems(e);
  if (problems.length > 0) {
    throw new ConfigError(`Invalid configuration:\n${problems.map((p) => `- ${p}`).join('\n')}`);
  }
  const publicBaseUrl = e.PUBLIC_BASE_URL ?? e.GOODTAKE_PUBLIC_BASE_URL;
  if (e.GOODTAKE_KEY_SECRET !== undefined && e.GOODTAKE_KEY_SECRET.length < 32) {
    throw new ConfigError(
      'Invalid configuration:\n- GOODTAKE_KEY_SECRET must be at least 32 characters',
    );
  }
  if (
    e.GOODTAKE_REQUEST_TIMEOUT_MS <= e.GOODTAKE_BODY_TIMEOUT_MS ||
    e.GOODTAKE_REQUEST_TIMEOUT_MS <= e.GOODTAKE_HEADERS_TIMEOUT_MS
  ) {
    throw new ConfigError(
      'Invalid configuration:\n- GOODTAKE_REQUEST_TIMEOUT_MS must be longer than GOODTAKE_BODY_TIMEOUT_MS and GOODTAKE_HEADERS_TIMEOUT_MS, so a slow body gets its JSON 408 before the connection is cut',
    );
  }
  const creditProblems = [
    // A request reserves up to 4 images at its model's price in one ledger amount.
    ...(['GOODTAKE_PRICE_SEEDREAM_4_5', 'GOODTAKE_PRICE_SEEDREAM_4_0'] as const)
      .filter((name) => e[name] > MAX_CREDIT_AMOUNT / 4)
      .map((name) => `${name} must be at most ${MAX_CREDIT_AMOUNT / 4}`),
    ...(e.GOODTAKE_STARTING_CREDITS > MAX_CREDIT_AMOUNT
      ? [`GOODTAKE_STARTING_CREDITS must be at most ${MAX_CREDIT_AMOUNT}`]
      : []),
  ];
  if (creditProblems.length > 0) {
    throw new ConfigError(
      `Invalid configuration:\n${creditProblems.map((p) => `- ${p}`).join('\n')}`,
    );
  }
  if (e.GOODTAKE_RESERVATION_LEASE_MS <= e.GOODTAKE_GENERATION_TIMEOUT_MS) {
    throw new ConfigError(
      'Invalid configuration:\n- GOODTAKE_RESERVATION_LEASE_MS must be longer than GOODTAKE_GENERATION_TIMEOUT_MS, or a running generation could be settled under it',
    );
  }
  let catalog: Catalog;
  try {
    catalog = loadCatalog(e.GOODTAKE_CATALOG, {
      plugins: PROVIDER_PLUGINS,
      configured: providers,
      seedPrices: {
        'seedream-4-5-251128': e.GOODTAKE_PRICE_SEEDREAM_4_5,
        'seedream-4-0-250828': e.GOODTAKE_PRICE_SEEDREAM_4_0,
      },
      maxPrice: MAX_CREDIT_AMOUNT / 4,
    });
  } catch (err) {
    if (err instanceof CatalogError)
      throw new ConfigError(`Invalid configuration:\n${err.message}`);
    throw err;
  }
  const metricsListen = parseListen(e.GOODTAKE_METRICS_LISTEN);
  if (metricsListen === null) {
    throw new ConfigError(
      'Invalid configuration:\n- GOODTAKE_METRICS_LISTEN must be host:port (e.g. 127.0.0.1:9464)',
    );
  }
  if (e.GOODTAKE_METRICS_TOKEN !== undefined && e.GOODTAKE_METRICS_TOKEN.length < 16) {
    throw new ConfigError(
      'Invalid configuration:\n- GOODTAKE_METRICS_TOKEN must be at least 16 characters',
    );
  }
  const provenance = parseProvenanceParts(e.GOODTAKE_PROVENANCE);
  if (!provenance.ok) throw new ConfigError(`Invalid configuration:\n- ${provenance.message}`);
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir,
    databaseUrl,
    keySecret: e.GOODTAKE_KEY_SECRET,
    publicBaseUrl: publicBaseUrl?.replace(/\/+$/, ''),
    redis: e.REDIS_URL
      ? {
          url: e.REDIS_URL,
          failureMode: e.GOODTAKE_REDIS_FAILURE_MODE,
          prefix: e.GOODTAKE_REDIS_PREFIX,
        }
      : undefined,
    storage:
      e.STORAGE === 's3'
        ? {
            kind: 's3',
            bucket: e.S3_BUCKET!,
            endpoint: e.S3_ENDPOINT?.replace(/\/+$/, ''),
            region: e.S3_REGION ?? 'us-east-1',
            credentials:
              e.S3_ACCESS_KEY_ID && e.S3_SECRET_ACCESS_KEY
                ? { accessKeyId: e.S3_ACCESS_KEY_ID, secretAccessKey: e.S3_SECRET_ACCESS_KEY }
                : undefined,
            forcePathStyle: e.S3_FORCE_PATH_STYLE,
          }
        : { kind: 'local' },
    catalog,
    startingCredits: e.GOODTAKE_STARTING_CREDITS,
    bodyLimitBytes: e.GOODTAKE_BODY_LIMIT_BYTES,
    http: {
      headersTimeoutMs: e.GOODTAKE_HEADERS_TIMEOUT_MS,
      bodyIdleTimeoutMs: e.GOODTAKE_BODY_IDLE_TIMEOUT_MS,
      bodyTimeoutMs: e.GOODTAKE_BODY_TIMEOUT_MS,
      requestTimeoutMs: e.GOODTAKE_REQUEST_TIMEOUT_MS,
    },
    fetch: { allow: e.GOODTAKE_FETCH_ALLOW, timeoutMs: e.GOODTAKE_FETCH_TIMEOUT_MS },
    keepInputs: e.GOODTAKE_KEEP_INPUTS,
    showUpstreamCosts: e.GOODTAKE_SHOW_UPSTREAM_COSTS,
    providers,
    circuit: {
      failureThreshold: e.GOODTAKE_CIRCUIT_FAILURES,
      cooldownMs: e.GOODTAKE_CIRCUIT_COOLDOWN_MS,
    },
    generationTimeoutMs: e.GOODTAKE_GENERATION_TIMEOUT_MS,
    reservationLeaseMs: e.GOODTAKE_RESERVATION_LEASE_MS,
    shutdownTimeoutMs: e.GOODTAKE_SHUTDOWN_TIMEOUT_MS,
    autoMigrate: e.GOODTAKE_AUTO_MIGRATE,
    limits: { rpm: e.GOODTAKE_RATE_LIMIT_RPM, concurrency: e.GOODTAKE_RATE_LIMIT_CONCURRENCY },
    console: {
      sessionTtlMs: e.GOODTAKE_SESSION_HOURS * 3600_000,
      url: e.GOODTAKE_CONSOLE_URL?.replace(/\/+$/, ''),
      secureCookie: e.GOODTAKE_CONSOLE_SECURE_COOKIE,
      smtp: e.GOODTAKE_SMTP_URL
        ? { url: e.GOODTAKE_SMTP_URL, from: e.GOODTAKE_MAIL_FROM }
        : undefined,
    },
    metrics: { token: e.GOODTAKE_METRICS_TOKEN, listen: metricsListen },
    jobs: {
      workers: e.GOODTAKE_WORKERS,
      leaseMs: e.GOODTAKE_JOB_LEASE_MS,
      pollMs: e.GOODTAKE_JOB_POLL_MS,
      queueMaxPerAccount: e.GOODTAKE_QUEUE_MAX_PER_ACCOUNT,
      queueMaxWaitMs: e.GOODTAKE_QUEUE_MAX_WAIT_MS,
      retentionMs: e.GOODTAKE_JOB_RETENTION_HOURS * 3600_000,
      cancelWaitMs: e.GOODTAKE_CANCEL_WAIT_MS,
    },
    webhooks: {
      timeoutMs: e.GOODTAKE_WEBHOOK_TIMEOUT_MS,
      retryWindowMs: e.GOODTAKE_WEBHOOK_RETRY_HOURS * 3600_000,
      rotationGraceMs: e.GOODTAKE_WEBHOOK_ROTATION_GRACE_HOURS * 3600_000,
      concurrency: e.GOODTAKE_WEBHOOK_CONCURRENCY,
    },
    logLevel: e.LOG_LEVEL,
    provenance: { parts: provenance.parts, cert: e.GOODTAKE_C2PA_CERT, key: e.GOODTAKE_C2PA_KEY },
  };
}

/** `host:port` (IPv6 in brackets); undefined when unset, null when malformed. */
function parseListen(raw: string | undefined): { host: string; port: number } | undefined | null {
  if (raw === undefined) return undefined;
  const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(raw);
  const port = Number(match?.[2]);
  if (!match || port > 65535) return null;
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port };
}
