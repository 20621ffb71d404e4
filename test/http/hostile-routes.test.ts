import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/log.ts';
import { createTestApp, type TestApp } from '../helpers/harness.ts';
import { PROTOTYPE_NAMES } from '../helpers/hostile.ts';

/*
 * Every route the app has registered (Hono keeps them in `app.routes`), so routes added later
 * are covered without touching this file:
 * - the names that live on Object.prototype, sent wherever a client can put a name (path
 *   parameters, query parameters, header names and values, JSON members, data-URI media types):
 *   never a 5xx, never an error-level log line;
 * - a body that stalls, and one that declares more than any route takes: a 408 or 413 in the
 *   contract's shape (or a refusal before the body is read), never a hang. A route that reads its
 *   body without the bounded reader (src/http/body/) hangs here and fails.
 */

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const IDLE_MS = 300;

let t: TestApp;
const logLines: string[] = [];

beforeAll(async () => {
  const sink = new Writable({
    write(chunk, _encoding, done) {
      logLines.push(String(chunk));
      done();
    },
  });
  t = await createTestApp({
    env: {
      GOODTAKE_BODY_IDLE_TIMEOUT_MS: String(IDLE_MS),
      GOODTAKE_BODY_TIMEOUT_MS: '1000',
      GOODTAKE_REQUEST_TIMEOUT_MS: '2000',
      GOODTAKE_HEADERS_TIMEOUT_MS: '1000',
    },
    log: createLogger('warn', sink),
  });
});
afterAll(() => t.close());

/** Every (method, path) a route is registered for; `ALL` routes are tried as GET and POST. */
function registeredRoutes(): Array<{ method: string; path: string }> {
  const seen = new Set<string>();
  const routes: Array<{ method: string; path: string }> = [];
  for (const route of t.application.app.routes) {
    if (route.path === '/*') continue; // app-wide middleware
    for (const method of route.method === 'ALL' ? ['GET', 'POST'] : [route.method]) {
      const id = `${method} ${route.path}`;
      if (seen.has(id)) continue;
      seen.add(id);
      routes.push({ method, path: route.path });
    }
  }
  return routes;
}

/** The route's path with every parameter (`:file`, `:id{...}`, `*`) replaced by `value`. */
function concrete(path: string, value: string): string {
  const v = encodeURIComponent(value);
  return path.replace(/:[A-Za-z0-9_]+(\{[^}]*\})?/g, v).replace(/\*/g, v);
}

/** A response is acceptable when it is not a 5xx and, if an error, in the contract's shape. */
async function problemWith(label: string, res: Response): Promise<string | undefined> {
  const text = await res.text();
  if (res.status >= 500) return `${label} -> ${res.status} ${text.slice(0, 200)}`;
  if (res.status >= 400 && res.headers.get('content-type')?.startsWith('application/json')) {
    const body = JSON.parse(text) as { error?: { code?: unknown } };
    if (typeof body.error?.code !== 'string') return `${label} -> not the error shape: ${text}`;
  }
  return undefined;
}

describe('every registered route', () => {
  it('is found in app.routes, including the generate endpoint and its 405s', () => {
    const routes = registeredRoutes().map((r) => `${r.method} ${r.path}`);
    expect(routes).toContain('POST /api/v1/bytedance/generate-image');
    expect(routes).toContain('GET /docs/assets/:file');
    expect(routes).toContain('GET /images/:file');
  });

  it('answers the prototype names in paths, queries, headers and bodies without a 5xx', async () => {
    const problems: string[] = [];
    for (const { method, path } of registeredRoutes()) {
      for (const name of PROTOTYPE_NAMES) {
        const auth = { Authorization: `Bearer ${t.key}` };
        const attempts: Array<[string, string, RequestInit]> = [
          ['path', concrete(path, name), { headers: auth }],
          ['unauthenticated path', concrete(path, name), {}],
          [
            'query',
            `${concrete(path, 'x')}?${encodeURIComponent(name)}=${encodeURIComponent(name)}&limit=${encodeURIComponent(name)}&cursor=${encodeURIComponent(name)}&since=${encodeURIComponent(name)}`,
            { headers: auth },
          ],
          [
            'headers',
            concrete(path, 'x'),
            {
              headers: {
                ...auth,
                [name]: name,
                'X-Request-Id': `${name}-request`,
                'Idempotency-Key': name,
                'If-None-Match': name,
                Accept: name,
              },
            },
          ],
          ['key header', concrete(path, 'x'), { headers: { 'X-API-Key': name } }],
          ['bearer', concrete(path, 'x'), { headers: { Authorization: `Bearer ${name}` } }],
        ];
        if (BODY_METHODS.has(method)) {
          const members = `{"${name}":"${name}","prompt":"${name}","image_urls":["data:${name};base64,AAAA","data:image/${name};base64,AAAA"],"model":"${name}","size":"${name}","optimize_prompt_mode":"${name}"}`;
          attempts.push(
            [
              'json body',
              concrete(path, 'x'),
              { headers: { ...auth, 'Content-Type': 'application/json' }, body: members },
            ],
            [
              'data-uri media type',
              concrete(path, 'x'),
              {
                headers: { ...auth, 'Content-Type': 'application/json' },
                body: JSON.stringify({ prompt: 'a fox', image_urls: [`data:${name};base64,AAAA`] }),
              },
            ],
            [
              'content type',
              concrete(path, 'x'),
              { headers: { ...auth, 'Content-Type': name }, body: '{}' },
            ],
          );
        }
        for (const [where, url, init] of attempts) {
          const res = await t.request(url, { method, ...init });
          const problem = await problemWith(`${method} ${url} (${where}: ${name})`, res);
          if (problem) problems.push(problem);
        }
      }
    }
    expect(problems).toEqual([]);
    expect(logLines.filter((l) => JSON.parse(l).level >= 50)).toEqual([]);
    expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false);
  });

  it(`answers a stalled body with 408 within the ${IDLE_MS} ms idle timeout, on every route that takes one`, async () => {
    const problems: string[] = [];
    for (const { method, path } of registeredRoutes().filter((r) => BODY_METHODS.has(r.method))) {
      for (const type of ['application/json', 'application/octet-stream', 'multipart/form-data']) {
        let cancelled = false;
        const stalled = new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('{"prompt":"a'));
          },
          cancel() {
            cancelled = true;
          },
        });
        const started = performance.now();
        const res = await Promise.race([
          t.request(concrete(path, 'x'), {
            method,
            headers: { Authorization: `Bearer ${t.key}`, 'Content-Type': type },
            body: stalled,
            duplex: 'half',
          } as RequestInit),
          new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 5000)),
        ]);
        const label = `${method} ${path} (${type})`;
        if (res === 'hung') {
          problems.push(`${label}: no answer after 5 s`);
          continue;
        }
        const ms = performance.now() - started;
        const problem = await problemWith(label, res.clone());
        if (problem) problems.push(problem);
        if (res.status === 408) {
          const body = (await res.json()) as { error: { code: string } };
          if (body.error.code !== 'request_timeout') problems.push(`${label}: ${body.error.code}`);
          if (!cancelled) problems.push(`${label}: the stalled body was not let go`);
          if (ms > IDLE_MS + 2000) problems.push(`${label}: 408 after ${Math.round(ms)} ms`);
        } else if (![401, 403, 404, 405, 415].includes(res.status)) {
          problems.push(`${label}: ${res.status}, neither a 408 nor a refusal before reading`);
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('refuses a declared body over the server-wide limit with 413 before reading it', async () => {
    const problems: string[] = [];
    for (const { method, path } of registeredRoutes().filter((r) => BODY_METHODS.has(r.method))) {
      const res = await t.request(concrete(path, 'x'), {
        method,
        headers: {
          Authorization: `Bearer ${t.key}`,
          'Content-Type': 'application/json',
          'Content-Length': String(t.config.bodyLimitBytes + 1),
        },
        body: '{}',
      });
      const problem = await problemWith(`${method} ${path}`, res.clone());
      if (problem) problems.push(problem);
      if (![413, 401, 403, 404, 405, 415].includes(res.status)) {
        problems.push(`${method} ${path}: ${res.status} for a declared body over the limit`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('refuses transfer and content codings other than chunked and identity with 415', async () => {
    for (const { method, path } of registeredRoutes()) {
      for (const headers of [
        { 'Transfer-Encoding': 'gzip, chunked' },
        { 'Content-Encoding': 'gzip' },
        { 'Content-Encoding': 'br' },
      ]) {
        const res = await t.request(concrete(path, 'x'), {
          method,
          headers: { Authorization: `Bearer ${t.key}`, ...headers },
          ...(BODY_METHODS.has(method) ? { body: '{}' } : {}),
        });
        expect(res.status, `${method} ${path} ${JSON.stringify(headers)}`).toBe(415);
        expect(((await res.json()) as { error: { code: string } }).error.code).toBe(
          'unsupported_media_type',
        );
      }
    }
  });
});
