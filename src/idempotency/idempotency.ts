import { createHash } from 'node:crypto';
import type { Db } from '../db/database.ts';

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
const KEY_FORMAT = /^[\x21-\x7e]{1,255}$/;

export type Claim<T> =
  | { readonly kind: 'proceed' }
  | { readonly kind: 'replay'; readonly stored: T }
  | { readonly kind: 'conflict' };

/**
 * What the work a dead owner started came to, as the store's caller judges it from its records:
 * `deliver` what it stored (the retry replays it, charged once), `rerun` when it delivered
 * nothing (the retry runs again), or `wait` while it may still be settled (its lease runs).
 */
export type Recovery<T> =
  | { readonly kind: 'deliver'; readonly stored: T }
  | { readonly kind: 'rerun' }
  | { readonly kind: 'wait' };

/**
 * `Idempotency-Key` support: the first request with a key claims it and runs; a later one
 * with the same key and body replays the stored outcome; a concurrent one waits for the
 * first to finish; a different body under the same key is a conflict. Claims live in the
 * database, so they hold across replicas. A claim is bound to the work it started (`bind`)
 * before that work can cost anything, so when its owner dies the claim is not simply taken
 * over: `recover` says what the work delivered, and a retry replays that instead.
 */
export interface IdempotencyStore<T> {
  claim(input: {
    accountId: string;
    key: string;
    requestHash: string;
    signal: AbortSignal;
  }): Promise<Claim<T>>;
  /** Records the work a claimed request is about to start (before it reserves anything). */
  bind(accountId: string, key: string, workId: string): Promise<void>;
  complete(accountId: string, key: string, stored: T): Promise<void>;
  /** Forgets a claim whose request failed, so a retry with the same key runs again. */
  abandon(accountId: string, key: string): Promise<void>;
  /** Deletes records older than 24 h. */
  purgeExpired(): Promise<number>;
}

export function isValidIdempotencyKey(key: string): boolean {
  return KEY_FORMAT.test(key);
}

/** A stable hash of a JSON-compatible value, independent of object key order. */
export function hashRequest(value: unknown): string {
  const canonical = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canonical);
    if (v && typeof v === 'object') {
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return createHash('sha256')
    .update(JSON.stringify(canonical(value)))
    .digest('hex');
}

export function createIdempotencyStore<T>(deps: {
  db: Db;
  /** How long a claim holds without its owner finishing (longer than any generation). */
  claimMs: number;
  /** What the bound work of a dead owner delivered; without it, a lapsed claim runs again. */
  recover?: (workId: string) => Promise<Recovery<T>>;
  pollMs?: number;
  now?: () => number;
}): IdempotencyStore<T> {
  const { db, claimMs } = deps;
  const now = deps.now ?? Date.now;
  const pollMs = deps.pollMs ?? 100;

  async function tryInsert(accountId: string, key: string, requestHash: string): Promise<boolean> {
    const at = now();
    const r = await db
      .insertInto('idempotency_keys')
      .values({
        account_id: accountId,
        key,
        request_hash: requestHash,
        state: 'in_progress',
        response: null,
        locked_until: at + claimMs,
        created_at: at,
        generation_id: null,
      })
      .onConflict((oc) => oc.columns(['account_id', 'key']).doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) === 1;
  }

  return {
    async claim({ accountId, key, requestHash, signal }) {
      for (;;) {
        if (await tryInsert(accountId, key, requestHash)) return { kind: 'proceed' };
        const row = await db
          .selectFrom('idempotency_keys')
          .selectAll()
          .where('account_id', '=', accountId)
          .where('key', '=', key)
          .executeTakeFirst();
        if (!row) continue; // abandoned between our insert and read: try again
        const at = now();
        if (row.created_at + IDEMPOTENCY_TTL_MS <= at) {
          // Expired: forget it and start afresh.
          await db
            .deleteFrom('idempotency_keys')
            .where('account_id', '=', accountId)
            .where('key', '=', key)
            .where('created_at', '=', row.created_at)
            .execute();
          continue;
        }
        if (row.request_hash !== requestHash) return { kind: 'conflict' };
        if (row.state === 'completed' && row.response !== null) {
          return { kind: 'replay', stored: JSON.parse(row.response) as T };
        }
        if (row.locked_until <= at) {
          // The owner died mid-request. What it started decides what the retry gets.
          const recovery: Recovery<T> =
            row.generation_id !== null && deps.recover
              ? await deps.recover(row.generation_id)
              : { kind: 'rerun' };
          const lapsed = db
            .updateTable('idempotency_keys')
            .where('account_id', '=', accountId)
            .where('key', '=', key)
            .where('state', '=', 'in_progress')
            .where('locked_until', '=', row.locked_until);
          if (recovery.kind === 'deliver') {
            // Completed here for every later retry too; a racing retry that completed it
            // first has stored the same outcome.
            await lapsed
              .set({ state: 'completed', response: JSON.stringify(recovery.stored) })
              .execute();
            return { kind: 'replay', stored: recovery.stored };
          }
          if (recovery.kind === 'rerun') {
            const taken = await lapsed
              .set({ locked_until: at + claimMs, generation_id: null })
              .executeTakeFirst();
            if (Number(taken.numUpdatedRows) === 1) return { kind: 'proceed' };
            continue;
          }
        }
        if (signal.aborted) throw signal.reason;
        await new Promise((resolve) => setTimeout(resolve, pollMs));
      }
    },

    async bind(accountId, key, workId) {
      await db
        .updateTable('idempotency_keys')
        .set({ generation_id: workId })
        .where('account_id', '=', accountId)
        .where('key', '=', key)
        .where('state', '=', 'in_progress')
        .execute();
    },

    async complete(accountId, key, stored) {
      await db
        .updateTable('idempotency_keys')
        .set({ state: 'completed', response: JSON.stringify(stored) })
        .where('account_id', '=', accountId)
        .where('key', '=', key)
        .execute();
    },

    async abandon(accountId, key) {
      await db
        .deleteFrom('idempotency_keys')
        .where('account_id', '=', accountId)
        .where('key', '=', key)
        .where('state', '=', 'in_progress')
        .execute();
    },

    async purgeExpired() {
      const r = await db
        .deleteFrom('idempotency_keys')
        .where('created_at', '<=', now() - IDEMPOTENCY_TTL_MS)
        .executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}
