import { type Insertable, sql, type Transaction } from 'kysely';
import type { Db } from '../db/database.ts';
import { directTransact, type Transact } from '../db/group-commit.ts';
import { prepareQuery } from '../db/prepared.ts';
import type { Database, GenerationStatus, LedgerKind } from '../db/schema.ts';
import { sortableId } from '../ids.ts';
import {
  amountProblem,
  CreditLimitError,
  exactCredits,
  MAX_BALANCE,
  MAX_CREDIT_AMOUNT,
} from './limits.ts';

export interface Balance {
  readonly accountId: string;
  /** Credits owned. */
  readonly balance: number;
  /** Credits held by generations in flight. */
  readonly reserved: number;
  /** What a new request can spend: balance - reserved. */
  readonly available: number;
}

export interface NewGeneration {
  readonly id: string;
  readonly accountId: string;
  readonly apiKeyId: string;
  readonly requestId: string;
  readonly model: string;
  readonly size: string;
  readonly numberOfImages: number;
  readonly blend: boolean;
  readonly pricePerImage: number;
  /** The caller's end user (OpenAI's `user`), when it named one. */
  readonly endUser?: string | null;
  /** The prompt as sent, kept for the console's gallery. */
  readonly prompt?: string | null;
}

export type ReserveResult =
  | { ok: true; reserved: number; leaseExpiresAt: number }
  | { ok: false; reason: 'insufficient_credits'; available: number; required: number };

export type SettleResult =
  | { ok: true; captured: number; released: number; status: GenerationStatus }
  | { ok: false; reason: 'not_pending' };

export interface LedgerMismatch {
  readonly accountId: string;
  readonly field: 'balance' | 'reserved' | 'generation';
  /** Exact: a number while it is one exactly, else its decimal digits. */
  readonly expected: number | string;
  readonly actual: number | string;
  readonly detail: string;
}

/**
 * The one place credits move. Every movement is a ledger entry written in the same
 * transaction as the account's running totals, and the totals can be recomputed from the
 * entries (`verify`). Reservations are conditional updates, so no interleaving of requests
 * can spend more than the balance; check constraints make a negative total impossible.
 */
export interface Ledger {
  /**
   * Adds credits. Throws CreditLimitError (a clear message) for an amount outside 1 to
   * MAX_CREDIT_AMOUNT, or one that would take the balance past MAX_BALANCE (limits.ts).
   */
  grant(accountId: string, amount: number, reason: string): Promise<Balance>;
  /**
   * A signed correction by the operator (at most MAX_CREDIT_AMOUNT either way, else
   * CreditLimitError); refused if it would leave less than is reserved, or more than MAX_BALANCE.
   */
  adjust(
    accountId: string,
    delta: number,
    reason: string,
  ): Promise<
    { ok: true; balance: Balance } | { ok: false; reason: 'would_go_negative' | 'over_maximum' }
  >;
  balance(accountId: string): Promise<Balance | undefined>;
  /**
   * Records a pending generation and reserves the price of all its images, atomically. A
   * queued generation holds its credits longer than one that runs at once (`leaseMs`); `within`
   * writes what must exist exactly when the reservation does (the job), in its transaction.
   */
  reserve(generation: NewGeneration, options?: ReserveOptions): Promise<ReserveResult>;
  /** Moves a pending generation's lease (a queued job starting, or a worker's heartbeat). */
  renewLease(generationId: string, leaseExpiresAt: number): Promise<void>;
  /**
   * Captures the delivered images of a pending generation and releases the rest. `within`
   * writes what belongs to the generation's end (its last images, route attempts, the job's
   * end and events) in the same transaction, knowing what was settled: one commit for all.
   */
  settle(
    input: {
      generationId: string;
      delivered: number;
      errorCode?: string | null;
      settledBy: 'request' | 'lease_sweeper';
      durationMs?: number | null;
    },
    options?: {
      readonly within?: (tx: Transaction<Database>, settled: SettleResult) => Promise<void>;
    },
  ): Promise<SettleResult>;
  /** Settles every pending generation whose lease has expired, by the images it stored. */
  sweepExpired(): Promise<Array<{ generationId: string; delivered: number; captured: number }>>;
  /**
   * Settles one generation the way the sweeper would, if it is still pending and its lease
   * has expired (an Idempotency-Key retry needs it now, not at the next sweep).
   */
  settleExpired(
    generationId: string,
  ): Promise<{ generationId: string; delivered: number; captured: number } | undefined>;
  /** Recomputes every account from its entries; an empty list means the books balance. */
  verify(): Promise<LedgerMismatch[]>;
}

type Tx = Transaction<Database>;

export interface ReserveOptions {
  readonly leaseMs?: number;
  readonly within?: (tx: Transaction<Database>) => Promise<void>;
}
type LedgerEntryRow = Insertable<Database['ledger_entries']>;
type NewGenerationRow = Pick<
  Insertable<Database['generations']>,
  | 'id'
  | 'account_id'
  | 'api_key_id'
  | 'request_id'
  | 'model'
  | 'size'
  | 'number_of_images'
  | 'blend'
  | 'price_per_image'
  | 'credits_reserved'
  | 'lease_expires_at'
  | 'created_at'
  | 'end_user'
  | 'prompt'
>;

export function createLedger(deps: {
  db: Db;
  leaseMs: number;
  now?: () => number;
  /** How reservations and settlements are committed (the database handle's; group commit on SQLite). */
  transact?: Transact<Database>;
}): Ledger {
  const { db, leaseMs } = deps;
  const now = deps.now ?? Date.now;
  const transact = deps.transact ?? directTransact(db);

  // The statements every generation runs, compiled once (see prepareQuery).
  const insertEntry = prepareQuery<LedgerEntryRow, never>(
    ['id', 'account_id', 'kind', 'amount', 'generation_id', 'reason', 'created_at'],
    (v) => db.insertInto('ledger_entries').values(v),
  );
  const insertGeneration = prepareQuery<NewGenerationRow, never>(
    [
      'id',
      'account_id',
      'api_key_id',
      'request_id',
      'model',
      'size',
      'number_of_images',
      'blend',
      'price_per_image',
      'credits_reserved',
      'lease_expires_at',
      'created_at',
      'end_user',
      'prompt',
    ],
    (v) =>
      db.insertInto('generations').values({
        ...v,
        credits_captured: 0,
        images_delivered: 0,
        status: 'pending',
        error_code: null,
        settled_by: null,
        finished_at: null,
        duration_ms: null,
      }),
  );
  // Check and hold in one statement: two requests can never both see the same credits.
  const holdCredits = prepareQuery<{ id: string; amount: number }, never>(['id', 'amount'], (v) =>
    db
      .updateTable('accounts')
      .set({ reserved: sql`reserved + ${v.amount}` })
      .where('id', '=', v.id)
      .where(sql<boolean>`balance - reserved >= ${v.amount}`),
  );
  const selectPending = prepareQuery(['id'], (v: { id: string }) =>
    db
      .selectFrom('generations')
      .select([
        'id',
        'account_id',
        'number_of_images',
        'price_per_image',
        'credits_reserved',
        'created_at',
      ])
      .where('id', '=', v.id)
      .where('status', '=', 'pending'),
  );
  // The status guard makes settling idempotent: a second settle updates nothing.
  const finishGeneration = prepareQuery<
    {
      id: string;
      status: GenerationStatus;
      images_delivered: number;
      credits_captured: number;
      error_code: string | null;
      settled_by: 'request' | 'lease_sweeper';
      finished_at: number;
      duration_ms: number;
    },
    never
  >(
    [
      'id',
      'status',
      'images_delivered',
      'credits_captured',
      'error_code',
      'settled_by',
      'finished_at',
      'duration_ms',
    ],
    ({ id, ...set }) =>
      db.updateTable('generations').set(set).where('id', '=', id).where('status', '=', 'pending'),
  );
  const resolveCredits = prepareQuery<{ id: string; reserved: number; captured: number }, never>(
    ['id', 'reserved', 'captured'],
    (v) =>
      db
        .updateTable('accounts')
        .set({ reserved: sql`reserved - ${v.reserved}`, balance: sql`balance - ${v.captured}` })
        .where('id', '=', v.id),
  );

  async function entry(
    tx: Tx,
    e: {
      accountId: string;
      kind: LedgerKind;
      amount: number;
      generationId?: string;
      reason: string;
    },
  ): Promise<void> {
    const at = now();
    await insertEntry(tx, {
      id: sortableId('le', at),
      account_id: e.accountId,
      kind: e.kind,
      amount: e.amount,
      generation_id: e.generationId ?? null,
      reason: e.reason,
      created_at: at,
    });
  }

  async function readBalance(q: Db | Tx, accountId: string): Promise<Balance | undefined> {
    const row = await q
      .selectFrom('accounts')
      .select(['id', 'balance', 'reserved'])
      .where('id', '=', accountId)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      accountId: row.id,
      balance: row.balance,
      reserved: row.reserved,
      available: row.balance - row.reserved,
    };
  }

  async function settleIn(tx: Tx, input: Parameters<Ledger['settle']>[0]): Promise<SettleResult> {
    const gen = (await selectPending(tx, { id: input.generationId })).rows[0];
    if (!gen) return { ok: false, reason: 'not_pending' };
    const delivered = Math.max(0, Math.min(input.delivered, gen.number_of_images));
    const captured = delivered * gen.price_per_image;
    const released = gen.credits_reserved - captured;
    const status: GenerationStatus =
      delivered === 0 ? 'failed' : delivered < gen.number_of_images ? 'partial' : 'succeeded';
    const at = now();
    const claimed = await finishGeneration(tx, {
      id: gen.id,
      status,
      images_delivered: delivered,
      credits_captured: captured,
      error_code: input.errorCode ?? null,
      settled_by: input.settledBy,
      finished_at: at,
      duration_ms: input.durationMs ?? at - gen.created_at,
    });
    if (Number(claimed.numAffectedRows) !== 1) return { ok: false, reason: 'not_pending' };
    await resolveCredits(tx, { id: gen.account_id, reserved: gen.credits_reserved, captured });
    const reason =
      input.settledBy === 'lease_sweeper' ? 'reservation lease expired' : 'generation finished';
    if (captured > 0) {
      await entry(tx, {
        accountId: gen.account_id,
        kind: 'capture',
        amount: captured,
        generationId: gen.id,
        reason: `${delivered} image(s) delivered`,
      });
    }
    if (released > 0) {
      await entry(tx, {
        accountId: gen.account_id,
        kind: 'release',
        amount: released,
        generationId: gen.id,
        reason,
      });
    }
    return { ok: true, captured, released, status };
  }

  /** The sweeper's rule for one generation: charge the images it stored, release the rest. */
  function settleExpired(
    id: string,
  ): Promise<{ generationId: string; delivered: number; captured: number } | undefined> {
    return db.transaction().execute(async (tx) => {
      const expired = await tx
        .selectFrom('generations')
        .select('id')
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .where('lease_expires_at', '<', now())
        .executeTakeFirst();
      if (!expired) return undefined;
      // The images a generation stored are what it delivered; a crash after storing
      // them but before settling still charges them, never anything more.
      const { n } = await tx
        .selectFrom('images')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('generation_id', '=', id)
        .executeTakeFirstOrThrow();
      const delivered = Number(n);
      const r = await settleIn(tx, {
        generationId: id,
        delivered,
        errorCode: delivered === 0 ? 'lease_expired' : null,
        settledBy: 'lease_sweeper',
      });
      return r.ok ? { generationId: id, delivered, captured: r.captured } : undefined;
    });
  }

  return {
    async grant(accountId, amount, reason) {
      const problem = amountProblem('a grant', amount);
      if (problem) throw new CreditLimitError(problem);
      return db.transaction().execute(async (tx) => {
        const r = await tx
          .updateTable('accounts')
          .set({ balance: sql`balance + ${amount}` })
          .where('id', '=', accountId)
          .where(sql<boolean>`balance <= ${MAX_BALANCE - amount}`)
          .executeTakeFirst();
        if (Number(r.numUpdatedRows) !== 1) {
          const current = await readBalance(tx, accountId);
          if (!current) throw new Error(`no account ${accountId}`);
          throw new CreditLimitError(
            `a grant of ${amount} would take the balance of ${accountId} (${current.balance}) past the maximum of ${MAX_BALANCE.toLocaleString('en-US')} credits`,
          );
        }
        await entry(tx, { accountId, kind: 'grant', amount, reason });
        return (await readBalance(tx, accountId))!;
      });
    },

    async adjust(accountId, delta, reason) {
      const problem = amountProblem('an adjustment', Math.abs(delta));
      if (problem) throw new CreditLimitError(`${problem}, up or down`);
      return db.transaction().execute(async (tx) => {
        const r = await tx
          .updateTable('accounts')
          .set({ balance: sql`balance + ${delta}` })
          .where('id', '=', accountId)
          .where(sql<boolean>`balance + ${delta} >= reserved`)
          .where(sql<boolean>`balance <= ${MAX_BALANCE - delta}`)
          .executeTakeFirst();
        if (Number(r.numUpdatedRows) !== 1) {
          const current = await readBalance(tx, accountId);
          return {
            ok: false,
            reason:
              current && current.balance + delta > MAX_BALANCE
                ? 'over_maximum'
                : 'would_go_negative',
          } as const;
        }
        await entry(tx, { accountId, kind: 'adjustment', amount: delta, reason });
        return { ok: true, balance: (await readBalance(tx, accountId))! } as const;
      });
    },

    balance: (accountId) => readBalance(db, accountId),

    async renewLease(generationId, leaseExpiresAt) {
      await db
        .updateTable('generations')
        .set({ lease_expires_at: leaseExpiresAt })
        .where('id', '=', generationId)
        .where('status', '=', 'pending')
        .execute();
    },

    async reserve(g, options = {}) {
      const amount = g.numberOfImages * g.pricePerImage;
      // Prices are bounded at start-up (config.ts) so that this never fires.
      if (!Number.isSafeInteger(amount) || amount < 0 || amount > MAX_CREDIT_AMOUNT) {
        throw new CreditLimitError(`a reservation of ${amount} credits is over the maximum`);
      }
      return transact(async (tx): Promise<ReserveResult> => {
        const at = now();
        const leaseExpiresAt = at + (options.leaseMs ?? leaseMs);
        const held = await holdCredits(tx, { id: g.accountId, amount });
        if (Number(held.numAffectedRows) !== 1) {
          const b = await readBalance(tx, g.accountId);
          return {
            ok: false,
            reason: 'insufficient_credits',
            available: b?.available ?? 0,
            required: amount,
          };
        }
        await insertGeneration(tx, {
          id: g.id,
          account_id: g.accountId,
          api_key_id: g.apiKeyId,
          request_id: g.requestId,
          model: g.model,
          size: g.size,
          number_of_images: g.numberOfImages,
          blend: g.blend ? 1 : 0,
          price_per_image: g.pricePerImage,
          credits_reserved: amount,
          lease_expires_at: leaseExpiresAt,
          created_at: at,
          end_user: g.endUser ?? null,
          prompt: g.prompt ?? null,
        });
        if (amount > 0) {
          await entry(tx, {
            accountId: g.accountId,
            kind: 'reserve',
            amount,
            generationId: g.id,
            reason: `${g.numberOfImages} x ${g.model}`,
          });
        }
        await options.within?.(tx);
        return { ok: true, reserved: amount, leaseExpiresAt };
      });
    },

    settle: (input, options) =>
      transact(async (tx) => {
        const result = await settleIn(tx, input);
        await options?.within?.(tx, result);
        return result;
      }),

    async sweepExpired() {
      const expired = await db
        .selectFrom('generations')
        .select('id')
        .where('status', '=', 'pending')
        .where('lease_expires_at', '<', now())
        .execute();
      const settled: Array<{ generationId: string; delivered: number; captured: number }> = [];
      for (const { id } of expired) {
        const result = await settleExpired(id);
        if (result) settled.push(result);
      }
      return settled;
    },

    settleExpired,

    async verify() {
      const mismatches: LedgerMismatch[] = [];
      // Lifetime sums pass 2^53 long before any balance does: they are summed by the database
      // in 64-bit integers and read as decimal text, exact, into bigints.
      const sums = await db
        .selectFrom('ledger_entries')
        .select(['account_id', 'kind', sql<string | null>`cast(sum(amount) as text)`.as('total')])
        .groupBy(['account_id', 'kind'])
        .execute();
      const zero = (): Record<LedgerKind, bigint> => ({
        grant: 0n,
        reserve: 0n,
        capture: 0n,
        release: 0n,
        adjustment: 0n,
      });
      const byAccount = new Map<string, Record<LedgerKind, bigint>>();
      for (const s of sums) {
        const totals = byAccount.get(s.account_id) ?? zero();
        totals[s.kind] = BigInt(s.total ?? '0');
        byAccount.set(s.account_id, totals);
      }
      const accounts = await db
        .selectFrom('accounts')
        .select(['id', 'balance', 'reserved'])
        .execute();
      for (const a of accounts) {
        const t = byAccount.get(a.id) ?? zero();
        const balance = t.grant + t.adjustment - t.capture;
        const reserved = t.reserve - t.capture - t.release;
        if (balance !== BigInt(a.balance)) {
          mismatches.push({
            accountId: a.id,
            field: 'balance',
            expected: exactCredits(balance),
            actual: a.balance,
            detail: 'grants + adjustments - captures',
          });
        }
        if (reserved !== BigInt(a.reserved)) {
          mismatches.push({
            accountId: a.id,
            field: 'reserved',
            expected: exactCredits(reserved),
            actual: a.reserved,
            detail: 'reserves - captures - releases',
          });
        }
      }
      // Each settled generation must have resolved exactly what it reserved; pending ones nothing.
      const perGeneration = await db
        .selectFrom('generations as g')
        .leftJoin('ledger_entries as e', 'e.generation_id', 'g.id')
        .select((eb) => [
          'g.id',
          'g.account_id',
          'g.status',
          'g.credits_reserved',
          'g.credits_captured',
          eb.fn
            .sum<number>(
              eb.case().when('e.kind', '=', 'reserve').then(eb.ref('e.amount')).else(0).end(),
            )
            .as('reserve'),
          eb.fn
            .sum<number>(
              eb.case().when('e.kind', '=', 'capture').then(eb.ref('e.amount')).else(0).end(),
            )
            .as('capture'),
          eb.fn
            .sum<number>(
              eb.case().when('e.kind', '=', 'release').then(eb.ref('e.amount')).else(0).end(),
            )
            .as('release'),
        ])
        .groupBy(['g.id', 'g.account_id', 'g.status', 'g.credits_reserved', 'g.credits_captured'])
        .execute();
      for (const g of perGeneration) {
        const reserve = Number(g.reserve ?? 0);
        const resolved = Number(g.capture ?? 0) + Number(g.release ?? 0);
        const expectResolved = g.status === 'pending' ? 0 : g.credits_reserved;
        if (
          reserve !== g.credits_reserved ||
          resolved !== expectResolved ||
          Number(g.capture ?? 0) !== g.credits_captured
        ) {
          mismatches.push({
            accountId: g.account_id,
            field: 'generation',
            expected: g.credits_reserved,
            actual: resolved,
            detail: `generation ${g.id} (${g.status}): reserved ${reserve}, captured ${Number(g.capture ?? 0)}, released ${Number(g.release ?? 0)}`,
          });
        }
      }
      return mismatches;
    },
  };
}
