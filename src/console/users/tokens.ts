import { createHash, randomBytes } from 'node:crypto';

/** A random secret token (256 bits, base64url) and the sha256 under which it is stored. */
export function newToken(): { token: string; id: string } {
  const token = randomBytes(32).toString('base64url');
  return { token, id: tokenId(token) };
}

/** The stored id of a presented token: a database read never yields a usable token. */
export function tokenId(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** True when a string has the shape of a token (says nothing about validity). */
export function looksLikeToken(value: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(value);
}
