import { createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';
import type { Db } from '../db/database.ts';
import { prepareQuery } from '../db/prepared.ts';
import { randomBase62, sortableId } from '../ids.ts';

/** `gt_` and 40 base62 characters: about 238 random bits. */
const KEY_BODY_LENGTH = 40;
const KEY_FORMAT = /^gt_[A-Za-z0-9]{32,128}$/;
const PREFIX_LENGTH = 11; // "gt_" + 8 characters, enough to tell keys apart in a listing
const LAST_USED_RESOLUTION_MS = 60_000;

export interface KeyLimits {
  /** Requests per minute; null means the configured default. */
  readonly rpm: number | null;
  /** Concurrent generations; null means the configured default. */
  readonly concurrency: number | null;
}

export interface VerifiedKey {
  readonly id: string;
  readonly accountId: string;
  readonly name: string;
  readonly prefix: string;
  readonly limits: KeyLimits;
}

export interface KeyListing extends VerifiedKey {
  /** 'console': the key the console's playground generates with (its secret was never kept). */
  readonly kind: 'api' | 'console';
  readonly createdAt: number;
  readonly expiresAt: number | null;
  readonly revokedAt: number | null;
  readonly lastUsedAt: number | null;
}

export type KeyCheck = { ok: true; key: VerifiedKey } | { ok: false };

export interface KeyService {
  create(input: {
    accountId: string;
    name: string;
    rpm?: number | null;
    concurrency?: number | null;
    expiresAt?: number | null;
  }): Promise<{ id: string; key: string; prefix: string }>;
  list(accountId: string): Promise<KeyListing[]>;
  /** Keys of every account (operators), newest first. */
  listAll(options: { limit: number }): Promise<KeyListing[]>;
  /** One key by id, whatever its state. */
  find(id: string): Promise<KeyListing | undefined>;
  /**
   * The key the console's playground generates with for an account: made on first use, its
   * secret discarded (it cannot be presented), so playground requests are charged, limited and
   * listed like any key's. A revoked one is replaced.
   */
  consoleKey(accountId: string): Promise<VerifiedKey>;
  revoke(id: string): Promise<boolean>;
  update(
    id: string,
    limits: Partial<{ rpm: number | null; concurrency: number | null }>,
  ): Promise<boolean>;
  /** Checks a presented key. Never says why a key was refused. */
  verify(presented: string): Promise<KeyCheck>;
}

/** True when a string has the shape of a goodtake key (says nothing about validity). */
export function looksLikeKey(value: string): boolean {
  return KEY_FORMAT.test(value);
}

export function createKeyService(deps: { db: Db; secret: string; now?: () => number }): KeyService {
  const { db, secret } = deps;
  const now = deps.now ?? Date.now;
  const lastUsedWritten = new Map<string, number>();
  // A suspended account's keys are refused like revoked ones (one indexed join).
  const selectByHash = prepareQuery(['hash'], (v: { hash: string }) =>
    db
      .selectFrom('api_keys')
      .innerJoin('accounts', 'accounts.id', 'api_keys.account_id')
      .selectAll('api_keys')
      .select('accounts.suspended_at')
      .where('api_keys.hash', '=', v.hash),
  );
  // The secret as a KeyObject once: from a string, node:crypto imports the key on every call.
  const secretKey = createSecretKey(Buffer.from(secret, 'utf8'));
  const hash = (key: string) => createHmac('sha256', secretKey).update(key).digest('hex');

  const toVerified = (row: {
    id: string;
    account_id: string;
    name: string;
    prefix: string;
    rpm_limit: number | null;
    concurrency_limit: number | null;
  }): VerifiedKey => ({
    id: row.id,
    accountId: row.account_id,
    name: row.name,
    prefix: row.prefix,
    limits: { rpm: row.rpm_limit, concurrency: row.concurrency_limit },
  });

  const toListing = (
    r: Parameters<typeof toVerified>[0] & {
      kind: 'api' | 'console';
      created_at: number;
      expires_at: number | null;
      revoked_at: number | null;
      last_used_at: number | null;
    },
  ): KeyListing => ({
    ...toVerified(r),
    kind: r.kind,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at,
    lastUsedAt: r.last_used_at,
  });

  async function insertKey(
    input: Parameters<KeyService['create']>[0],
    kind: 'api' | 'console',
  ): Promise<{ id: string; key: string; prefix: string }> {
    const key = `gt_${randomBase62(KEY_BODY_LENGTH)}`;
    const id = sortableId('key', now());
    const prefix = key.slice(0, PREFIX_LENGTH);
    await db
      .insertInto('api_keys')
      .values({
        id,
        account_id: input.accountId,
        name: input.name,
        prefix,
        hash: hash(key),
        rpm_limit: input.rpm ?? null,
        concurrency_limit: input.concurrency ?? null,
        created_at: now(),
        expires_at: input.expiresAt ?? null,
        revoked_at: null,
        last_used_at: null,
        kind,
      })
      .execute();
    return { id, key, prefix };
  }

  async function touch(id: string, at: number): Promise<void> {
    const previous = lastUsedWritten.get(id) ?? 0;
    if (at - previous < LAST_USED_RESOLUTION_MS) return;
    lastUsedWritten.set(id, at);
    await db.updateTable('api_keys').set({ last_used_at: at }).where('id', '=', id).execute();
  }

  return {
    create: (input) => insertKey(input, 'api'),

    async list(accountId) {
      const rows = await db
        .selectFrom('api_keys')
        .selectAll()
        .where('account_id', '=', accountId)
        .orderBy('created_at')
        .execute();
      return rows.map(toListing);
    },

    async listAll({ limit }) {
      const rows = await db
        .selectFrom('api_keys')
        .selectAll()
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map(toListing);
    },

    async find(id) {
      const row = await db
        .selectFrom('api_keys')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return row ? toListing(row) : undefined;
    },

    async consoleKey(accountId) {
      const existing = await db
        .selectFrom('api_keys')
        .selectAll()
        .where('account_id', '=', accountId)
        .where('kind', '=', 'console')
        .where('revoked_at', 'is', null)
        .orderBy('id', 'desc')
        .executeTakeFirst();
      if (existing) return toVerified(existing);
      const made = await insertKey({ accountId, name: 'Console playground' }, 'console');
      return toVerified(
        await db
          .selectFrom('api_keys')
          .selectAll()
          .where('id', '=', made.id)
          .executeTakeFirstOrThrow(),
      );
    },

    async revoke(id) {
      const r = await db
        .updateTable('api_keys')
        .set({ revoked_at: now() })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    async update(id, limits) {
      const set: { rpm_limit?: number | null; concurrency_limit?: number | null } = {};
      if (limits.rpm !== undefined) set.rpm_limit = limits.rpm;
      if (limits.concurrency !== undefined) set.concurrency_limit = limits.concurrency;
      if (Object.keys(set).length === 0) return false;
      const r = await db.updateTable('api_keys').set(set).where('id', '=', id).executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },

    async verify(presented) {
      if (!looksLikeKey(presented)) return { ok: false };
      const digest = hash(presented);
      const row = (await selectByHash(db, { hash: digest })).rows[0];
      // The lookup is by an HMAC the caller cannot steer; the final comparison is constant-time.
      if (!row || !timingSafeEqual(Buffer.from(row.hash, 'hex'), Buffer.from(digest, 'hex'))) {
        return { ok: false };
      }
      const at = now();
      if (
        row.revoked_at !== null ||
        row.suspended_at !== null ||
        (row.expires_at !== null && row.expires_at <= at)
      ) {
        return { ok: false };
      }
      await touch(row.id, at);
      return { ok: true, key: toVerified(row) };
    },
  };
}
