import { sql } from 'kysely';
import type { Db } from '../db/database.ts';
import { sortableId } from '../ids.ts';
import type { Ledger } from '../ledger/ledger.ts';

export interface Account {
  readonly id: string;
  readonly name: string;
  readonly balance: number;
  readonly reserved: number;
  readonly createdAt: number;
  /** When an operator suspended it (its keys are refused), or null. */
  readonly suspendedAt: number | null;
}

export interface AccountService {
  /** Creates an account; starting credits go through the ledger as a grant. */
  create(input: { name: string; credits?: number }): Promise<Account>;
  get(id: string): Promise<Account | undefined>;
  list(): Promise<Account[]>;
  count(): Promise<number>;
  /** Accounts whose id or name contains `query` (case-insensitive), newest first. */
  find(query: { text?: string | undefined; limit: number }): Promise<Account[]>;
  /** Suspends (keys answer 401) or resumes an account; false when it was already so. */
  setSuspended(id: string, suspended: boolean): Promise<boolean>;
}

export function createAccountService(deps: {
  db: Db;
  ledger: Ledger;
  now?: () => number;
}): AccountService {
  const { db, ledger } = deps;
  const now = deps.now ?? Date.now;
  const toAccount = (r: {
    id: string;
    name: string;
    balance: number;
    reserved: number;
    created_at: number;
    suspended_at: number | null;
  }): Account => ({
    id: r.id,
    name: r.name,
    balance: r.balance,
    reserved: r.reserved,
    createdAt: r.created_at,
    suspendedAt: r.suspended_at,
  });

  const get = async (id: string) => {
    const row = await db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toAccount(row) : undefined;
  };

  return {
    async create({ name, credits = 0 }) {
      const at = now();
      const id = sortableId('acc', at);
      await db
        .insertInto('accounts')
        .values({ id, name, balance: 0, reserved: 0, created_at: at })
        .execute();
      if (credits > 0) await ledger.grant(id, credits, 'starting credits');
      return (await get(id))!;
    },
    get,
    async list() {
      const rows = await db.selectFrom('accounts').selectAll().orderBy('created_at').execute();
      return rows.map(toAccount);
    },
    async find({ text, limit }) {
      let q = db.selectFrom('accounts').selectAll().orderBy('id', 'desc').limit(limit);
      const needle = text?.trim().toLowerCase();
      if (needle) {
        const like = `%${needle.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
        q = q.where((eb) =>
          eb.or([
            eb('id', '=', text?.trim() ?? ''),
            eb(sql`lower(name)`, 'like', sql`${like} escape '\\'`),
          ]),
        );
      }
      return (await q.execute()).map(toAccount);
    },
    async setSuspended(id, suspended) {
      const q = db
        .updateTable('accounts')
        .set({ suspended_at: suspended ? now() : null })
        .where('id', '=', id);
      const r = await (suspended
        ? q.where('suspended_at', 'is', null)
        : q.where('suspended_at', 'is not', null)
      ).executeTakeFirst();
      return Number(r.numUpdatedRows) === 1;
    },
    async count() {
      const { n } = await db
        .selectFrom('accounts')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      return Number(n);
    },
  };
}
