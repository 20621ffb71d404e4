import type { Kysely } from 'kysely';

// Every try of every route for a generation's images (issue 14): which provider and upstream
// model, how it ended, how long it took, the upstream's request id and the estimated upstream
// cost, so operators see failovers, cost and margin per provider. Costs are whole micro-USD.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('generation_attempts')
    .addColumn('generation_id', 'text', (c) => c.notNull())
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('image_index', 'integer', (c) => c.notNull())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('upstream_model', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('latency_ms', 'integer', (c) => c.notNull())
    .addColumn('upstream_request_id', 'text')
    .addColumn('cost_micro_usd', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('generation_attempts_pk', ['generation_id', 'seq'])
    .execute();
  await db.schema
    .createIndex('generation_attempts_provider_time')
    .on('generation_attempts')
    .columns(['provider', 'created_at'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropTable('generation_attempts').execute();
}
