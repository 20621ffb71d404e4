import type { Db } from '../../db/database.ts';
import type { LedgerKind } from '../../db/schema.ts';

export interface LedgerHistoryEntry {
  readonly id: string;
  readonly kind: LedgerKind;
  readonly amount: number;
  readonly reason: string;
  readonly generationId: string | null;
  readonly at: number;
}

/** An account's ledger entries, newest first, a page at a time (read-only). */
export async function ledgerHistory(
  db: Db,
  accountId: string,
  options: { limit: number; before?: string | undefined; kinds?: readonly LedgerKind[] },
): Promise<{ entries: LedgerHistoryEntry[]; next: string | null }> {
  let q = db
    .selectFrom('ledger_entries')
    .select(['id', 'kind', 'amount', 'reason', 'generation_id', 'created_at'])
    .where('account_id', '=', accountId)
    .orderBy('id', 'desc')
    .limit(options.limit + 1);
  if (options.before) q = q.where('id', '<', options.before);
  if (options.kinds && options.kinds.length > 0) q = q.where('kind', 'in', options.kinds);
  const rows = await q.execute();
  const page = rows.slice(0, options.limit);
  return {
    entries: page.map((r) => ({
      id: r.id,
      kind: r.kind,
      amount: r.amount,
      reason: r.reason,
      generationId: r.generation_id,
      at: r.created_at,
    })),
    next: rows.length > options.limit ? page[page.length - 1]!.id : null,
  };
}
