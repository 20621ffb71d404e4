import { randomFillSync, randomInt } from 'node:crypto';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

// Random bytes are drawn from the CSPRNG 4 KiB at a time: one getrandom call per few hundred
// ids instead of one per id (a request makes about ten ids).
const pool = Buffer.allocUnsafe(4096);
let used = pool.length;

function randomByte(): number {
  if (used === pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  return pool[used++]!;
}

/** `length` characters drawn uniformly from base62 (5.95 bits each), by rejection sampling. */
export function randomBase62(length: number): string {
  let out = '';
  while (out.length < length) {
    const byte = randomByte();
    if (byte < 248) out += BASE62[byte % 62];
  }
  return out;
}

let lastMs = 0;
let sequence = 0;

/**
 * A prefixed id that sorts by creation time: `<prefix>_<ms base36, 9><sequence base36, 3>
 * <random, 9>`. Within one process ids made in the same millisecond keep their order too,
 * so ledger entries and generations list in the order they happened.
 */
export function sortableId(prefix: string, now: number = Date.now()): string {
  if (now === lastMs) sequence = (sequence + 1) % 46_656;
  else {
    lastMs = now;
    sequence = 0;
  }
  return `${prefix}_${now.toString(36).padStart(9, '0')}${sequence.toString(36).padStart(3, '0')}${randomBase62(9)}`;
}

/** The creation time (epoch milliseconds) a `sortableId` carries, or undefined if it has none. */
export function timeOfSortableId(id: string): number | undefined {
  const match = /^[a-z]+_([0-9a-z]{9})[0-9a-z]{3}[0-9A-Za-z]{9}$/.exec(id);
  return match ? Number.parseInt(match[1]!, 36) : undefined;
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
