import { type Kysely, sql } from 'kysely';

// The web console: people who sign in (users), their server-side sessions, one-time links
// (invitations and password resets), sign-in failures (throttling), and the audit log. Also
// what the console shows that the API did not record: an account's suspension, a
// generation's prompt, and which keys the console itself made for its playground.

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('users')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('email', 'text', (c) => c.notNull().unique())
    // scrypt, self-describing (see src/console/users/passwords.ts); null until a link is used.
    .addColumn('password_hash', 'text')
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.references('accounts.id'))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addCheckConstraint('users_role', sql`role in ('operator', 'member')`)
    .addCheckConstraint('users_member_account', sql`role = 'operator' or account_id is not null`)
    .execute();
  await db.schema.createIndex('users_account').on('users').column('account_id').execute();

  await db.schema
    .createTable('sessions')
    // sha256 of the cookie's token: a database read never yields a usable session.
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('csrf_token', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('revoked_at', 'bigint')
    .addColumn('address', 'text')
    .execute();
  await db.schema.createIndex('sessions_user').on('sessions').column('user_id').execute();

  await db.schema
    .createTable('user_links')
    // sha256 of the link's token.
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('used_at', 'bigint')
    .addCheckConstraint('user_links_purpose', sql`purpose in ('invite', 'reset')`)
    .execute();
  await db.schema.createIndex('user_links_user').on('user_links').column('user_id').execute();

  await db.schema
    .createTable('sign_in_failures')
    // 'email:<sha256>' or 'address:<ip>': counted within a window to throttle guessing.
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('sign_in_failures_scope')
    .on('sign_in_failures')
    .columns(['scope', 'at'])
    .execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text')
    .addColumn('target', 'text')
    .addColumn('detail', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('address', 'text')
    .execute();
  await db.schema
    .createIndex('audit_log_account')
    .on('audit_log')
    .columns(['account_id', 'id'])
    .execute();

  await db.schema.alterTable('accounts').addColumn('suspended_at', 'bigint').execute();
  await db.schema.alterTable('generations').addColumn('prompt', 'text').execute();
  await db.schema
    .alterTable('api_keys')
    .addColumn('kind', 'text', (c) => c.notNull().defaultTo('api'))
    .execute();
  await db.schema
    .createIndex('generations_created')
    .on('generations')
    .column('created_at')
    .execute();
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('generations_created').execute();
  await db.schema.alterTable('api_keys').dropColumn('kind').execute();
  await db.schema.alterTable('generations').dropColumn('prompt').execute();
  await db.schema.alterTable('accounts').dropColumn('suspended_at').execute();
  for (const table of ['audit_log', 'sign_in_failures', 'user_links', 'sessions', 'users']) {
    await db.schema.dropTable(table).execute();
  }
}
