import type { Db } from '../../db/database.ts';
import type { UserRole } from '../../db/schema.ts';
import { sortableId } from '../../ids.ts';
import { hashPassword } from './passwords.ts';
import { looksLikeToken, newToken, tokenId } from './tokens.ts';

export interface User {
  readonly id: string;
  readonly email: string;
  readonly role: UserRole;
  readonly accountId: string | null;
  readonly createdAt: number;
  /** False until the user has set a password through a link. */
  readonly hasPassword: boolean;
}

export type LinkPurpose = 'invite' | 'reset';

/** How long a one-time link stays usable. */
export const LINK_TTL_MS: Readonly<Record<LinkPurpose, number>> = {
  invite: 72 * 3600_000,
  reset: 3600_000,
};

export const MAX_EMAIL_CHARS = 254;

/** Lower-cased and trimmed; undefined when it is not an address. */
export function normalizeEmail(raw: unknown): string | undefined {
  if (typeof raw !== 'string') return undefined;
  const email = raw.trim().toLowerCase();
  if (email.length > MAX_EMAIL_CHARS) return undefined;
  return /^[^\s@<>()",;:\\[\]]+@[^\s@<>()",;:\\[\]]+\.[^\s@<>()",;:\\[\]]+$/.test(email)
    ? email
    : undefined;
}

export type CreateUserResult =
  | { ok: true; user: User }
  | { ok: false; reason: 'email_taken' | 'no_such_account' };

export interface UserService {
  create(input: {
    email: string;
    role: UserRole;
    accountId?: string | null;
    password?: string;
  }): Promise<CreateUserResult>;
  get(id: string): Promise<User | undefined>;
  /** The user and their stored hash, for signing in. */
  byEmail(email: string): Promise<{ user: User; passwordHash: string | null } | undefined>;
  list(filter?: { accountId?: string }): Promise<User[]>;
  /** Deletes the user, their sessions and links. */
  remove(id: string): Promise<boolean>;
  /** A one-time link's token; earlier unused links of the user for the purpose stop working. */
  issueLink(userId: string, purpose: LinkPurpose): Promise<{ token: string; expiresAt: number }>;
  /**
   * Sets the password with a one-time link's token, once; every session of the user ends.
   * Undefined when the token is unknown, used or expired.
   */
  redeemLink(token: string, password: string): Promise<User | undefined>;
}

type UserRow = {
  id: string;
  email: string;
  role: UserRole;
  account_id: string | null;
  created_at: number;
  password_hash: string | null;
};

const toUser = (r: UserRow): User => ({
  id: r.id,
  email: r.email,
  role: r.role,
  accountId: r.account_id,
  createdAt: r.created_at,
  hasPassword: r.password_hash !== null,
});

export function createUserService(deps: { db: Db; now?: () => number }): UserService {
  const { db } = deps;
  const now = deps.now ?? Date.now;
  const get = async (id: string) => {
    const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toUser(row) : undefined;
  };
  return {
    async create(input) {
      const email = input.email.trim().toLowerCase();
      if (input.accountId) {
        const account = await db
          .selectFrom('accounts')
          .select('id')
          .where('id', '=', input.accountId)
          .executeTakeFirst();
        if (!account) return { ok: false, reason: 'no_such_account' };
      }
      const taken = await db
        .selectFrom('users')
        .select('id')
        .where('email', '=', email)
        .executeTakeFirst();
      if (taken) return { ok: false, reason: 'email_taken' };
      const at = now();
      const id = sortableId('usr', at);
      const password_hash =
        input.password === undefined ? null : await hashPassword(input.password);
      try {
        await db
          .insertInto('users')
          .values({
            id,
            email,
            role: input.role,
            account_id: input.role === 'member' ? (input.accountId ?? null) : null,
            password_hash,
            created_at: at,
          })
          .execute();
      } catch (err) {
        // Two creations of one email at once: the unique index decides.
        if (
          await db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst()
        ) {
          return { ok: false, reason: 'email_taken' };
        }
        throw err;
      }
      return { ok: true, user: (await get(id))! };
    },
    get,
    async byEmail(email) {
      const row = await db
        .selectFrom('users')
        .selectAll()
        .where('email', '=', email.trim().toLowerCase())
        .executeTakeFirst();
      return row ? { user: toUser(row), passwordHash: row.password_hash } : undefined;
    },
    async list(filter = {}) {
      let q = db.selectFrom('users').selectAll().orderBy('created_at');
      if (filter.accountId !== undefined) q = q.where('account_id', '=', filter.accountId);
      return (await q.execute()).map(toUser);
    },
    async remove(id) {
      return db.transaction().execute(async (tx) => {
        await tx.deleteFrom('sessions').where('user_id', '=', id).execute();
        await tx.deleteFrom('user_links').where('user_id', '=', id).execute();
        const r = await tx.deleteFrom('users').where('id', '=', id).executeTakeFirst();
        return Number(r.numDeletedRows) === 1;
      });
    },
    async issueLink(userId, purpose) {
      const at = now();
      const { token, id } = newToken();
      const expiresAt = at + LINK_TTL_MS[purpose];
      await db.transaction().execute(async (tx) => {
        await tx
          .updateTable('user_links')
          .set({ used_at: at })
          .where('user_id', '=', userId)
          .where('used_at', 'is', null)
          .execute();
        await tx
          .insertInto('user_links')
          .values({
            id,
            user_id: userId,
            purpose,
            created_at: at,
            expires_at: expiresAt,
            used_at: null,
          })
          .execute();
      });
      return { token, expiresAt };
    },
    async redeemLink(token, password) {
      if (!looksLikeToken(token)) return undefined;
      const at = now();
      const hash = await hashPassword(password);
      const userId = await db.transaction().execute(async (tx) => {
        const link = await tx
          .selectFrom('user_links')
          .select(['id', 'user_id'])
          .where('id', '=', tokenId(token))
          .where('used_at', 'is', null)
          .where('expires_at', '>', at)
          .executeTakeFirst();
        if (!link) return undefined;
        // The conditional update makes the link single-use even under concurrent redemption.
        const used = await tx
          .updateTable('user_links')
          .set({ used_at: at })
          .where('id', '=', link.id)
          .where('used_at', 'is', null)
          .executeTakeFirst();
        if (Number(used.numUpdatedRows) !== 1) return undefined;
        await tx
          .updateTable('users')
          .set({ password_hash: hash })
          .where('id', '=', link.user_id)
          .execute();
        await tx
          .updateTable('sessions')
          .set({ revoked_at: at })
          .where('user_id', '=', link.user_id)
          .where('revoked_at', 'is', null)
          .execute();
        return link.user_id;
      });
      return userId === undefined ? undefined : get(userId);
    },
  };
}
