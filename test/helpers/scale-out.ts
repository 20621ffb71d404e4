import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createLocalSigner } from '../../src/provenance/c2pa/local-ca.ts';
import { NODE, REPO } from './processes.ts';

/**
 * The shared services of the scale-out mode, for tests: the machine's PostgreSQL and Redis
 * (named by GOODTAKE_TEST_DATABASE_URL / GOODTAKE_TEST_REDIS_URL) and an S3-compatible server
 * (s3rver, from the npm registry) that the test setup starts. Every test app gets its own
 * PostgreSQL schema, Redis key prefix and bucket, so test files running in parallel never meet.
 */
export interface ScaleOutUrls {
  readonly databaseUrl: string;
  readonly redisUrl: string;
}

/** The PostgreSQL and Redis URLs, or why they are missing. */
export function scaleOutUrls(): { ok: true; urls: ScaleOutUrls } | { ok: false; reason: string } {
  const databaseUrl = process.env.GOODTAKE_TEST_DATABASE_URL;
  const redisUrl = process.env.GOODTAKE_TEST_REDIS_URL;
  const missing = [
    ...(databaseUrl ? [] : ['GOODTAKE_TEST_DATABASE_URL']),
    ...(redisUrl ? [] : ['GOODTAKE_TEST_REDIS_URL']),
  ];
  if (missing.length > 0 || !databaseUrl || !redisUrl) {
    return { ok: false, reason: `${missing.join(' and ')} unset` };
  }
  return { ok: true, urls: { databaseUrl, redisUrl } };
}

/** Whether the HTTP suite is being run in the scale-out mode (the `scale-out` Vitest project). */
export function scaleOutRequested(): boolean {
  return process.env.GOODTAKE_TEST_SCALE_OUT === '1';
}

const lowerId = (n: number) =>
  Array.from(randomBytes(n), (b) => 'abcdefghijklmnopqrstuvwxyz0123456789'[b % 36]).join('');

/** The same database URL, with `search_path` set to `schema` for every connection. */
export function withSearchPath(databaseUrl: string, schema: string): string {
  const url = new URL(databaseUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

/** A fresh, empty PostgreSQL schema; `drop` removes it with everything in it. */
export async function createPgSchema(
  databaseUrl: string,
): Promise<{ schema: string; url: string; drop(): Promise<void> }> {
  const schema = `gt_test_${lowerId(12)}`;
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(`create schema ${schema}`);
  } finally {
    await client.end();
  }
  return {
    schema,
    url: withSearchPath(databaseUrl, schema),
    async drop() {
      const c = new pg.Client({ connectionString: databaseUrl });
      await c.connect();
      try {
        await c.query(`drop schema if exists ${schema} cascade`);
        // The job engine's schema beside it (src/jobs/engine.ts).
        await c.query(`drop schema if exists ${schema}_pgboss cascade`);
      } finally {
        await c.end();
      }
    },
  };
}

/** A Redis key prefix no other test uses. */
export function randomRedisPrefix(): string {
  return `goodtake-test:${lowerId(12)}:`;
}

/** Deletes every key under `prefix`. */
export async function dropRedisPrefix(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** s3rver's built-in credentials. */
export const S3_TEST_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

export interface S3TestServer {
  readonly endpoint: string;
  close(): Promise<void>;
}

/** Starts s3rver as its own process on a free port, storing under a temp directory. */
export async function startS3Server(): Promise<S3TestServer> {
  const directory = mkdtempSync(join(tmpdir(), 'goodtake-s3-'));
  const child: ChildProcess = spawn(
    NODE,
    [join(REPO, 'test', 'scale-out', 's3-server.ts'), directory],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const endpoint = await new Promise<string>((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) {
        try {
          resolve((JSON.parse(line) as { endpoint: string }).endpoint);
        } catch (e) {
          reject(e);
        }
      }
    });
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
    });
    child.once('exit', (code) => reject(new Error(`s3rver exited (${code}): ${err}`)));
  });
  return {
    endpoint,
    async close() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/** Creates a fresh bucket on the test S3 server. */
export async function createS3Bucket(endpoint: string): Promise<string> {
  const bucket = `gt-test-${lowerId(16)}`;
  const client = new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: S3_TEST_CREDENTIALS,
  });
  try {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
  } finally {
    client.destroy();
  }
  return bucket;
}

/** The environment of one goodtake installation in the scale-out mode, and its cleanup. */
export interface ScaleOutInstallation {
  readonly env: Record<string, string>;
  readonly bucket: string;
  readonly schema: string;
  readonly redisPrefix: string;
  cleanup(): Promise<void>;
}

/**
 * A C2PA signing certificate for the replicas of an installation, as an operator configures one
 * in the scale-out mode (GOODTAKE_C2PA_CERT / GOODTAKE_C2PA_KEY, here as PEM text).
 */
let testSigner: Promise<{ certificatePem: string; privateKeyPem: string }> | undefined;

/**
 * A fresh installation: its own schema, Redis prefix and bucket, and a shared key secret and
 * C2PA signer.
 */
export async function createScaleOutInstallation(
  urls: ScaleOutUrls,
  s3Endpoint: string,
): Promise<ScaleOutInstallation> {
  testSigner ??= createLocalSigner({ organization: 'goodtake scale-out tests' });
  const [schema, bucket, signer] = await Promise.all([
    createPgSchema(urls.databaseUrl),
    createS3Bucket(s3Endpoint),
    testSigner,
  ]);
  const redisPrefix = randomRedisPrefix();
  return {
    env: {
      DATABASE_URL: schema.url,
      GOODTAKE_KEY_SECRET: randomBytes(32).toString('base64url'),
      GOODTAKE_C2PA_CERT: signer.certificatePem,
      GOODTAKE_C2PA_KEY: signer.privateKeyPem,
      REDIS_URL: urls.redisUrl,
      GOODTAKE_REDIS_PREFIX: redisPrefix,
      STORAGE: 's3',
      S3_BUCKET: bucket,
      S3_ENDPOINT: s3Endpoint,
      S3_REGION: 'us-east-1',
      S3_ACCESS_KEY_ID: S3_TEST_CREDENTIALS.accessKeyId,
      S3_SECRET_ACCESS_KEY: S3_TEST_CREDENTIALS.secretAccessKey,
      S3_FORCE_PATH_STYLE: 'true',
    },
    bucket,
    schema: schema.schema,
    redisPrefix,
    async cleanup() {
      await Promise.all([schema.drop(), dropRedisPrefix(urls.redisUrl, redisPrefix)]);
    },
  };
}

/**
 * A TCP proxy in front of a real server (Redis, PostgreSQL, S3), to take it away from goodtake and give it
 * back: `cut` closes every connection and refuses new ones, `hang` keeps connections open but
 * forwards nothing (a network partition), `restore` serves again on the same port.
 */
export interface TcpProxy {
  readonly port: number;
  readonly url: string;
  cut(): Promise<void>;
  hang(): void;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: string): Promise<TcpProxy> {
  const upstream = new URL(target);
  const defaultPort =
    { 'redis:': 6379, 'rediss:': 6379, 'postgres:': 5432, 'postgresql:': 5432, 'https:': 443 }[
      upstream.protocol
    ] ?? 80;
  const sockets = new Set<Socket>();
  let hanging = false;
  const makeServer = () =>
    createServer((client) => {
      const server = connect(Number(upstream.port) || defaultPort, upstream.hostname);
      sockets.add(client);
      sockets.add(server);
      const forward = (from: Socket, to: Socket) =>
        from.on('data', (chunk) => {
          if (!hanging) to.write(chunk);
        });
      forward(client, server);
      forward(server, client);
      const drop = () => {
        client.destroy();
        server.destroy();
        sockets.delete(client);
        sockets.delete(server);
      };
      client.on('close', drop).on('error', drop);
      server.on('close', drop).on('error', drop);
    });
  let server = makeServer();
  const listen = (port: number) =>
    new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        const address = server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  const port = await listen(0);
  const stop = async () => {
    for (const s of sockets) s.destroy();
    sockets.clear();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return {
    port,
    url: `${upstream.protocol}//${upstream.username ? `${upstream.username}${upstream.password ? `:${upstream.password}` : ''}@` : ''}127.0.0.1:${port}${upstream.pathname === '/' ? '' : upstream.pathname}${upstream.search}`,
    cut: stop,
    hang() {
      hanging = true;
    },
    async restore() {
      hanging = false;
      if (!server.listening) {
        server = makeServer();
        await listen(port);
      }
    },
    async close() {
      if (server.listening) await stop();
    },
  };
}
