import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { type HttpBindings, serve } from '@hono/node-server';
import { Hono } from 'hono';
import { errorEnvelope, errorResponse, type FakeError, fakeRequestId } from './errors.ts';
import { generateJson, generateStream, type ImagePlan, planImages } from './generation.ts';
import { createJpegRenderer, type OutputBytes } from './jpeg.ts';
import { intMarker, parseMarkers } from './markers.ts';
import { createScript, type ScriptedResponse } from './script.ts';
import { createFakeStorage } from './storage.ts';
import { type FakeFlavor, validateRequest } from './validate.ts';

export interface FakeModelArkOptions {
  /** Default 0 (any free port). */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default `fake-ark-key`. */
  readonly apiKey?: string;
  /** Model-id scheme accepted. Default both. */
  readonly flavor?: FakeFlavor;
  /** Latency per generated image. Default 0. */
  readonly latencyMs?: number;
  /** Output JPEG size. Default `small`. */
  readonly outputBytes?: OutputBytes;
  /** Share of valid requests answered 500 InternalServiceError. Default 0. */
  readonly failureRate?: number;
  /** Lifetime of result URLs. Default 86400. */
  readonly urlTtlSeconds?: number;
  /** The upstream's per-model IPM limit, answered with 429. Default: none. */
  readonly imagesPerMinute?: number;
  /** Reference image byte limit. Default 10 MiB. */
  readonly maxImageBytes?: number;
  readonly now?: () => number;
  readonly random?: () => number;
}

/** What the fake received. */
export interface RecordedRequest {
  readonly seq: number;
  readonly at: number;
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Parsed JSON, or the raw text when it was not JSON (undefined for GET). */
  readonly body: unknown;
  /** The reply's status, once known. */
  status?: number;
}

/** Settings that can change while the fake runs (`POST /__fake/config`). */
export interface FakeConfig {
  latencyMs: number;
  failureRate: number;
  urlTtlSeconds: number;
  outputBytes: OutputBytes;
  imagesPerMinute: number | undefined;
}

export interface FakeModelArk {
  /** Base URL including `/api/v3`. */
  readonly url: string;
  readonly origin: string;
  readonly apiKey: string;
  /** Everything received except the control API, oldest first. */
  readonly requests: readonly RecordedRequest[];
  /** The bodies of `POST /api/v3/images/generations`, oldest first. */
  generations(): RecordedRequest[];
  script(...responses: ScriptedResponse[]): void;
  configure(patch: Partial<FakeConfig>): void;
  /** Forgets requests, scripted replies and marker counters. */
  reset(): void;
  close(): Promise<void>;
}

const GENERATIONS_PATH = '/api/v3/images/generations';

/** Starts a fake BytePlus ModelArk / Volcengine Ark image API with its result storage. */
export async function startFakeModelArk(options: FakeModelArkOptions = {}): Promise<FakeModelArk> {
  const apiKey = options.apiKey ?? 'fake-ark-key';
  const now = options.now ?? Date.now;
  const random = options.random ?? Math.random;
  const flavor = options.flavor ?? 'both';
  const maxImageBytes = options.maxImageBytes ?? 10 * 1024 * 1024;
  const config: FakeConfig = {
    latencyMs: options.latencyMs ?? 0,
    failureRate: options.failureRate ?? 0,
    urlTtlSeconds: options.urlTtlSeconds ?? 86_400,
    outputBytes: options.outputBytes ?? 'small',
    imagesPerMinute: options.imagesPerMinute,
  };
  const requests: RecordedRequest[] = [];
  const script = createScript();
  const markerUses = new Map<string, number>();
  const ipmLog = new Map<string, number[]>();
  const storage = createFakeStorage({ ttlSeconds: () => config.urlTtlSeconds, now });
  const render = createJpegRenderer(() => config.outputBytes);
  let seq = 0;

  const record = async (req: Request): Promise<RecordedRequest> => {
    const text = req.method === 'GET' ? '' : await req.text();
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = text;
    }
    const entry: RecordedRequest = {
      seq: ++seq,
      at: now(),
      method: req.method,
      path: new URL(req.url).pathname,
      headers: Object.fromEntries(req.headers),
      body,
    };
    requests.push(entry);
    return entry;
  };

  /** True when the model's IPM window has room for `count` more images (and takes them). */
  const ipmAllows = (model: string, count: number): boolean => {
    const limit = config.imagesPerMinute;
    if (limit === undefined) return true;
    const t = now();
    const log = (ipmLog.get(model) ?? []).filter((at) => at > t - 60_000);
    ipmLog.set(model, log);
    if (log.length + count > limit) return false;
    for (let i = 0; i < count; i++) log.push(t);
    return true;
  };

  const app = new Hono<{ Bindings: HttpBindings }>();

  app.post(GENERATIONS_PATH, async (c) => {
    const entry = await record(c.req.raw);
    const requestId = fakeRequestId(now());
    const reply = (response: Response): Response => {
      entry.status = response.status;
      return response;
    };
    const fail = (error: FakeError): Response => reply(errorResponse(error, requestId));

    if (c.req.header('authorization') !== `Bearer ${apiKey}`) {
      return fail({ status: 401, code: 'AuthenticationError', message: '' });
    }
    if (typeof entry.body === 'string' || entry.body === undefined) {
      return fail({
        status: 400,
        code: 'InvalidParameter',
        param: 'body',
        message: 'The request body is not valid JSON.',
      });
    }
    const validation = await validateRequest(entry.body, { flavor, maxImageBytes });
    if (!validation.ok) return fail(validation.error);
    const request = validation.request;
    const markers = parseMarkers(request.prompt);

    let latencyMs = intMarker(markers, 'latency_ms') ?? config.latencyMs;
    const scripted = script.take();
    if (scripted?.latencyMs !== undefined) latencyMs = scripted.latencyMs;
    const drop = async (): Promise<Response> => {
      await delay(latencyMs);
      entry.status = 0;
      c.env.outgoing.socket?.destroy();
      return new Response(null, { status: 500 });
    };
    if (scripted?.drop) return drop();
    if (scripted?.body !== undefined) {
      return reply(
        c.json(scripted.body as object, (scripted.status ?? 200) as 200, {
          'x-request-id': requestId,
        }),
      );
    }
    if (scripted?.status !== undefined) {
      const headers = {
        ...scripted.headers,
        ...(scripted.retryAfter === undefined
          ? {}
          : { 'retry-after': String(scripted.retryAfter) }),
      };
      return fail({
        status: scripted.status,
        code: scripted.code ?? '',
        message: scripted.message ?? '',
        headers,
      });
    }

    const markerError = statusMarker(markers, markerUses);
    if (markerError) return fail(markerError);
    if (markers.get('input_text_sensitive') !== undefined) {
      return fail({ status: 400, code: 'InputTextSensitiveContentDetected', message: '' });
    }
    if (markers.get('input_image_sensitive') !== undefined) {
      return fail({ status: 400, code: 'InputImageSensitiveContentDetected', message: '' });
    }
    if (random() < config.failureRate)
      return fail({ status: 500, code: 'InternalServiceError', message: '' });
    if (!ipmAllows(request.model, request.maxImages)) {
      return fail({ status: 429, code: 'ModelAccountIpmRateLimitExceeded', message: '' });
    }
    if (markers.get('drop') !== undefined) return drop();
    if (markers.get('malformed') !== undefined) {
      return reply(
        new Response('<html>upstream connect error</html>', {
          status: 200,
          headers: { 'x-request-id': requestId },
        }),
      );
    }

    const plans: ImagePlan[] = planImages(request, markers);
    const ctx = {
      storage,
      render,
      origin: new URL(c.req.url).origin,
      latencyMs,
      now,
      signal: c.req.raw.signal,
    };
    if (request.stream) {
      return reply(
        new Response(generateStream(request, plans, markers, ctx), {
          headers: {
            'content-type': 'text/event-stream',
            'cache-control': 'no-cache',
            'x-request-id': requestId,
          },
        }),
      );
    }
    const only = plans[0];
    if (!request.sequential && only && !only.ok) {
      // A single image that fails is a request-level error (moderation 400, internal 500).
      await delay(latencyMs);
      return fail({
        status: only.code === 'InternalServiceError' ? 500 : 400,
        code: only.code,
        message: '',
      });
    }
    const body = await generateJson(request, plans, markers, ctx);
    return reply(c.json(body as object, 200, { 'x-request-id': requestId }));
  });

  app.get('/tos/:name', async (c) => {
    const entry = await record(c.req.raw);
    const response = storage.get(c.req.param('name'), new URL(c.req.url).searchParams);
    entry.status = response.status;
    return response;
  });

  app.get('/__fake/requests', (c) => c.json({ requests }));
  app.post('/__fake/script', async (c) => {
    const body = (await c.req.json().catch(() => undefined)) as
      | ScriptedResponse
      | ScriptedResponse[]
      | { responses: ScriptedResponse[] }
      | undefined;
    if (!body || typeof body !== 'object')
      return c.json({ error: 'expected a scripted response or a list' }, 400);
    const list = Array.isArray(body) ? body : 'responses' in body ? body.responses : [body];
    script.push(...list);
    return c.json({ queued: script.size });
  });
  app.post('/__fake/config', async (c) => {
    const patch = (await c.req.json().catch(() => ({}))) as Partial<FakeConfig>;
    Object.assign(config, pickConfig(patch));
    return c.json(config);
  });
  app.post('/__fake/reset', (c) => {
    reset();
    return c.json({ ok: true });
  });
  app.notFound(async (c) => {
    await record(c.req.raw);
    const error: FakeError = {
      status: 404,
      code: 'NotFound',
      message: `No route for ${c.req.method} ${c.req.path}.`,
    };
    return c.json(errorEnvelope(error, fakeRequestId(now())) as object, 404);
  });

  const reset = (): void => {
    requests.length = 0;
    script.clear();
    markerUses.clear();
    ipmLog.clear();
  };

  const host = options.host ?? '127.0.0.1';
  const { server, port } = await new Promise<{ server: ReturnType<typeof serve>; port: number }>(
    (resolve, reject) => {
      const s = serve(
        { fetch: app.fetch, port: options.port ?? 0, hostname: host },
        (info: AddressInfo) => resolve({ server: s, port: info.port }),
      );
      s.once('error', reject);
    },
  );
  const origin = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    url: `${origin}/api/v3`,
    origin,
    apiKey,
    requests,
    generations: () => requests.filter((r) => r.method === 'POST' && r.path === GENERATIONS_PATH),
    script: (...responses) => script.push(...responses),
    configure: (patch) => Object.assign(config, pickConfig(patch)),
    reset,
    close: () =>
      new Promise<void>((resolve) => {
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** `[[fake:status=…]]`: the error it asks for, unless its `times` are used up. */
function statusMarker(
  markers: ReturnType<typeof parseMarkers>,
  uses: Map<string, number>,
): FakeError | undefined {
  const group = markers.groups.find((g) => g.fields.has('status'));
  if (!group) return undefined;
  const times = Number(group.fields.get('times') ?? Number.POSITIVE_INFINITY);
  const used = uses.get(group.raw) ?? 0;
  if (used >= times) return undefined;
  uses.set(group.raw, used + 1);
  const retryAfter = group.fields.get('retry_after');
  return {
    status: Number(group.fields.get('status')) || 500,
    code: group.fields.get('code') ?? '',
    message: group.fields.get('message') ?? '',
    ...(retryAfter === undefined ? {} : { headers: { 'retry-after': retryAfter } }),
  };
}

function pickConfig(patch: Partial<FakeConfig>): Partial<FakeConfig> {
  const out: Partial<FakeConfig> = {};
  if (typeof patch.latencyMs === 'number') out.latencyMs = patch.latencyMs;
  if (typeof patch.failureRate === 'number') out.failureRate = patch.failureRate;
  if (typeof patch.urlTtlSeconds === 'number') out.urlTtlSeconds = patch.urlTtlSeconds;
  if (patch.outputBytes === 'small' || typeof patch.outputBytes === 'number')
    out.outputBytes = patch.outputBytes;
  if (typeof patch.imagesPerMinute === 'number' || patch.imagesPerMinute === undefined) {
    if ('imagesPerMinute' in patch) out.imagesPerMinute = patch.imagesPerMinute;
  }
  return out;
}
