import { createHmac, randomBytes } from 'node:crypto';

/** Result files with pre-signed, expiring URLs in the style of the upstream's TOS links. */
export interface FakeStorage {
  /** Stores bytes and returns the path and query of a signed URL (relative to the origin). */
  put(bytes: Buffer, name: string, options?: { expired?: boolean; unsigned?: boolean }): string;
  /** Serves `GET /tos/<name>?<query>`. */
  get(name: string, query: URLSearchParams): Response;
}

export interface FakeStorageOptions {
  readonly ttlSeconds: () => number;
  readonly now: () => number;
}

const ALGORITHM = 'TOS4-HMAC-SHA256';
const REGION = 'ap-southeast-1';

/** Creates an in-memory store; files disappear once their URL expires. */
export function createFakeStorage(options: FakeStorageOptions): FakeStorage {
  const secret = randomBytes(32);
  const files = new Map<string, { bytes: Buffer; expiresAt: number }>();
  let puts = 0;

  const sign = (path: string, credential: string, date: string, expires: string): string =>
    createHmac('sha256', secret)
      .update(`${path}\n${credential}\n${date}\n${expires}`)
      .digest('hex');

  const sweep = (now: number): void => {
    for (const [name, file] of files) if (file.expiresAt <= now) files.delete(name);
  };

  return {
    put(bytes, name, opts = {}) {
      const now = options.now();
      if (++puts % 200 === 0) sweep(now);
      const ttl = options.ttlSeconds();
      // TOS dates have whole seconds; an "expired" URL was signed a day and a second ago.
      const signedAt = opts.expired ? now - (ttl + 1) * 1000 : now;
      const date = tosDate(signedAt);
      files.set(name, { bytes, expiresAt: Math.floor(signedAt / 1000) * 1000 + ttl * 1000 });
      const path = `/tos/${name}`;
      if (opts.unsigned) return path;
      const credential = `AKLTfakemodelark/${date.slice(0, 8)}/${REGION}/tos/request`;
      const query = new URLSearchParams({
        'X-Tos-Algorithm': ALGORITHM,
        'X-Tos-Credential': credential,
        'X-Tos-Date': date,
        'X-Tos-Expires': String(ttl),
        'X-Tos-SignedHeaders': 'host',
        'X-Tos-Signature': sign(path, credential, date, String(ttl)),
      });
      return `${path}?${query.toString()}`;
    },

    get(name, query) {
      const path = `/tos/${name}`;
      const credential = query.get('X-Tos-Credential');
      const date = query.get('X-Tos-Date');
      const expires = query.get('X-Tos-Expires');
      const signature = query.get('X-Tos-Signature');
      if (
        !credential ||
        !date ||
        !expires ||
        !signature ||
        query.get('X-Tos-Algorithm') !== ALGORITHM
      ) {
        return denied('AccessDenied', 'Access Denied');
      }
      if (signature !== sign(path, credential, date, expires)) {
        return denied(
          'SignatureDoesNotMatch',
          'The request signature we calculated does not match the signature you provided.',
        );
      }
      const signedAt = parseTosDate(date);
      if (signedAt === undefined || signedAt + Number(expires) * 1000 <= options.now()) {
        return denied('AccessDenied', 'Request has expired');
      }
      const file = files.get(name);
      if (!file) return denied('NoSuchKey', 'The specified key does not exist.', 404);
      return new Response(new Uint8Array(file.bytes), {
        headers: { 'content-type': 'image/jpeg', 'content-length': String(file.bytes.byteLength) },
      });
    },
  };
}

function denied(code: string, message: string, status = 403): Response {
  const id = randomBytes(12).toString('hex');
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>${id}</RequestId><HostId>fake-tos</HostId></Error>`;
  return new Response(body, {
    status,
    headers: { 'content-type': 'application/xml', 'x-tos-request-id': id },
  });
}

/** `YYYYMMDDTHHMMSSZ`. */
function tosDate(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

function parseTosDate(value: string): number | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return Date.UTC(y, mo - 1, d, h, mi, s);
}
