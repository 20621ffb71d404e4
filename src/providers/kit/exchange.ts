import { deadline } from '../../deadline.ts';
import type { HttpClient, HttpRequest } from './http-client.ts';
import { certainlyNotSent, describeError } from './net-errors.ts';

/** How one call to an upstream's JSON API ended. */
export type ExchangeResult =
  | {
      readonly type: 'reply';
      readonly status: number;
      /** A header by lower-case name. */
      readonly header: (name: string) => string | undefined;
      readonly text: string;
    }
  | { readonly type: 'timeout' }
  | { readonly type: 'aborted' }
  /** `sent: false` only when the request certainly never reached the upstream. */
  | { readonly type: 'network'; readonly sent: boolean; readonly detail: string };

export interface ExchangeRequest {
  readonly method: HttpRequest['method'];
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Sent as JSON. */
  readonly body?: unknown;
  /** For the whole call, reply body included. */
  readonly timeoutMs: number;
  /** Aborting it ends the call (`aborted`). */
  readonly signal: AbortSignal;
}

/**
 * One request to an upstream API, its reply read whole within the time limit. Polling APIs
 * (fal's queue, Replicate's predictions) answer small JSON documents, so the body is text.
 */
export async function exchange(http: HttpClient, req: ExchangeRequest): Promise<ExchangeResult> {
  const limit = deadline(req.signal, req.timeoutMs);
  const interrupted = (): ExchangeResult | undefined => {
    if (req.signal.aborted) return { type: 'aborted' };
    if (limit.expired) return { type: 'timeout' };
    return undefined;
  };
  let sent = false;
  try {
    const response = await http.send(req.url, {
      method: req.method,
      headers:
        req.body === undefined
          ? req.headers
          : { 'content-type': 'application/json', ...req.headers },
      ...(req.body === undefined ? {} : { body: JSON.stringify(req.body) }),
      signal: limit.signal,
    });
    sent = true;
    const text = await response.text();
    return { type: 'reply', status: response.status, header: (n) => response.header(n), text };
  } catch (error) {
    return (
      interrupted() ?? {
        type: 'network',
        sent: sent || !certainlyNotSent(error),
        detail: describeError(error),
      }
    );
  } finally {
    limit.dispose();
  }
}

/** The JSON of a reply body, or undefined when it is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
