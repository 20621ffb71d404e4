import type { Kysely } from 'kysely';

/**
 * Binds an Idempotency-Key to the generation its request started, so a retry after a crash can
 * find what that generation delivered (and was charged for) instead of running a second one.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('idempotency_keys').addColumn('generation_id', 'text').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('idempotency_keys').dropColumn('generation_id').execute();
}
