import type { Db } from '../db/database.ts';
import type { Recovery } from '../idempotency/idempotency.ts';
import type { Ledger } from '../ledger/ledger.ts';

/** What a replay of a generation needs (the route's StoredGeneration). */
export interface GenerationOutcome {
  readonly generationId: string;
  readonly imageIds: readonly string[];
  readonly generationTimeMs: number;
  readonly creditsUsed: number;
}

/**
 * What became of a generation whose request died with it (the process crashed or was killed):
 * - still pending with its lease running: it may yet be settled, so a retry waits;
 * - pending with its lease expired: settled now by the sweeper's rule (the images it stored are
 *   charged, the rest released), then judged as below;
 * - settled with images delivered: those images, as charged, for the retry to replay;
 * - settled with none, or never reserved (the process died before): the retry runs again.
 */
export function createGenerationRecovery(deps: {
  db: Db;
  ledger: Ledger;
}): (generationId: string) => Promise<Recovery<GenerationOutcome>> {
  const { db, ledger } = deps;
  const read = (id: string) =>
    db
      .selectFrom('generations')
      .select(['status', 'images_delivered', 'credits_captured', 'duration_ms'])
      .where('id', '=', id)
      .executeTakeFirst();

  return async (generationId) => {
    let generation = await read(generationId);
    if (!generation) return { kind: 'rerun' };
    if (generation.status === 'pending') {
      await ledger.settleExpired(generationId);
      generation = await read(generationId);
      if (!generation || generation.status === 'pending') return { kind: 'wait' };
    }
    if (generation.images_delivered === 0) return { kind: 'rerun' };
    const images = await db
      .selectFrom('images')
      .select('id')
      .where('generation_id', '=', generationId)
      .orderBy('position')
      .execute();
    return {
      kind: 'deliver',
      stored: {
        generationId,
        imageIds: images.map((i) => i.id),
        generationTimeMs: generation.duration_ms ?? 0,
        creditsUsed: generation.credits_captured,
      },
    };
  };
}
