import { randomBytes } from 'node:crypto';

/** A fake upstream's output storage: files vanish after their lifetime (404, like a CDN). */
export interface FakeCdn {
  /**
   * Stores bytes under `{prefix}/{random dir}/{name}` and returns the path; `gone` stores
   * nothing (the link is dead from the start).
   */
  put(bytes: Buffer, options?: { readonly gone?: boolean; readonly name?: string }): string;
  /** Serves a stored path. */
  get(path: string): Response;
  /** Removes a file before its time (a deletion policy). */
  remove(path: string): void;
}

export function createFakeCdn(
  prefix: string,
  ttlSeconds: () => number,
  now: () => number,
): FakeCdn {
  const files = new Map<string, { bytes: Buffer; expiresAt: number }>();
  let puts = 0;
  return {
    put(bytes, options = {}) {
      const name = options.name ?? `${randomBytes(12).toString('base64url')}.jpeg`;
      const path = `${prefix}/${randomBytes(6).toString('hex')}/${name}`;
      const t = now();
      if (++puts % 200 === 0) {
        for (const [key, file] of files) if (file.expiresAt <= t) files.delete(key);
      }
      if (!options.gone) files.set(path, { bytes, expiresAt: t + ttlSeconds() * 1000 });
      return path;
    },
    remove(path) {
      files.delete(path);
    },
    get(path) {
      const file = files.get(path);
      if (!file || file.expiresAt <= now()) {
        files.delete(path);
        return new Response(JSON.stringify({ detail: 'Not Found' }), {
          status: 404,
          headers: { 'content-type': 'application/json' },
        });
      }
      return new Response(new Uint8Array(file.bytes), {
        headers: {
          'content-type': 'image/jpeg',
          'content-length': String(file.bytes.byteLength),
        },
      });
    },
  };
}
