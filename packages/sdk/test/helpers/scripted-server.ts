import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What one scripted step does with a request. */
export type Step = (req: IncomingMessage, res: ServerResponse) => void;

export interface RecordedRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/**
 * A local HTTP server that answers the n-th request with the n-th step (the last step
 * repeats), recording every request: the ky way of testing retries.
 */
export async function scriptedServer(steps: Step[]) {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const step = steps[Math.min(requests.length, steps.length) - 1]!;
      step(req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export const json =
  (status: number, body: unknown, headers: Record<string, string> = {}): Step =>
  (_req, res) => {
    res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  };

export const apiError = (
  status: number,
  code: string,
  extra: { retry_after?: number; headers?: Record<string, string> } = {},
): Step =>
  json(
    status,
    {
      status: 'error',
      error: {
        code,
        message: `scripted ${code}`,
        request_id: `req_scripted_${status}`,
        ...(extra.retry_after !== undefined ? { retry_after: extra.retry_after } : {}),
      },
    },
    extra.headers,
  );

export const success: Step = json(
  200,
  {
    status: 'success',
    data: {
      images: [{ url: 'http://127.0.0.1/images/x.jpg', width: 2048, height: 2048 }],
      generation_time_ms: 12,
      model: 'seedream-4-5-251128',
      prompt: 'p',
    },
  },
  { 'X-Request-Id': 'req_ok' },
);

/** Drops the connection without answering. */
export const reset: Step = (req) => {
  req.socket.destroy();
};

/** Never answers. */
export const hang: Step = () => {};
