import { createHash } from 'node:crypto';

/** A seeded pseudo-random source: the same seed always yields the same sequence. */
export interface Rng {
  /** A float in [0, 1). */
  next(): number;
  /** A float in [min, max). */
  range(min: number, max: number): number;
  /** An integer in [min, max]. */
  int(min: number, max: number): number;
  /** One element of a non-empty list. */
  pick<T>(items: readonly T[]): T;
  /** A new independent generator derived from this one and a label. */
  fork(label: string): Rng;
}

/** The sha256 digest of the parts, each length-prefixed so that ('ab','c') and ('a','bc') differ. */
export function digestOf(parts: readonly (string | Uint8Array)[]): Buffer {
  const hash = createHash('sha256');
  for (const part of parts) {
    const bytes = typeof part === 'string' ? Buffer.from(part, 'utf8') : part;
    const length = Buffer.alloc(8);
    length.writeBigUInt64BE(BigInt(bytes.byteLength));
    hash.update(length);
    hash.update(bytes);
  }
  return hash.digest();
}

/** An sfc32 generator seeded from the first 16 bytes of a digest. */
export function rngFromDigest(digest: Uint8Array): Rng {
  const view = Buffer.from(digest.buffer, digest.byteOffset, digest.byteLength);
  let a = view.readUInt32BE(0);
  let b = view.readUInt32BE(4);
  let c = view.readUInt32BE(8);
  let d = view.readUInt32BE(12);
  const next = (): number => {
    a |= 0;
    b |= 0;
    c |= 0;
    d |= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  // sfc32 needs a few rounds before its output stops resembling the seed.
  for (let i = 0; i < 12; i++) next();
  const rng: Rng = {
    next,
    range: (min, max) => min + (max - min) * next(),
    int: (min, max) => min + Math.floor((max - min + 1) * next()),
    pick: (items) => items[Math.floor(items.length * next())]!,
    fork: (label) => rngFromDigest(digestOf([view, label, String(next())])),
  };
  return rng;
}
