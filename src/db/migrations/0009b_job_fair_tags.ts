import type { Kysely } from 'kysely';

// The scale-out queue (src/jobs/engine.ts, pg-boss) orders queued jobs by a fair-queuing tag
// per account (start-time fair queuing): `last_tag` is the tag of the account's latest queued
// job, so its next one queues one round later. Unused by the embedded queue.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('job_turns').addColumn('last_tag', 'bigint').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('job_turns').dropColumn('last_tag').execute();
}
