import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import type { TestApp } from './harness.ts';

/**
 * Serves a test app over real HTTP on 127.0.0.1 (an ephemeral port), for client libraries
 * that speak HTTP themselves. Image URLs then carry this origin, as they would in production.
 */
export function listen(t: TestApp): Promise<{ url: string; close(): Promise<void> }> {
  return listenLoopback(createAdaptorServer({ fetch: t.application.app.fetch }) as Server);
}

/**
 * Starts an HTTP server on 127.0.0.1 (an ephemeral port): its origin, and a close that ends
 * open connections too (receivers and fakes keep keep-alive sockets).
 */
export async function listenLoopback(
  server: Server,
): Promise<{ url: string; close(): Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
