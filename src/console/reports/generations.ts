import type { Db } from '../../db/database.ts';
import type { GenerationStatus, LedgerKind } from '../../db/schema.ts';
import { type ImageSummary, imagesOfGenerations } from '../../images/image-summaries.ts';
import { createAttemptRecords, type RecordedAttempt } from '../../usage/attempt-records.ts';

/*
 * The console's reading of generations: the gallery of one account, and the operator's request
 * log across accounts with filters, and one generation in full (its ledger movements included).
 * Reads only; every credit still moves through the ledger.
 */

export interface GenerationFilter {
  readonly accountId?: string | undefined;
  readonly status?: GenerationStatus | undefined;
  readonly keyId?: string | undefined;
  readonly model?: string | undefined;
  readonly errorCode?: string | undefined;
  readonly from?: number | undefined;
  readonly to?: number | undefined;
  /** Only generations older than this id (the previous page's last). */
  readonly before?: string | undefined;
  readonly limit: number;
}

export type GenerationImage = ImageSummary;

export interface GenerationRow {
  readonly id: string;
  readonly accountId: string;
  readonly accountName: string;
  readonly keyId: string;
  readonly keyName: string;
  readonly keyKind: 'api' | 'console';
  readonly requestId: string;
  readonly prompt: string | null;
  readonly model: string;
  readonly size: string;
  readonly numberOfImages: number;
  readonly imagesDelivered: number;
  readonly blend: boolean;
  readonly pricePerImage: number;
  readonly creditsReserved: number;
  readonly creditsCharged: number;
  readonly status: GenerationStatus;
  readonly errorCode: string | null;
  readonly settledBy: string | null;
  readonly createdAt: number;
  readonly finishedAt: number | null;
  readonly durationMs: number | null;
  readonly endUser: string | null;
  readonly images: GenerationImage[];
}

export interface GenerationDetail extends GenerationRow {
  readonly ledger: ReadonlyArray<{
    id: string;
    kind: LedgerKind;
    amount: number;
    reason: string;
    at: number;
  }>;
  /** Every try of every upstream route for its images, in order (fallbacks included). */
  readonly attempts: readonly RecordedAttempt[];
}

export interface GenerationReports {
  list(filter: GenerationFilter): Promise<{ rows: GenerationRow[]; next: string | null }>;
  /** One generation; with `accountId`, only if it is that account's. */
  get(id: string, accountId?: string): Promise<GenerationDetail | undefined>;
}

export function createGenerationReports(deps: { db: Db }): GenerationReports {
  const { db } = deps;
  const attemptRecords = createAttemptRecords({ db });
  const base = () =>
    db
      .selectFrom('generations as g')
      .innerJoin('accounts as a', 'a.id', 'g.account_id')
      .innerJoin('api_keys as k', 'k.id', 'g.api_key_id')
      .selectAll('g')
      .select(['a.name as account_name', 'k.name as key_name', 'k.kind as key_kind']);

  async function withImages(
    rows: Awaited<ReturnType<ReturnType<typeof base>['execute']>>,
  ): Promise<GenerationRow[]> {
    const ids = rows.map((r) => r.id);
    const images = await imagesOfGenerations(db, ids);
    return rows.map((r) => ({
      id: r.id,
      accountId: r.account_id,
      accountName: r.account_name,
      keyId: r.api_key_id,
      keyName: r.key_name,
      keyKind: r.key_kind,
      requestId: r.request_id,
      prompt: r.prompt,
      model: r.model,
      size: r.size,
      numberOfImages: r.number_of_images,
      imagesDelivered: r.images_delivered,
      blend: r.blend === 1,
      pricePerImage: r.price_per_image,
      creditsReserved: r.credits_reserved,
      creditsCharged: r.credits_captured,
      status: r.status,
      errorCode: r.error_code,
      settledBy: r.settled_by,
      createdAt: r.created_at,
      finishedAt: r.finished_at,
      durationMs: r.duration_ms,
      endUser: r.end_user,
      images: images.get(r.id) ?? [],
    }));
  }

  return {
    async list(f) {
      let q = base()
        .orderBy('g.id', 'desc')
        .limit(f.limit + 1);
      if (f.accountId !== undefined) q = q.where('g.account_id', '=', f.accountId);
      if (f.status !== undefined) q = q.where('g.status', '=', f.status);
      if (f.keyId !== undefined) q = q.where('g.api_key_id', '=', f.keyId);
      if (f.model !== undefined) q = q.where('g.model', '=', f.model);
      if (f.errorCode !== undefined) q = q.where('g.error_code', '=', f.errorCode);
      if (f.from !== undefined) q = q.where('g.created_at', '>=', f.from);
      if (f.to !== undefined) q = q.where('g.created_at', '<', f.to);
      if (f.before !== undefined) q = q.where('g.id', '<', f.before);
      const rows = await q.execute();
      const page = rows.slice(0, f.limit);
      return {
        rows: await withImages(page),
        next: rows.length > f.limit ? page[page.length - 1]!.id : null,
      };
    },
    async get(id, accountId) {
      let q = base().where('g.id', '=', id);
      if (accountId !== undefined) q = q.where('g.account_id', '=', accountId);
      const row = await q.executeTakeFirst();
      if (!row) return undefined;
      const [full] = await withImages([row]);
      const ledger = await db
        .selectFrom('ledger_entries')
        .select(['id', 'kind', 'amount', 'reason', 'created_at'])
        .where('generation_id', '=', id)
        .orderBy('id')
        .execute();
      const attempts = (await attemptRecords.forGenerations([id])).get(id) ?? [];
      return {
        ...full!,
        ledger: ledger.map((e) => ({
          id: e.id,
          kind: e.kind,
          amount: e.amount,
          reason: e.reason,
          at: e.created_at,
        })),
        attempts,
      };
    },
  };
}
