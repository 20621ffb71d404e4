import type { Db } from '../db/database.ts';
import type { GenerationStatus } from '../db/schema.ts';
import { imagesOfGenerations } from '../images/image-summaries.ts';
import type { ImageProvenance } from '../provenance/provenance.ts';
import type { AttemptRecords, RecordedAttempt } from './attempt-records.ts';

export interface GenerationSummary {
  readonly id: string;
  readonly model: string;
  readonly size: string;
  readonly numberOfImages: number;
  readonly imagesDelivered: number;
  readonly creditsReserved: number;
  readonly creditsCharged: number;
  readonly status: GenerationStatus;
  readonly errorCode: string | null;
  readonly durationMs: number | null;
  readonly createdAt: number;
  readonly finishedAt: number | null;
  /** The caller's end user (OpenAI's `user`), when the request named one. */
  readonly endUser: string | null;
  readonly images: ReadonlyArray<{
    id: string;
    ext: string;
    width: number;
    height: number;
    provenance: ImageProvenance;
  }>;
  /** Every try of an upstream route for its images, in order. */
  readonly attempts: readonly RecordedAttempt[];
}

export interface UsagePage {
  readonly generations: GenerationSummary[];
  /** Opaque; pass back to get the next (older) page. Null on the last page. */
  readonly nextCursor: string | null;
}

export interface UsageService {
  /** An account's generations, newest first. */
  list(
    accountId: string,
    options: {
      limit: number;
      cursor?: string | undefined;
      since?: number | undefined;
      /** Only the generations made for this end user. */
      endUser?: string | undefined;
    },
  ): Promise<UsagePage>;
}

const encodeCursor = (id: string) => Buffer.from(id).toString('base64url');
const decodeCursor = (cursor: string) => Buffer.from(cursor, 'base64url').toString('utf8');

/** Reads generation records; ids sort by creation time, so they double as the cursor. */
export function createUsageService(deps: {
  db: Db;
  attempts: Pick<AttemptRecords, 'forGenerations'>;
}): UsageService {
  const { db } = deps;
  return {
    async list(accountId, { limit, cursor, since, endUser }) {
      let query = db
        .selectFrom('generations')
        .selectAll()
        .where('account_id', '=', accountId)
        .orderBy('id', 'desc')
        .limit(limit + 1);
      if (cursor) query = query.where('id', '<', decodeCursor(cursor));
      if (since !== undefined) query = query.where('created_at', '>=', since);
      if (endUser !== undefined) query = query.where('end_user', '=', endUser);
      const rows = await query.execute();
      const page = rows.slice(0, limit);
      const ids = page.map((r) => r.id);
      const images = await imagesOfGenerations(db, ids);
      const attempts = await deps.attempts.forGenerations(ids);
      return {
        generations: page.map((r) => ({
          id: r.id,
          model: r.model,
          size: r.size,
          numberOfImages: r.number_of_images,
          imagesDelivered: r.images_delivered,
          creditsReserved: r.credits_reserved,
          creditsCharged: r.credits_captured,
          status: r.status,
          errorCode: r.error_code,
          durationMs: r.duration_ms,
          createdAt: r.created_at,
          finishedAt: r.finished_at,
          endUser: r.end_user,
          images: (images.get(r.id) ?? []).map((i) => ({
            id: i.id,
            ext: i.ext,
            width: i.width,
            height: i.height,
            provenance: i.provenance,
          })),
          attempts: attempts.get(r.id) ?? [],
        })),
        nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1]!.id) : null,
      };
    },
  };
}

export function isValidCursor(cursor: string): boolean {
  return (
    /^[A-Za-z0-9_-]{1,200}$/.test(cursor) &&
    /^gen_[0-9a-z]{12}[A-Za-z0-9]{9}$/.test(decodeCursor(cursor))
  );
}
