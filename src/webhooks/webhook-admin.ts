import type { Db } from '../db/database.ts';
import { newWebhookSecret } from './signature.ts';

/*
 * What an account (through the API) and the operator (through the admin CLI) do with webhooks:
 * read and rotate the signing secret, list deliveries with their attempts, re-send one. Only
 * the database is needed: the server's deliverer (webhooks.ts) sends what is due.
 */

export interface DeliveryView {
  id: string;
  generation_id: string;
  event_id: string;
  event_type: string;
  url: string;
  status: 'pending' | 'delivered' | 'failed' | 'gone';
  attempts: Array<{
    attempt: number;
    at: string;
    status_code: number | null;
    latency_ms: number;
    error: string | null;
  }>;
  next_attempt_at: string | null;
  created_at: string;
}

const iso = (t: number | null) => (t === null ? null : new Date(Number(t)).toISOString());

export interface SecretView {
  secret: string;
  created_at: string;
  rotated_at: string | null;
  /** The secret before the last rotation, while it still signs (a second signature). */
  previous_secret: string | null;
  previous_expires_at: string | null;
}

export function createWebhookAdmin(deps: {
  db: Db;
  /** How long the previous secret keeps signing after a rotation. */
  rotationGraceMs: number;
  now?: () => number;
}) {
  const { db } = deps;
  const now = deps.now ?? Date.now;

  async function secretRow(accountId: string) {
    const row = await db
      .selectFrom('webhook_secrets')
      .selectAll()
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    if (row) return row;
    await db
      .insertInto('webhook_secrets')
      .values({
        account_id: accountId,
        secret: newWebhookSecret(),
        previous_secret: null,
        previous_until: null,
        created_at: now(),
        rotated_at: null,
      })
      .onConflict((oc) => oc.column('account_id').doNothing())
      .execute();
    return db
      .selectFrom('webhook_secrets')
      .selectAll()
      .where('account_id', '=', accountId)
      .executeTakeFirstOrThrow();
  }

  /** The secrets that sign an account's deliveries now: the current one, and the previous one during its grace period. */
  async function signingSecrets(accountId: string): Promise<string[]> {
    const row = await secretRow(accountId);
    const previous =
      row.previous_secret && row.previous_until !== null && Number(row.previous_until) > now()
        ? [row.previous_secret]
        : [];
    return [row.secret, ...previous];
  }

  function secretView(row: Awaited<ReturnType<typeof secretRow>>): SecretView {
    const graceful = row.previous_until !== null && Number(row.previous_until) > now();
    return {
      secret: row.secret,
      created_at: iso(row.created_at)!,
      rotated_at: iso(row.rotated_at),
      previous_secret: graceful ? row.previous_secret : null,
      previous_expires_at: graceful ? iso(row.previous_until) : null,
    };
  }

  async function deliveries(accountId: string, generationId?: string): Promise<DeliveryView[]> {
    let q = db
      .selectFrom('webhook_deliveries')
      .selectAll()
      .where('account_id', '=', accountId)
      .orderBy('id', 'desc')
      .limit(100);
    if (generationId !== undefined) q = q.where('job_id', '=', generationId);
    const rows = await q.execute();
    if (rows.length === 0) return [];
    const attempts = await db
      .selectFrom('webhook_attempts')
      .selectAll()
      .where(
        'delivery_id',
        'in',
        rows.map((r) => r.id),
      )
      .orderBy('attempt')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      generation_id: r.job_id,
      event_id: r.event_id,
      event_type: r.event_type,
      url: r.url,
      status: r.status,
      attempts: attempts
        .filter((a) => a.delivery_id === r.id)
        .map((a) => ({
          attempt: Number(a.attempt),
          at: iso(a.started_at)!,
          status_code: a.status_code === null ? null : Number(a.status_code),
          latency_ms: Number(a.latency_ms),
          error: a.error,
        })),
      next_attempt_at: iso(r.next_attempt_at),
      created_at: iso(r.created_at)!,
    }));
  }

  return {
    signingSecrets,
    secret: async (accountId: string) => secretView(await secretRow(accountId)),

    /** A new secret; the old one keeps signing (a second signature) for the grace period. */
    async rotate(accountId: string): Promise<SecretView> {
      const row = await secretRow(accountId);
      const at = now();
      await db
        .updateTable('webhook_secrets')
        .set({
          secret: newWebhookSecret(),
          previous_secret: row.secret,
          previous_until: at + deps.rotationGraceMs,
          rotated_at: at,
        })
        .where('account_id', '=', accountId)
        .execute();
      return secretView(await secretRow(accountId));
    },

    deliveries,

    /**
     * Marks a delivery to be sent again now, with the same webhook-id; the deliverer sends it.
     * Undefined for an unknown delivery or another account's.
     */
    async resend(accountId: string, deliveryId: string): Promise<DeliveryView | undefined> {
      const at = now();
      const r = await db
        .updateTable('webhook_deliveries')
        .set({
          status: 'pending',
          next_attempt_at: at,
          lease_until: null,
          finished_at: null,
          // A re-send gets a retry window of its own.
          created_at: at,
        })
        .where('id', '=', deliveryId)
        .where('account_id', '=', accountId)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) return undefined;
      return (await deliveries(accountId)).find((d) => d.id === deliveryId);
    },

    /** Whether an account exists (the CLI names accounts). */
    async accountExists(accountId: string): Promise<boolean> {
      const row = await db
        .selectFrom('accounts')
        .select('id')
        .where('id', '=', accountId)
        .executeTakeFirst();
      return row !== undefined;
    },
  };
}

export type WebhookAdmin = ReturnType<typeof createWebhookAdmin>;
