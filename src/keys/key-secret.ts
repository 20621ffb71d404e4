import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The secret of the keyed hash of API keys. Configured for scale-out (every replica must
 * share it); for the embedded mode it is generated once into the data directory, mode 0600.
 */
export function loadKeySecret(opts: {
  configured: string | undefined;
  dataDir: string;
  database: 'sqlite' | 'postgres';
}): string {
  if (opts.configured) return opts.configured;
  if (opts.database === 'postgres') {
    throw new Error(
      'GOODTAKE_KEY_SECRET must be set when DATABASE_URL is PostgreSQL: every replica needs the same secret',
    );
  }
  const file = join(opts.dataDir, 'key-secret');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(opts.dataDir, { recursive: true });
  const secret = randomBytes(32).toString('base64url');
  try {
    writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (err) {
    // Another process (server and CLI started together) wrote it first: use theirs.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(file, 'utf8').trim();
    throw err;
  }
}
