/**
 * The SQLite side of the lean gateway (bench/lean-gateway.ts): goodtake's own tables (the
 * database its admin CLI made, migrations and all), written with prepared node:sqlite
 * statements and no query builder. Reserve and settle are goodtake's statements (src/ledger/
 * ledger.ts): hold the credits with a guarded update, insert the pending generation and its
 * reserve entry; then mark it finished, resolve the credits and write the capture and release
 * entries, with the image rows in the same transaction. Each is one synchronous function, meant
 * to run inside a group commit (bench/group-commit.ts).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { DatabaseSync } from 'node:sqlite';
import { sortableId } from '../src/ids.ts';
import { looksLikeKey } from '../src/keys/api-keys.ts';

/** A verified API key with what the request path needs of it and of its account. */
export interface LeanKey {
  readonly id: string;
  readonly accountId: string;
  readonly rpmLimit: number | null;
  readonly concurrencyLimit: number | null;
}

interface KeyRow {
  id: string;
  account_id: string;
  hash: string;
  rpm_limit: number | null;
  concurrency_limit: number | null;
  expires_at: number | null;
  revoked_at: number | null;
  suspended_at: number | null;
}

/**
 * API keys checked as goodtake checks them (keyed hash, lookup, constant-time compare, revoked,
 * expired or suspended refused), with the row of a key kept for `ttlMs`: a revocation or a
 * suspension takes effect within that time instead of at once.
 */
export function createKeyCheck(db: DatabaseSync, secret: string, ttlMs: number) {
  const select = db.prepare(`select k.id, k.account_id, k.hash, k.rpm_limit, k.concurrency_limit,
    k.expires_at, k.revoked_at, a.suspended_at from api_keys k
    join accounts a on a.id = k.account_id where k.hash = ?`);
  const cache = new Map<string, { row: KeyRow; at: number }>();
  return (presented: string, now: number): LeanKey | undefined => {
    if (!looksLikeKey(presented)) return undefined;
    const digest = createHmac('sha256', secret).update(presented).digest('hex');
    let hit = cache.get(digest);
    if (!hit || now - hit.at > ttlMs) {
      const row = select.get(digest) as KeyRow | undefined;
      // Unknown keys are not cached: a caller cannot fill the cache with made-up keys.
      if (!row) return undefined;
      hit = { row, at: now };
      cache.set(digest, hit);
    }
    const { row } = hit;
    if (!timingSafeEqual(Buffer.from(row.hash, 'hex'), Buffer.from(digest, 'hex'))) return;
    if (row.revoked_at !== null || row.suspended_at !== null) return undefined;
    if (row.expires_at !== null && row.expires_at <= now) return undefined;
    return {
      id: row.id,
      accountId: row.account_id,
      rpmLimit: row.rpm_limit,
      concurrencyLimit: row.concurrency_limit,
    };
  };
}

export interface LeanGeneration {
  readonly id: string;
  readonly key: LeanKey;
  readonly requestId: string;
  readonly model: string;
  readonly size: string;
  readonly numberOfImages: number;
  readonly pricePerImage: number;
  readonly prompt: string;
  readonly createdAt: number;
}

export interface LeanImageRow {
  readonly id: string;
  readonly position: number;
  readonly contentType: string;
  readonly ext: string;
  readonly width: number;
  readonly height: number;
  readonly bytes: number;
  readonly etag: string;
  readonly storageKey: string;
  readonly provenance: string;
  readonly digitalSourceType: string | null;
}

export function createLeanLedger(db: DatabaseSync, leaseMs: number) {
  const hold = db.prepare(
    'update accounts set reserved = reserved + ? where id = ? and balance - reserved >= ?',
  );
  const insertGeneration = db.prepare(`insert into generations (id, account_id, api_key_id,
    request_id, model, size, number_of_images, blend, price_per_image, credits_reserved,
    credits_captured, images_delivered, status, lease_expires_at, created_at, prompt)
    values (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, 0, 0, 'pending', ?, ?, ?)`);
  const insertEntry = db.prepare(`insert into ledger_entries (id, account_id, kind, amount,
    generation_id, reason, created_at) values (?, ?, ?, ?, ?, ?, ?)`);
  const finish = db.prepare(`update generations set status = ?, images_delivered = ?,
    credits_captured = ?, error_code = ?, settled_by = 'request', finished_at = ?,
    duration_ms = ? where id = ? and status = 'pending'`);
  const resolve = db.prepare(
    'update accounts set reserved = reserved - ?, balance = balance - ? where id = ?',
  );
  const insertImage = db.prepare(`insert into images (id, generation_id, account_id, position,
    content_type, ext, width, height, bytes, etag, storage_key, created_at, provenance,
    digital_source_type) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const touchKey = db.prepare('update api_keys set last_used_at = ? where id = ?');

  const entry = (
    accountId: string,
    kind: string,
    amount: number,
    generationId: string,
    reason: string,
    at: number,
  ) => insertEntry.run(sortableId('le', at), accountId, kind, amount, generationId, reason, at);

  return {
    /** Holds the credits of every image and records the pending generation; false if short. */
    reserve(g: LeanGeneration): boolean {
      const amount = g.numberOfImages * g.pricePerImage;
      if (hold.run(amount, g.key.accountId, amount).changes !== 1) return false;
      insertGeneration.run(
        g.id,
        g.key.accountId,
        g.key.id,
        g.requestId,
        g.model,
        g.size,
        g.numberOfImages,
        g.pricePerImage,
        amount,
        g.createdAt + leaseMs,
        g.createdAt,
        g.prompt,
      );
      if (amount > 0) {
        entry(
          g.key.accountId,
          'reserve',
          amount,
          g.id,
          `${g.numberOfImages} x ${g.model}`,
          g.createdAt,
        );
      }
      return true;
    },

    /** Records the delivered images and settles: captures their price, releases the rest. */
    settle(g: LeanGeneration, images: readonly LeanImageRow[], errorCode: string | null): number {
      const at = Date.now();
      for (const img of images) {
        insertImage.run(
          img.id,
          g.id,
          g.key.accountId,
          img.position,
          img.contentType,
          img.ext,
          img.width,
          img.height,
          img.bytes,
          img.etag,
          img.storageKey,
          at,
          img.provenance,
          img.digitalSourceType,
        );
      }
      const delivered = Math.min(images.length, g.numberOfImages);
      const reserved = g.numberOfImages * g.pricePerImage;
      const captured = delivered * g.pricePerImage;
      const status =
        delivered === 0 ? 'failed' : delivered < g.numberOfImages ? 'partial' : 'succeeded';
      const claimed = finish.run(
        status,
        delivered,
        captured,
        errorCode,
        at,
        at - g.createdAt,
        g.id,
      );
      if (claimed.changes !== 1) return 0;
      resolve.run(reserved, captured, g.key.accountId);
      if (captured > 0) {
        entry(g.key.accountId, 'capture', captured, g.id, `${delivered} image(s) delivered`, at);
      }
      if (reserved > captured) {
        entry(g.key.accountId, 'release', reserved - captured, g.id, 'generation finished', at);
      }
      return captured;
    },

    /** A key's last use, as goodtake writes it: at most once a minute per key. */
    touchKey: (keyId: string, at: number) => touchKey.run(at, keyId),
  };
}

export type LeanLedger = ReturnType<typeof createLeanLedger>;
