import type { Kysely } from 'kysely';

// Every generation is a durable job (src/jobs/): queued, running under a lease, then
// finished. `job_events` is each job's event log (SSE ids, webhook ids); `job_turns` remembers
// when each account last had a job started, so the dispatcher takes accounts in turn.
// Portable column types only, as in 0001.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('jobs')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('api_key_id', 'text', (c) => c.notNull().references('api_keys.id'))
    .addColumn('request_id', 'text', (c) => c.notNull())
    .addColumn('request', 'text', (c) => c.notNull())
    .addColumn('mode', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('cancel_requested', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('lease_owner', 'text')
    .addColumn('lease_expires_at', 'bigint')
    .addColumn('error', 'text')
    .addColumn('generation_time_ms', 'bigint')
    .addColumn('credits_used', 'bigint')
    .addColumn('base_url', 'text', (c) => c.notNull())
    .addColumn('webhook_url', 'text')
    .addColumn('webhook_events', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('started_at', 'bigint')
    .addColumn('finished_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('jobs_status_account')
    .on('jobs')
    .columns(['status', 'account_id', 'id'])
    .execute();
  await db.schema
    .createIndex('jobs_status_lease')
    .on('jobs')
    .columns(['status', 'lease_expires_at'])
    .execute();
  await db.schema.createIndex('jobs_finished').on('jobs').column('finished_at').execute();

  await db.schema
    .createTable('job_events')
    .addColumn('job_id', 'text', (c) => c.notNull().references('jobs.id'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull().unique())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('job_events_pk', ['job_id', 'seq'])
    .execute();

  await db.schema
    .createTable('job_turns')
    .addColumn('account_id', 'text', (c) => c.primaryKey())
    .addColumn('last_started_at', 'bigint', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('job_turns').execute();
  await db.schema.dropTable('job_events').execute();
  await db.schema.dropTable('jobs').execute();
}
