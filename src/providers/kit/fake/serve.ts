import type { AddressInfo } from 'node:net';
import { type HttpBindings, serve } from '@hono/node-server';
import type { Hono } from 'hono';
import type { RecordedRequest } from './recorder.ts';

export interface ServedFake {
  /** `http://host:port`. */
  readonly origin: string;
  close(): Promise<void>;
}

/** Serves a fake's app on `host` (default 127.0.0.1) and `port` (default any free one). */
export async function serveFake(
  app: Hono<{ Bindings: HttpBindings }>,
  options: { readonly host?: string; readonly port?: number },
): Promise<ServedFake> {
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
  return {
    origin: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        if ('closeAllConnections' in server) server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** What the control API of a fake works on. */
export interface ControlTarget {
  readonly requests: readonly RecordedRequest[];
  /** Queues scripted replies; returns how many are queued. */
  script(entries: unknown[]): number;
  /** Applies the known settings of a patch; returns the settings now in force. */
  configure(patch: Record<string, unknown>): unknown;
  reset(): void;
}

/**
 * The control API, for tests and benchmarks driving a fake in another process:
 * `POST /__fake/script` (a scripted reply, a list, or `{responses:[…]}`), `GET /__fake/requests`,
 * `POST /__fake/config` and `POST /__fake/reset`.
 */
export function mountControl(app: Hono<{ Bindings: HttpBindings }>, target: ControlTarget): void {
  app.get('/__fake/requests', (c) => c.json({ requests: target.requests }));
  app.post('/__fake/script', async (c) => {
    const body: unknown = await c.req.json().catch(() => undefined);
    if (!body || typeof body !== 'object') {
      return c.json({ error: 'expected a scripted response, a list, or {responses: [...]}' }, 400);
    }
    const list = Array.isArray(body)
      ? body
      : 'responses' in body && Array.isArray(body.responses)
        ? body.responses
        : [body];
    return c.json({ queued: target.script(list) });
  });
  app.post('/__fake/config', async (c) => {
    const patch: unknown = await c.req.json().catch(() => ({}));
    return c.json(
      target.configure(typeof patch === 'object' && patch ? { ...patch } : {}) as object,
    );
  });
  app.post('/__fake/reset', (c) => {
    target.reset();
    return c.json({ ok: true });
  });
}

/** A number option of a fake's command line, or exit 2 naming it. */
export function cliNumber(name: string, raw: string): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n < 0) {
    console.error(`--${name} must be a non-negative number, got '${raw}'`);
    process.exit(2);
  }
  return n;
}

/** Stops a fake started by hand on SIGINT or SIGTERM. */
export function closeOnSignals(fake: { close(): Promise<void> }): void {
  const stop = (): void => {
    void fake.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** A JSON reply. */
export function jsonReply(
  body: unknown,
  status = 200,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

/** The lines a fake started by hand prints (its base URL, credential and control API). */
export function announceFake(
  name: string,
  fake: { readonly url: string; readonly origin: string; close(): Promise<void> },
  credential: string,
): void {
  console.log(`fake ${name} listening: base URL ${fake.url}`);
  console.log(credential);
  console.log(
    `control: POST ${fake.origin}/__fake/script, GET ${fake.origin}/__fake/requests, POST ${fake.origin}/__fake/config, POST ${fake.origin}/__fake/reset`,
  );
  closeOnSignals(fake);
}

/** The command-line options every job-queue fake takes (`parseArgs` specs). */
export function queueFakeCliOptions(defaultPort: number) {
  return {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: String(defaultPort) },
    'queue-ms': { type: 'string', default: '0' },
    'latency-ms': { type: 'string', default: '0' },
    'output-bytes': { type: 'string', default: 'small' },
    'failure-rate': { type: 'string', default: '0' },
    help: { type: 'boolean', short: 'h' },
  } as const;
}

/** The fake options those command-line options give. */
export function queueFakeCliValues(values: {
  readonly host: string;
  readonly port: string;
  readonly 'queue-ms': string;
  readonly 'latency-ms': string;
  readonly 'output-bytes': string;
  readonly 'failure-rate': string;
}) {
  const bytes = values['output-bytes'];
  return {
    host: values.host,
    port: cliNumber('port', values.port),
    queueMs: cliNumber('queue-ms', values['queue-ms']),
    latencyMs: cliNumber('latency-ms', values['latency-ms']),
    outputBytes: bytes === 'small' ? ('small' as const) : cliNumber('output-bytes', bytes),
    failureRate: cliNumber('failure-rate', values['failure-rate']),
  };
}
