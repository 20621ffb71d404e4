import type { ServerOptions } from 'node:http';
import type { Config } from '../config.ts';

/**
 * The Node HTTP server's own time bounds, for the phases before a route's handler runs:
 * - the request line and headers must arrive within `headersTimeoutMs`;
 * - the whole request, headers and body, within `requestTimeoutMs` (the time to the handler).
 *   This is the backstop for bodies no handler reads; where a handler reads the body it does
 *   so through the bounded reader (src/http/body/), whose idle and total timeouts fire first
 *   and answer 408 in the contract's JSON shape.
 * Both end when the request has been received: a response may take as long as its generation
 * (minutes), so nothing here cuts off a slow response. Node checks the deadlines every
 * `connectionsCheckingInterval`; a short interval makes them hold to within about a second.
 */
export function serverTimeouts(http: Config['http']): ServerOptions {
  const shortest = Math.min(http.headersTimeoutMs, http.requestTimeoutMs);
  return {
    headersTimeout: http.headersTimeoutMs,
    requestTimeout: http.requestTimeoutMs,
    // Idle keep-alive connections are closed after this (above common proxies' 60 s).
    keepAliveTimeout: 65_000,
    connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(shortest / 4))),
  };
}
