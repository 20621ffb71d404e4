import type { Transaction } from 'kysely';
import type { Db } from '../db/database.ts';
import type { Database } from '../db/schema.ts';
import { randomBelow, sortableId } from '../ids.ts';
import type { Logger } from '../log.ts';
import { webhookHeaders } from './signature.ts';
import { deliveredTypes } from './url.ts';
import type { WebhookAdmin } from './webhook-admin.ts';

type Tx = Transaction<Database>;

/** Sends one POST through the guarded client: the status it got, or why it got none. */
export type WebhookSender = (
  url: string,
  body: string,
  headers: Record<string, string>,
) => Promise<{ ok: true; status: number } | { ok: false; message: string }>;

export interface WebhookSettings {
  /** Failed deliveries are retried for at least this long after the event (24 h). */
  readonly retryWindowMs: number;
  /** How often due deliveries are looked for. */
  readonly pollMs: number;
  /** Deliveries in flight at once from this process. */
  readonly concurrency: number;
}

export interface WebhookDeps {
  readonly db: Db;
  readonly admin: WebhookAdmin;
  readonly send: WebhookSender;
  readonly settings: WebhookSettings;
  readonly log: Logger;
  readonly now?: () => number;
}

/** Delay before retry number `attempt` (1 = after the first failure): 5 s x 3^n, to 4 h, plus up to 30 % jitter. */
export function retryDelayMs(
  attempt: number,
  random: (max: number) => number = randomBelow,
): number {
  const base = Math.min(5000 * 3 ** Math.max(0, attempt - 1), 4 * 3600_000);
  return base + random(Math.floor(base * 0.3) + 1);
}

/**
 * Webhooks of generations, per Standard Webhooks: one delivery per event a job's webhook asked
 * for, written in the transaction that writes the event (so none is lost), each sent at least
 * once: retried with exponential backoff and jitter on anything but a 2xx or on a timeout, for
 * at least `retryWindowMs`; a 410 stops it. Every attempt is recorded. `webhook-id` is the
 * event's id, the same on every attempt and re-send.
 */
export function createWebhooks(deps: WebhookDeps) {
  const { db, settings } = deps;
  const now = deps.now ?? Date.now;
  let inFlight = 0;
  let timer: ReturnType<typeof setInterval> | undefined;
  const running = new Set<Promise<void>>();
  let stopped = false;

  async function attempt(delivery: {
    id: string;
    account_id: string;
    event_id: string;
    url: string;
    payload: string;
    attempts: number;
    created_at: number;
  }): Promise<void> {
    const startedAt = now();
    const clock = performance.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    try {
      const secrets = await deps.admin.signingSecrets(delivery.account_id);
      const headers = webhookHeaders(
        secrets,
        delivery.event_id,
        Math.floor(startedAt / 1000),
        delivery.payload,
      );
      const result = await deps.send(delivery.url, delivery.payload, headers);
      if (result.ok) statusCode = result.status;
      else error = result.message;
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    const latency = Math.round(performance.now() - clock);
    const number = Number(delivery.attempts) + 1;
    const at = now();
    const delivered = statusCode !== null && statusCode >= 200 && statusCode <= 299;
    const gone = statusCode === 410;
    const expired = at - Number(delivery.created_at) >= settings.retryWindowMs;
    const status = delivered ? 'delivered' : gone ? 'gone' : expired ? 'failed' : 'pending';
    await db.transaction().execute(async (tx) => {
      await tx
        .insertInto('webhook_attempts')
        .values({
          id: sortableId('att', at),
          delivery_id: delivery.id,
          attempt: number,
          started_at: startedAt,
          status_code: statusCode,
          latency_ms: latency,
          error: error ?? (delivered ? null : `HTTP ${statusCode}`),
        })
        .execute();
      await tx
        .updateTable('webhook_deliveries')
        .set({
          status,
          attempts: number,
          next_attempt_at: status === 'pending' ? at + retryDelayMs(number) : null,
          lease_until: null,
          finished_at: status === 'pending' ? null : at,
        })
        .where('id', '=', delivery.id)
        .execute();
    });
    if (!delivered) {
      deps.log.info(
        { deliveryId: delivery.id, attempt: number, statusCode, error, status },
        'webhook delivery attempt failed',
      );
    }
  }

  /** Sends every delivery that is due (up to the concurrency), once each. */
  async function deliverDue(): Promise<number> {
    const at = now();
    const room = Math.max(0, settings.concurrency - inFlight);
    if (room === 0) return 0;
    const due = await db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('status', '=', 'pending')
      .where('next_attempt_at', '<=', at)
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', at)]))
      .orderBy('next_attempt_at')
      .limit(room)
      .execute();
    const sent: Array<Promise<void>> = [];
    for (const d of due) {
      // Leased past the attempt's own timeout, so no other process sends it meanwhile.
      const taken = await db
        .updateTable('webhook_deliveries')
        .set({ lease_until: at + 60_000 })
        .where('id', '=', d.id)
        .where('status', '=', 'pending')
        .where((eb) =>
          d.lease_until === null
            ? eb('lease_until', 'is', null)
            : eb('lease_until', '=', d.lease_until),
        )
        .executeTakeFirst();
      if (Number(taken.numUpdatedRows) !== 1) continue;
      inFlight++;
      const p = attempt(d)
        .catch((err: unknown) =>
          deps.log.error({ err, deliveryId: d.id }, 'webhook attempt failed'),
        )
        .finally(() => {
          inFlight--;
          running.delete(p);
        });
      running.add(p);
      sent.push(p);
    }
    await Promise.all(sent);
    return sent.length;
  }

  return {
    /**
     * Writes the delivery of a job event, in the transaction writing the event, when the job
     * has a webhook that asked for this type.
     */
    async enqueue(
      tx: Tx,
      event: {
        jobId: string;
        id: string;
        type: string;
        data: Record<string, unknown>;
        createdAt: number;
      },
    ): Promise<boolean> {
      const job = await tx
        .selectFrom('jobs')
        .select(['account_id', 'webhook_url', 'webhook_events'])
        .where('id', '=', event.jobId)
        .executeTakeFirst();
      if (!job?.webhook_url) return false;
      if (!deliveredTypes((job.webhook_events ?? 'completed').split(',')).has(event.type)) {
        return false;
      }
      const payload = JSON.stringify({
        type: `generation.${event.type}`,
        timestamp: new Date(event.createdAt).toISOString(),
        data: { generation_id: event.jobId, ...event.data },
      });
      await tx
        .insertInto('webhook_deliveries')
        .values({
          id: sortableId('dlv', event.createdAt),
          account_id: job.account_id,
          job_id: event.jobId,
          event_id: event.id,
          event_type: event.type,
          url: job.webhook_url,
          payload,
          status: 'pending',
          attempts: 0,
          next_attempt_at: event.createdAt,
          lease_until: null,
          created_at: event.createdAt,
          finished_at: null,
        })
        .execute();
      return true;
    },

    deliverDue,

    /** Wakes the deliverer (a delivery was just written or re-sent in this process). */
    wake() {
      if (!stopped) void deliverDue().catch((err: unknown) => deps.log.error({ err }, 'webhooks'));
    },

    start() {
      timer = setInterval(() => void deliverDue().catch(() => {}), settings.pollMs);
      timer.unref();
    },
    async stop() {
      stopped = true;
      clearInterval(timer);
      await Promise.allSettled([...running]);
    },
  };
}

export type Webhooks = ReturnType<typeof createWebhooks>;
