import { randomBytes } from 'node:crypto';

/** The fake's media CDN (`/files/{dir}/{name}`): files vanish after their lifetime. */
export interface FakeCdn {
  /** Stores bytes; returns the path. `gone` stores nothing: the link is dead from the start. */
  put(bytes: Buffer, gone?: boolean): string;
  get(path: string): Response;
}

export function createFakeCdn(ttlSeconds: () => number, now: () => number): FakeCdn {
  const files = new Map<string, { bytes: Buffer; expiresAt: number }>();
  let puts = 0;
  return {
    put(bytes, gone = false) {
      const path = `/files/${randomBytes(4).toString('hex')}/${randomBytes(12).toString('base64url')}.jpeg`;
      const t = now();
      if (++puts % 200 === 0) {
        for (const [key, file] of files) if (file.expiresAt <= t) files.delete(key);
      }
      if (!gone) files.set(path, { bytes, expiresAt: t + ttlSeconds() * 1000 });
      return path;
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
