import type { Kysely } from 'kysely';

// The caller's own end user of a generation (OpenAI's `user` field), so an operator or the
// account can list usage per end user. Nullable: the native endpoint has no such field.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('generations').addColumn('end_user', 'text').execute();
  await db.schema
    .createIndex('generations_account_end_user')
    .on('generations')
    .columns(['account_id', 'end_user', 'id'])
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('generations_account_end_user').execute();
  await db.schema.alterTable('generations').dropColumn('end_user').execute();
}
