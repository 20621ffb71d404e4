import { randomBytes, randomInt } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `length` characters drawn uniformly from base62 (5.95 bits each), by rejection sampling. */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (byte < 248) out += BASE62[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

/**
 * A prefixed id that sorts by creation time: `<prefix>_<ms base36, 9 chars><random>`.
 * Used for rows (accounts, generations, ledger entries) where ordering by id is handy.
 */
export function sortableId(prefix: string, now: number = Date.now()): string {
  return `${prefix}_${now.toString(36).padStart(9, '0')}${randomBase62(12)}`;
}

/** An image id: 24 base62 characters, about 143 random bits, so URLs cannot be guessed. */
export function imageId(): string {
  return randomBase62(24);
}

/** A request id for logs and the X-Request-Id header. */
export function requestId(): string {
  return `req_${randomBase62(20)}`;
}

/** A uniformly random integer in [0, max), for jitter. */
export function randomBelow(max: number): number {
  return max <= 0 ? 0 : randomInt(max);
}
