import type { Hono } from 'hono';
import type { JobEvent } from '../../jobs/job-store.ts';
import type { Jobs } from '../../jobs/jobs.ts';
import type { KeyService } from '../../keys/api-keys.ts';
import type { LimitDefaults } from '../../ratelimit/key-limits.ts';
import type { RequestLimiter } from '../../ratelimit/limiter.ts';
import type { AppEnv } from '../context.ts';
import { ApiError } from '../errors.ts';
import { authenticate } from '../middleware/authenticate.ts';
import { noRequestBody } from '../middleware/no-body.ts';
import { rateLimit } from '../middleware/rate-limit.ts';

export interface GenerationRouteDeps {
  readonly jobs: Jobs;
  readonly keys: KeyService;
  readonly requestLimiter: RequestLimiter;
  readonly limitDefaults: LimitDefaults;
  readonly publicBaseUrl: string | undefined;
}

export const GENERATION_PATHS = {
  one: '/api/v1/generations/:id',
  events: '/api/v1/generations/:id/events',
  cancel: '/api/v1/generations/:id/cancel',
} as const;

const GENERATION_ID = /^gen_[0-9a-z]{12}[0-9A-Za-z]{9}$/;
const HEARTBEAT_MS = 15_000;

function idOf(raw: string): string {
  if (!GENERATION_ID.test(raw)) throw new ApiError('not_found', 'No such generation');
  return raw;
}

/** `Last-Event-ID` as sent back by an EventSource: the seq of the last event received. */
function lastEventId(raw: string | undefined): number {
  if (raw === undefined || raw.trim() === '') return 0;
  if (!/^\d{1,9}$/.test(raw.trim())) {
    throw new ApiError('invalid_parameters', 'Last-Event-ID must be an event id of this stream', {
      field: 'Last-Event-ID',
    });
  }
  return Number(raw.trim());
}

/** One SSE frame: `id` is the event's number in its generation, `data` its JSON. */
export function sseFrame(event: JobEvent, generationId: string): string {
  const data = JSON.stringify({ type: event.type, generation_id: generationId, ...event.data });
  return `id: ${event.seq}\nevent: ${event.type}\ndata: ${data}\n\n`;
}

/**
 * A generation by id: its state (`GET`), its events as Server-Sent Events (`/events`, resumable
 * with `Last-Event-ID`), and cancelling it (`/cancel`). Another account's generation is 404.
 * Reading a generation does not count against the key's per-minute limit (clients poll it);
 * cancelling does.
 */
export function registerGenerations(app: Hono<AppEnv>, deps: GenerationRouteDeps): void {
  const auth = authenticate(deps.keys);
  const baseUrlOf = (url: string) => deps.publicBaseUrl ?? new URL(url).origin;

  app.get(GENERATION_PATHS.one, auth, async (c) => {
    const id = idOf(c.req.param('id'));
    const view = await deps.jobs.view(c.get('apiKey').accountId, id, baseUrlOf(c.req.url));
    if (!view) throw new ApiError('not_found', 'No such generation');
    return c.json(view);
  });

  app.get(GENERATION_PATHS.events, auth, async (c) => {
    const id = idOf(c.req.param('id'));
    const after = lastEventId(c.req.header('last-event-id'));
    const stop = new AbortController();
    const onClientGone = () => stop.abort();
    c.req.raw.signal.addEventListener('abort', onClientGone, { once: true });
    const events = await deps.jobs.follow(c.get('apiKey').accountId, id, after, stop.signal);
    if (!events) {
      c.req.raw.signal.removeEventListener('abort', onClientGone);
      throw new ApiError('not_found', 'No such generation');
    }
    const iterator = events[Symbol.asyncIterator]();
    const encoder = new TextEncoder();
    let pending: Promise<IteratorResult<JobEvent>> | undefined;
    const end = () => {
      stop.abort();
      c.req.raw.signal.removeEventListener('abort', onClientGone);
      void iterator.return?.();
    };
    const body = new ReadableStream<Uint8Array>({
      start(ctrl) {
        // Reconnect after a second if the connection drops (EventSource's `retry`).
        ctrl.enqueue(encoder.encode('retry: 1000\n\n'));
      },
      async pull(ctrl) {
        pending ??= iterator.next();
        let timer: ReturnType<typeof setTimeout> | undefined;
        const beat = new Promise<'beat'>((resolve) => {
          timer = setTimeout(() => resolve('beat'), HEARTBEAT_MS);
        });
        try {
          const next = await Promise.race([pending, beat]);
          if (next === 'beat') {
            ctrl.enqueue(encoder.encode(': keep-alive\n\n'));
            return;
          }
          pending = undefined;
          if (next.done) {
            end();
            ctrl.close();
            return;
          }
          ctrl.enqueue(encoder.encode(sseFrame(next.value, id)));
        } catch (err) {
          end();
          ctrl.error(err);
        } finally {
          clearTimeout(timer);
        }
      },
      cancel: end,
    });
    return c.body(body, 200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache',
      'X-Accel-Buffering': 'no',
    });
  });

  app.post(
    GENERATION_PATHS.cancel,
    auth,
    rateLimit(deps.requestLimiter, deps.limitDefaults),
    noRequestBody(),
    async (c) => {
      const id = idOf(c.req.param('id'));
      const result = await deps.jobs.cancel(c.get('apiKey').accountId, id, baseUrlOf(c.req.url));
      switch (result.kind) {
        case 'not_found':
          throw new ApiError('not_found', 'No such generation');
        case 'finished':
          throw new ApiError(
            'generation_finished',
            `The generation has already finished (${result.status}); there is nothing to cancel`,
            { state: result.status },
          );
        case 'canceled':
          return c.json(result.view, 200);
        case 'cancel_requested':
          return c.json(result.view, 202);
      }
    },
  );
}
