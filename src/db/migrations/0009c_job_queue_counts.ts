import { type Kysely, sql } from 'kysely';

// How many queued jobs each account has, kept with every change of a job's status (src/jobs/
// job-store.ts), so a submit checks the per-account bound and counts its place in line, and a
// worker finds each account's next job, without counting the queue (issue 18: submits slowed
// with queue depth).

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .alterTable('job_turns')
    .addColumn('queued', 'bigint', (c) => c.notNull().defaultTo(0))
    .execute();
  await sql`
    insert into job_turns (account_id, last_started_at, queued)
    select account_id, 0, count(*) from jobs where status = 'queued' group by account_id
    on conflict (account_id) do update set queued = excluded.queued
  `.execute(db);
  await db.schema.createIndex('job_turns_queued').on('job_turns').column('queued').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('job_turns_queued').execute();
  await db.schema.alterTable('job_turns').dropColumn('queued').execute();
}
