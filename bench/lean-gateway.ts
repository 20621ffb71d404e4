/**
 * A benchmark-only prototype (issue 18), not served by goodtake: goodtake's per-request work for
 * `POST /api/v1/bytedance/generate-image` in the leanest design found, to measure what that
 * design would cost beside goodtake, the reference gateway and Portkey in the same run
 * (bench/compare.ts). Plain node:http (no framework objects per request), and:
 *
 * - the API key checked as goodtake checks it (keyed hash, lookup, constant-time compare), its
 *   row and its account's state kept for a few seconds (bench/lean-ledger.ts);
 * - goodtake's in-process RPM and concurrency limiters (src/ratelimit/memory-limiter.ts);
 * - the body validated by goodtake's own contract (src/contract/generate-image.ts) against the
 *   seed catalog, and the upstream body built by goodtake's ModelArk adapter;
 * - credits reserved and settled in goodtake's own tables with goodtake's statements, prepared
 *   on node:sqlite, many requests per transaction (bench/group-commit.ts): one commit for the
 *   reserves of a turn of the event loop, one for the settles, image rows included;
 * - the upstream call and the download with undici's `request` on a keep-alive pool, the image
 *   measured by goodtake's normaliser, marked by goodtake's provenance step (XMP and a signed
 *   C2PA manifest; `--provenance off` to measure without), hashed, and written by goodtake's
 *   local store;
 * - goodtake's 200 body (src/http/routes/generate-image.ts) and error bodies (src/http/errors.ts).
 *
 * Left out (see docs/performance.md, "A lean request path: prototype"): jobs and their events,
 * webhooks, idempotency, blend mode (`image_urls`), the OpenAI-compatible API, attempts and
 * circuits, failover, metrics, request logs, the lease sweeper, serving the images.
 *
 *   node bench/lean-gateway.ts --port N --upstream http://127.0.0.1:M/api/v3 --key K \
 *     --data <goodtake data dir> [--provenance on|off] [--write async|sync]
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { parseArgs } from 'node:util';
import { Agent, request } from 'undici';
import { seedCatalog } from '../src/catalog/build.ts';
import {
  checkGenerateImageRequest,
  type GenerateImageRequest,
} from '../src/contract/generate-image.ts';
import { ApiError, type ErrorCode, renderError } from '../src/http/errors.ts';
import { GENERATE_IMAGE_PATH, successJson } from '../src/http/routes/generate-image.ts';
import { imageId, sortableId } from '../src/ids.ts';
import { provenanceColumns } from '../src/images/image-records.ts';
import { normalizeImage } from '../src/images/normalize.ts';
import { loadKeySecret } from '../src/keys/key-secret.ts';
import { createLogger } from '../src/log.ts';
import { openProvenance } from '../src/provenance/open.ts';
import type { ImageProvenance, MarkedImage } from '../src/provenance/provenance.ts';
import { buildRequestBody } from '../src/providers/modelark/request-body.ts';
import {
  createMemoryConcurrencyLimiter,
  createMemoryRequestLimiter,
} from '../src/ratelimit/memory-limiter.ts';
import { createLocalStore } from '../src/storage/local-store.ts';
import { createGroupCommit } from './group-commit.ts';
import { BENCH_UPSTREAM_WIRE } from './http-scenarios.ts';
import {
  createKeyCheck,
  createLeanLedger,
  type LeanGeneration,
  type LeanImageRow,
} from './lean-ledger.ts';
import { createSyncStore } from './sync-store.ts';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    upstream: { type: 'string' },
    key: { type: 'string' },
    data: { type: 'string' },
    provenance: { type: 'string', default: 'on' },
    rpm: { type: 'string', default: '0' },
    concurrency: { type: 'string', default: '0' },
    'body-limit': { type: 'string', default: String(50 * 1024 * 1024) },
    /** `async`: goodtake's local store; `sync`: shard directories made at start, one sync write. */
    write: { type: 'string', default: 'async' },
  },
});
const port = Number(values.port);
const dataDir = values.data!;
const upstreamUrl = `${values.upstream}/images/generations`;
const upstreamHeaders = {
  authorization: `Bearer ${values.key}`,
  'content-type': 'application/json',
};
const defaults = { rpm: Number(values.rpm), concurrency: Number(values.concurrency) };
const bodyLimit = Number(values['body-limit']);
const version = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;

const db = new DatabaseSync(join(dataDir, 'goodtake.db'));
db.exec('PRAGMA journal_mode = WAL');
db.exec('PRAGMA synchronous = NORMAL');
db.exec('PRAGMA busy_timeout = 10000');
db.exec('PRAGMA foreign_keys = ON');
const group = createGroupCommit(db);
const ledger = createLeanLedger(db, 600_000);
const checkKey = createKeyCheck(
  db,
  loadKeySecret({ configured: undefined, dataDir, database: 'sqlite' }),
  5_000,
);
const keyTouched = new Map<string, number>();
const rpmLimiter = createMemoryRequestLimiter();
const concurrencyLimiter = createMemoryConcurrencyLimiter();
const catalog = seedCatalog();
const store =
  values.write === 'sync'
    ? createSyncStore(join(dataDir, 'images'))
    : createLocalStore(join(dataDir, 'images'));
const log = createLogger('warn');
const provenance = await openProvenance({
  config: {
    parts: values.provenance === 'off' ? { xmp: false, c2pa: false } : { xmp: true, c2pa: true },
    cert: undefined,
    key: undefined,
  },
  dataDir,
  database: 'sqlite',
  version,
  log,
});
const dispatcher = new Agent({ keepAliveTimeout: 10_000, connections: 256 });

const NEVER = new AbortController().signal;

/** One image: the upstream call, the download, measuring, marking, hashing and the file. */
async function oneImage(
  req: GenerateImageRequest,
  profile: Parameters<typeof normalizeImage>[2],
  position: number,
): Promise<LeanImageRow & { provenanceOf: ImageProvenance; data?: Buffer }> {
  const body = buildRequestBody(
    {
      model: profile,
      prompt: req.prompt,
      size: req.size,
      mode: req.optimizeMode,
      index: position,
      sources: [],
      signal: NEVER,
    },
    BENCH_UPSTREAM_WIRE,
  );
  const reply = await request(upstreamUrl, {
    method: 'POST',
    dispatcher,
    headers: upstreamHeaders,
    body: JSON.stringify(body),
  });
  if (reply.statusCode !== 200) {
    await reply.body.dump();
    throw new ApiError('upstream_error', `the upstream answered ${reply.statusCode}`);
  }
  const parsed = (await reply.body.json()) as { data?: Array<{ url?: string }> };
  const url = parsed.data?.[0]?.url;
  if (!url) throw new ApiError('upstream_error', 'the upstream answered without an image');
  const download = await request(url, { dispatcher });
  if (download.statusCode !== 200) {
    await download.body.dump();
    throw new ApiError('upstream_error', `the image download answered ${download.statusCode}`);
  }
  const bytes = Buffer.from(await download.body.arrayBuffer());
  const normalized = await normalizeImage(bytes, req.size, profile, req.output);
  const id = imageId();
  const marked: MarkedImage | { ok: false; reason: string } = await provenance
    .mark(normalized, {
      model: req.model,
      provider: 'modelark',
      sources: [],
      createdAt: new Date(),
      title: `${id}.${normalized.ext}`,
    })
    .then((m) => (m.ok ? m.image : m));
  if ('ok' in marked) throw new ApiError('internal_error', marked.reason);
  const storageKey = `${id}.${marked.ext}`;
  const etag = `"${createHash('sha256').update(marked.bytes).digest('base64url')}"`;
  await store.put(storageKey, marked.bytes, marked.contentType);
  const columns = provenanceColumns(marked.provenance);
  return {
    id,
    position,
    contentType: marked.contentType,
    ext: marked.ext,
    width: marked.width,
    height: marked.height,
    bytes: marked.bytes.byteLength,
    etag,
    storageKey,
    provenance: columns.provenance,
    digitalSourceType: columns.digital_source_type,
    provenanceOf: marked.provenance,
    ...(req.includeBase64 ? { data: marked.bytes } : {}),
  };
}

/** A validated request's generation: reserve, images, settle; the 200 body's bytes. */
async function generate(
  key: Parameters<typeof ledger.reserve>[0]['key'],
  req: GenerateImageRequest,
  requestId: string,
  baseUrl: string,
): Promise<Uint8Array> {
  const model = catalog.find(req.model)!;
  const createdAt = Date.now();
  const g: LeanGeneration = {
    id: sortableId('gen', createdAt),
    key,
    requestId,
    model: model.id,
    size: req.sizeLabel,
    numberOfImages: req.numberOfImages,
    pricePerImage: model.pricePerImage,
    prompt: req.prompt,
    createdAt,
  };
  if (!(await group.run(() => ledger.reserve(g)))) {
    throw new ApiError('insufficient_credits', 'not enough credits for this request');
  }
  const outcomes = await Promise.allSettled(
    Array.from({ length: req.numberOfImages }, (_, i) => oneImage(req, model.profile, i)),
  );
  const images = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
  const failure = outcomes.find((o) => o.status === 'rejected');
  const code: ErrorCode | null = failure
    ? failure.reason instanceof ApiError
      ? failure.reason.code
      : 'internal_error'
    : null;
  const captured = await group.run(() => ledger.settle(g, images, code));
  if (images.length === 0) throw failure!.reason;
  return successJson(
    {
      generationId: g.id,
      images: images.map((img) => ({ ...img, provenance: img.provenanceOf })),
      generationTimeMs: Date.now() - createdAt,
      creditsUsed: captured,
    },
    req,
    baseUrl,
  );
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.byteLength;
      if (size > bodyLimit) {
        fail(new ApiError('payload_too_large', `the body is over ${bodyLimit} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => ok(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.on('error', fail);
  });
}

function send(res: ServerResponse, status: number, body: Uint8Array | string, headers = {}): void {
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength,
    ...headers,
  });
  res.end(body);
}

async function handle(req: IncomingMessage, res: ServerResponse, requestId: string) {
  if (req.url === '/ready') return send(res, 200, '"ok"');
  if (req.url !== GENERATE_IMAGE_PATH) throw new ApiError('not_found', 'no such route');
  if (req.method !== 'POST') {
    throw new ApiError('method_not_allowed', `${req.method} is not allowed here; use POST`);
  }
  const auth = req.headers.authorization;
  const now = Date.now();
  const key = auth?.startsWith('Bearer ') ? checkKey(auth.slice(7), now) : undefined;
  if (!key) throw new ApiError('unauthorized', 'a valid API key is required');
  if (now - (keyTouched.get(key.id) ?? 0) >= 60_000) {
    keyTouched.set(key.id, now);
    void group.run(() => ledger.touchKey(key.id, now));
  }
  const rate = await rpmLimiter.hit(key.id, key.rpmLimit ?? defaults.rpm);
  if (!rate.allowed) {
    throw new ApiError('rate_limit_exceeded', 'too many requests for this key', {
      retryAfter: rate.retryAfterSeconds,
    });
  }
  const slot = await concurrencyLimiter.acquire(
    key.id,
    key.concurrencyLimit ?? defaults.concurrency,
  );
  if (!slot.ok) {
    throw new ApiError('rate_limit_exceeded', 'too many generations in flight for this key', {
      retryAfter: slot.retryAfterSeconds,
    });
  }
  try {
    const raw = await readBody(req);
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      throw new ApiError('invalid_json', 'the request body is not valid JSON');
    }
    const check = checkGenerateImageRequest(body, catalog);
    if (!check.ok) {
      throw new ApiError('invalid_parameters', check.message, { field: check.field });
    }
    if (check.request.imageUrls.length > 0 || check.request.webhook) {
      throw new ApiError('invalid_parameters', 'image_urls and webhooks are not in the prototype');
    }
    send(res, 200, await generate(key, check.request, requestId, `http://${req.headers.host}`));
  } finally {
    await slot.release();
  }
}

createServer((req, res) => {
  const requestId = `req_${randomBytes(15).toString('base64url')}`;
  handle(req, res, requestId).catch((err: unknown) => {
    const apiError =
      err instanceof ApiError ? err : new ApiError('internal_error', 'internal error');
    if (!(err instanceof ApiError)) log.error({ err }, 'lean gateway: request failed');
    const r = renderError(apiError, requestId);
    if (!res.headersSent) send(res, r.status, JSON.stringify(r.body), r.headers);
  });
})
  .listen(port, '127.0.0.1', 8192)
  .on('listening', () => console.log(`lean gateway on http://127.0.0.1:${port}`));

process.on('SIGTERM', () => {
  const { transactions, units } = group.stats;
  console.log(`group commit: ${units} units in ${transactions} transactions`);
  process.exit(0);
});
