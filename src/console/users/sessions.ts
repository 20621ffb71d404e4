import { randomBytes } from 'node:crypto';
import type { Db } from '../../db/database.ts';
import type { UserRole } from '../../db/schema.ts';
import { looksLikeToken, newToken, tokenId } from './tokens.ts';

/** A signed-in user as every console call sees them. */
export interface SessionUser {
  readonly sessionId: string;
  readonly userId: string;
  readonly email: string;
  readonly role: UserRole;
  readonly accountId: string | null;
  /** The token every state-changing request must carry (X-CSRF-Token). */
  readonly csrfToken: string;
  readonly expiresAt: number;
}

export interface SessionService {
  /** A new session; the cookie carries `token`, the database only its hash. */
  start(userId: string, address: string | null): Promise<{ token: string; expiresAt: number }>;
  /** The live session of a cookie's token, or undefined (unknown, expired, revoked). */
  find(token: string): Promise<SessionUser | undefined>;
  end(token: string): Promise<void>;
  /** Ends every session of a user (password reset, removal). */
  endAllOf(userId: string): Promise<void>;
  /** Deletes sessions that ended more than a day ago. */
  purge(): Promise<void>;
}

export function createSessionService(deps: {
  db: Db;
  ttlMs: number;
  now?: () => number;
}): SessionService {
  const { db, ttlMs } = deps;
  const now = deps.now ?? Date.now;
  return {
    async start(userId, address) {
      const { token, id } = newToken();
      const at = now();
      const expiresAt = at + ttlMs;
      await db
        .insertInto('sessions')
        .values({
          id,
          user_id: userId,
          csrf_token: randomBytes(32).toString('base64url'),
          created_at: at,
          expires_at: expiresAt,
          revoked_at: null,
          address,
        })
        .execute();
      return { token, expiresAt };
    },
    async find(token) {
      if (!looksLikeToken(token)) return undefined;
      const row = await db
        .selectFrom('sessions')
        .innerJoin('users', 'users.id', 'sessions.user_id')
        .select([
          'sessions.id as sessionId',
          'sessions.csrf_token',
          'sessions.expires_at',
          'sessions.revoked_at',
          'users.id as userId',
          'users.email',
          'users.role',
          'users.account_id',
        ])
        .where('sessions.id', '=', tokenId(token))
        .executeTakeFirst();
      if (!row || row.revoked_at !== null || row.expires_at <= now()) return undefined;
      return {
        sessionId: row.sessionId,
        userId: row.userId,
        email: row.email,
        role: row.role,
        accountId: row.account_id,
        csrfToken: row.csrf_token,
        expiresAt: row.expires_at,
      };
    },
    async end(token) {
      if (!looksLikeToken(token)) return;
      await db
        .updateTable('sessions')
        .set({ revoked_at: now() })
        .where('id', '=', tokenId(token))
        .where('revoked_at', 'is', null)
        .execute();
    },
    async endAllOf(userId) {
      await db
        .updateTable('sessions')
        .set({ revoked_at: now() })
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .execute();
    },
    async purge() {
      const before = now() - 24 * 3600_000;
      await db
        .deleteFrom('sessions')
        .where((eb) => eb.or([eb('expires_at', '<', before), eb('revoked_at', '<', before)]))
        .execute();
    },
  };
}
