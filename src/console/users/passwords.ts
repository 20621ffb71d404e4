import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';

/*
 * Password hashing with scrypt (node:crypto, memory-hard), so no native add-on has to be
 * built or downloaded. Parameters: N = 2^15, r = 8, p = 1 (32 MiB of memory and about 50-100 ms
 * of one core per hash), a 16-byte random salt and a 32-byte key, above the OWASP minimum for
 * scrypt (N=2^17 with r=8 p=1, or N=2^15 with r=8 p=3 are its examples; p=1 here keeps a
 * sign-in single-threaded on small machines). The stored string names its parameters
 * (`scrypt$N$r$p$salt$key`, base64url), so they can be raised later without breaking old hashes.
 */
export const SCRYPT_PARAMS = { N: 2 ** 15, r: 8, p: 1 } as const;
const KEY_BYTES = 32;
const SALT_BYTES = 16;
/** Room for N * r * 128 bytes plus scrypt's own overhead. */
const MAX_MEMORY = 64 * 1024 * 1024;

export const MIN_PASSWORD_CHARS = 10;
export const MAX_PASSWORD_CHARS = 200;

function derive(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_BYTES, options, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const { N, r, p } = SCRYPT_PARAMS;
  const key = await derive(password, salt, { N, r, p, maxmem: MAX_MEMORY });
  return ['scrypt', N, r, p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** A hash of a random password, verified against when a user does not exist (same cost). */
let decoy: Promise<string> | undefined;
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(16).toString('hex'));
  return decoy;
}

/** Constant-time check of a password against a stored hash; false for anything malformed. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const salt = Buffer.from(parts[4]!, 'base64url');
  const expected = Buffer.from(parts[5]!, 'base64url');
  if (password.length > MAX_PASSWORD_CHARS) return false;
  const key = await derive(password, salt, { N, r, p, maxmem: MAX_MEMORY });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** What is wrong with a new password, or undefined. */
export function passwordProblem(password: unknown): string | undefined {
  if (typeof password !== 'string') return 'password must be a string';
  if ([...password].length < MIN_PASSWORD_CHARS) {
    return `password must be at least ${MIN_PASSWORD_CHARS} characters`;
  }
  if (password.length > MAX_PASSWORD_CHARS) {
    return `password must be at most ${MAX_PASSWORD_CHARS} characters`;
  }
  return undefined;
}
