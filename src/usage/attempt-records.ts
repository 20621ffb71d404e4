import type { Transaction } from 'kysely';
import type { Db } from '../db/database.ts';
import { prepareQuery } from '../db/prepared.ts';
import type { Database, GenerationAttemptsTable } from '../db/schema.ts';
import type { Attempt, AttemptOutcome } from '../routing/router.ts';

/** An attempt as read back with its generation. */
export interface RecordedAttempt {
  readonly index: number;
  readonly provider: string;
  readonly upstreamModel: string;
  readonly outcome: AttemptOutcome;
  readonly latencyMs: number;
  readonly upstreamRequestId: string | null;
  readonly costUsd: number;
}

/** Per provider over a period: attempts, images it delivered, and its estimated cost. */
export interface ProviderUsage {
  readonly provider: string;
  readonly attempts: number;
  readonly delivered: number;
  readonly failed: number;
  /** Credits charged for the images it delivered (the catalog price of each). */
  readonly credits: number;
  readonly costUsd: number;
}

export interface AttemptRecords {
  /** Records a generation's attempts, in `tx` when given (the settle transaction). */
  save(
    generationId: string,
    attempts: readonly Attempt[],
    tx?: Transaction<Database>,
  ): Promise<void>;
  /** The attempts of these generations, by generation id, in the order they were made. */
  forGenerations(ids: readonly string[]): Promise<Map<string, RecordedAttempt[]>>;
  /** Attempts by provider since a time, optionally for one account. */
  byProvider(options: { since?: number; accountId?: string }): Promise<ProviderUsage[]>;
}

const MICRO = 1_000_000;

export function createAttemptRecords(deps: { db: Db; now?: () => number }): AttemptRecords {
  const { db } = deps;
  const now = deps.now ?? Date.now;
  // Every generation writes its attempts (usually one): compiled once (see prepareQuery).
  const insertAttempt = prepareQuery<GenerationAttemptsTable, never>(
    [
      'generation_id',
      'seq',
      'image_index',
      'provider',
      'upstream_model',
      'outcome',
      'latency_ms',
      'upstream_request_id',
      'cost_micro_usd',
      'created_at',
    ],
    (v) => db.insertInto('generation_attempts').values(v),
  );
  return {
    async save(generationId, attempts, tx) {
      const at = now();
      for (const [seq, a] of attempts.entries()) {
        await insertAttempt(tx ?? db, {
          generation_id: generationId,
          seq,
          image_index: a.index,
          provider: a.provider,
          upstream_model: a.upstreamModel,
          outcome: a.outcome,
          latency_ms: a.latencyMs,
          upstream_request_id: a.upstreamRequestId ?? null,
          cost_micro_usd: Math.round(a.costUsd * MICRO),
          created_at: at,
        });
      }
    },
    async forGenerations(ids) {
      const out = new Map<string, RecordedAttempt[]>();
      if (ids.length === 0) return out;
      const rows = await db
        .selectFrom('generation_attempts')
        .selectAll()
        .where('generation_id', 'in', ids)
        .orderBy('generation_id')
        .orderBy('seq')
        .execute();
      for (const r of rows) {
        const list = out.get(r.generation_id) ?? [];
        list.push({
          index: r.image_index,
          provider: r.provider,
          upstreamModel: r.upstream_model,
          outcome: r.outcome as AttemptOutcome,
          latencyMs: r.latency_ms,
          upstreamRequestId: r.upstream_request_id,
          costUsd: Number(r.cost_micro_usd) / MICRO,
        });
        out.set(r.generation_id, list);
      }
      return out;
    },
    async byProvider({ since, accountId }) {
      let q = db
        .selectFrom('generation_attempts as a')
        .innerJoin('generations as g', 'g.id', 'a.generation_id')
        .select((eb) => [
          'a.provider as provider',
          eb.fn.countAll<number>().as('attempts'),
          eb.fn
            .sum<number>(eb.case().when('a.outcome', '=', 'ok').then(1).else(0).end())
            .as('delivered'),
          eb.fn
            .sum<number>(
              eb
                .case()
                .when('a.outcome', '=', 'ok')
                .then(eb.ref('g.price_per_image'))
                .else(0)
                .end(),
            )
            .as('credits'),
          eb.fn.sum<number>('a.cost_micro_usd').as('cost'),
        ])
        .groupBy('a.provider')
        .orderBy('a.provider');
      if (since !== undefined) q = q.where('a.created_at', '>=', since);
      if (accountId !== undefined) q = q.where('g.account_id', '=', accountId);
      const rows = await q.execute();
      return rows.map((r) => {
        const attempts = Number(r.attempts);
        const delivered = Number(r.delivered ?? 0);
        return {
          provider: r.provider,
          attempts,
          delivered,
          failed: attempts - delivered,
          credits: Number(r.credits ?? 0),
          costUsd: Number(r.cost ?? 0) / MICRO,
        };
      });
    },
  };
}
