import { type Kysely, sql } from 'kysely';

// Portable column types only (text, integer, bigint), so SQLite and PostgreSQL share this file.
// Booleans are integers 0/1; times are epoch milliseconds.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('accounts')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('balance', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('reserved', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addCheckConstraint('accounts_reserved_nonnegative', sql`reserved >= 0`)
    .addCheckConstraint('accounts_reserved_covered', sql`reserved <= balance`)
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('hash', 'text', (c) => c.notNull().unique())
    .addColumn('rpm_limit', 'integer')
    .addColumn('concurrency_limit', 'integer')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint')
    .addColumn('revoked_at', 'bigint')
    .addColumn('last_used_at', 'bigint')
    .execute();
  await db.schema.createIndex('api_keys_account').on('api_keys').column('account_id').execute();

  await db.schema
    .createTable('generations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('api_key_id', 'text', (c) => c.notNull().references('api_keys.id'))
    .addColumn('request_id', 'text', (c) => c.notNull())
    .addColumn('model', 'text', (c) => c.notNull())
    .addColumn('size', 'text', (c) => c.notNull())
    .addColumn('number_of_images', 'integer', (c) => c.notNull())
    .addColumn('blend', 'integer', (c) => c.notNull())
    .addColumn('price_per_image', 'bigint', (c) => c.notNull())
    .addColumn('credits_reserved', 'bigint', (c) => c.notNull())
    .addColumn('credits_captured', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('images_delivered', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('error_code', 'text')
    .addColumn('settled_by', 'text')
    .addColumn('lease_expires_at', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('finished_at', 'bigint')
    .addColumn('duration_ms', 'bigint')
    .execute();
  await db.schema
    .createIndex('generations_account_created')
    .on('generations')
    .columns(['account_id', 'created_at'])
    .execute();
  await db.schema
    .createIndex('generations_status_lease')
    .on('generations')
    .columns(['status', 'lease_expires_at'])
    .execute();

  await db.schema
    .createTable('ledger_entries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('generation_id', 'text', (c) => c.references('generations.id'))
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addCheckConstraint(
      'ledger_kind',
      sql`kind in ('grant', 'reserve', 'capture', 'release', 'adjustment')`,
    )
    .execute();
  await db.schema
    .createIndex('ledger_entries_account')
    .on('ledger_entries')
    .columns(['account_id', 'created_at'])
    .execute();
  await db.schema
    .createIndex('ledger_entries_generation')
    .on('ledger_entries')
    .column('generation_id')
    .execute();

  await db.schema
    .createTable('images')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('generation_id', 'text', (c) => c.notNull().references('generations.id'))
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('ext', 'text', (c) => c.notNull())
    .addColumn('width', 'integer', (c) => c.notNull())
    .addColumn('height', 'integer', (c) => c.notNull())
    .addColumn('bytes', 'bigint', (c) => c.notNull())
    .addColumn('etag', 'text', (c) => c.notNull())
    .addColumn('storage_key', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('images_generation').on('images').column('generation_id').execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  for (const table of ['images', 'ledger_entries', 'generations', 'api_keys', 'accounts']) {
    await db.schema.dropTable(table).execute();
  }
}
