import { createHash } from 'node:crypto';
import type { Db } from '../../db/database.ts';

/*
 * Sign-in throttling, in the database so that every replica counts the same failures: at most
 * `perEmail` failed sign-ins for one email, and `perAddress` from one address, within `windowMs`.
 * Past either, sign-in is refused (whatever the password) until the oldest failure ages out.
 * The email is stored hashed, so the table does not list who was guessed at.
 */
export interface ThrottleSettings {
  readonly perEmail: number;
  readonly perAddress: number;
  readonly windowMs: number;
}

export const DEFAULT_THROTTLE: ThrottleSettings = {
  perEmail: 5,
  perAddress: 20,
  windowMs: 15 * 60_000,
};

export interface SignInThrottle {
  /** Undefined when a sign-in may be tried; else whole seconds to wait. */
  check(email: string, address: string | null): Promise<number | undefined>;
  fail(email: string, address: string | null): Promise<void>;
  /** A successful sign-in forgets the email's failures. */
  succeed(email: string): Promise<void>;
}

const emailScope = (email: string) =>
  `email:${createHash('sha256').update(email.trim().toLowerCase()).digest('hex')}`;

export function createSignInThrottle(deps: {
  db: Db;
  settings?: ThrottleSettings;
  now?: () => number;
}): SignInThrottle {
  const { db } = deps;
  const settings = deps.settings ?? DEFAULT_THROTTLE;
  const now = deps.now ?? Date.now;

  async function waitFor(scope: string, limit: number): Promise<number | undefined> {
    const since = now() - settings.windowMs;
    const rows = await db
      .selectFrom('sign_in_failures')
      .select('at')
      .where('scope', '=', scope)
      .where('at', '>', since)
      .orderBy('at', 'desc')
      .limit(limit)
      .execute();
    if (rows.length < limit) return undefined;
    const oldest = rows[rows.length - 1]!.at;
    return Math.max(1, Math.ceil((oldest + settings.windowMs - now()) / 1000));
  }

  return {
    async check(email, address) {
      const byEmail = await waitFor(emailScope(email), settings.perEmail);
      const byAddress = address
        ? await waitFor(`address:${address}`, settings.perAddress)
        : undefined;
      if (byEmail === undefined && byAddress === undefined) return undefined;
      return Math.max(byEmail ?? 0, byAddress ?? 0);
    },
    async fail(email, address) {
      const at = now();
      const rows = [{ scope: emailScope(email), at }];
      if (address) rows.push({ scope: `address:${address}`, at });
      await db.insertInto('sign_in_failures').values(rows).execute();
      // Old failures are of no use: drop them as new ones arrive.
      await db
        .deleteFrom('sign_in_failures')
        .where('at', '<', at - settings.windowMs)
        .execute();
    },
    async succeed(email) {
      await db.deleteFrom('sign_in_failures').where('scope', '=', emailScope(email)).execute();
    },
  };
}
