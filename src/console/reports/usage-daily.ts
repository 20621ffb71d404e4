import { sql } from 'kysely';
import type { Db } from '../../db/database.ts';

const DAY_MS = 86_400_000;

export interface DailyUsage {
  /** UTC day, YYYY-MM-DD. */
  readonly day: string;
  readonly model: string;
  readonly keyId: string;
  readonly keyName: string;
  readonly requests: number;
  readonly images: number;
  readonly credits: number;
}

/**
 * Images delivered and credits charged per UTC day, model and key, over [from, to). Grouped in
 * the database (integer division of epoch milliseconds, the same on SQLite and PostgreSQL).
 */
export async function dailyUsage(
  db: Db,
  filter: { accountId: string; from: number; to: number; model?: string; keyId?: string },
): Promise<DailyUsage[]> {
  let q = db
    .selectFrom('generations as g')
    .innerJoin('api_keys as k', 'k.id', 'g.api_key_id')
    .select([
      sql<number>`g.created_at / ${sql.lit(DAY_MS)}`.as('day'),
      'g.model',
      'g.api_key_id',
      'k.name',
      sql<number>`count(*)`.as('requests'),
      sql<number>`sum(g.images_delivered)`.as('images'),
      sql<number>`sum(g.credits_captured)`.as('credits'),
    ])
    .where('g.account_id', '=', filter.accountId)
    .where('g.created_at', '>=', filter.from)
    .where('g.created_at', '<', filter.to)
    .groupBy([sql`g.created_at / ${sql.lit(DAY_MS)}`, 'g.model', 'g.api_key_id', 'k.name'])
    .orderBy('day');
  if (filter.model) q = q.where('g.model', '=', filter.model);
  if (filter.keyId) q = q.where('g.api_key_id', '=', filter.keyId);
  const rows = await q.execute();
  return rows.map((r) => ({
    day: new Date(Math.floor(Number(r.day)) * DAY_MS).toISOString().slice(0, 10),
    model: r.model,
    keyId: r.api_key_id,
    keyName: r.name,
    requests: Number(r.requests),
    images: Number(r.images ?? 0),
    credits: Number(r.credits ?? 0),
  }));
}

/** The rows as CSV (RFC 4180), one line per day, model and key. */
export function usageCsv(rows: readonly DailyUsage[]): string {
  const cell = (v: string | number) => {
    const s = String(v);
    // A leading =, +, - or @ would be a formula to a spreadsheet: quote it as text.
    const safe = /^[=+\-@]/.test(s) ? `'${s}` : s;
    return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
  };
  const lines = ['day,model,key_id,key_name,requests,images,credits'];
  for (const r of rows) {
    lines.push(
      [r.day, r.model, r.keyId, r.keyName, r.requests, r.images, r.credits].map(cell).join(','),
    );
  }
  return `${lines.join('\r\n')}\r\n`;
}
