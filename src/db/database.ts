import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Kysely, Migrator, PostgresAdapter, PostgresDialect, sql } from 'kysely';
import { directTransact, groupCommit, type Transact } from './group-commit.ts';
import { migrations } from './migrations/index.ts';
import type { Database } from './schema.ts';
import { createSqliteDialect } from './sqlite-dialect.ts';

export type Db = Kysely<Database>;

export interface DatabaseHandle {
  readonly db: Db;
  readonly kind: 'sqlite' | 'postgres';
  /**
   * Runs a unit of the request path's work in a transaction: on SQLite in a group commit (one
   * commit for the units that arrive together), on PostgreSQL in a transaction of its own.
   */
  readonly transact: Transact<Database>;
  close(): Promise<void>;
}

const PG_INT8 = 20;

/** A bigint column's value as a number, refusing what a number cannot hold exactly. */
function exactInteger(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) {
    throw new RangeError(`integer ${text} is beyond 2^53 - 1 and cannot be read exactly`);
  }
  return n;
}

/**
 * Opens the database named by a `sqlite:<file>` or `postgres://` URL. The PostgreSQL driver is
 * imported only for a PostgreSQL URL: the embedded installation and its CLI never load it.
 */
export async function openDatabase(
  url: string,
  options: { poolSize?: number } = {},
): Promise<DatabaseHandle> {
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length);
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    const db = new Kysely<Database>({ dialect: createSqliteDialect(file) });
    return { db, kind: 'sqlite', transact: groupCommit(db), close: () => db.destroy() };
  }
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? 20,
    // Amounts and epoch-millisecond times are bigint columns; the ledger's limits keep them
    // within a JS number's exact range. A value beyond it is an error, never a rounded number.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === PG_INT8
          ? exactInteger
          : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
  });
  // A connection the server closes (a PostgreSQL restart or failover, a proxy's idle timeout)
  // is reported as an 'error' event: on the pool while the connection is idle, on the client
  // while a query holds it. Its queries fail on their own and the pool drops it; without these
  // listeners Node would take the event for an uncaught error and exit the process.
  pool.on('error', () => {});
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return { db, kind: 'postgres', transact: directTransact(db), close: () => db.destroy() };
}

/**
 * On PostgreSQL the migration bookkeeping tables live in the schema goodtake's tables go to
 * (the first of `search_path`). Kysely otherwise looks for them in any schema of the
 * database, and would take another installation's (another schema's) history for its own.
 */
async function migrator(db: Db): Promise<Migrator> {
  const provider = { getMigrations: async () => migrations };
  // Migration numbers are handed out to pieces of work that land in any order, so an
  // installation may have run 0006 before 0003 exists: each migration stands alone, and pending
  // ones run in name order whatever ran before them.
  const options = { db, provider, allowUnorderedMigrations: true };
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return new Migrator(options);
  const { rows } = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(
    db,
  );
  const schema = rows[0]?.schema;
  if (!schema) {
    throw new Error(
      'the PostgreSQL search_path names no existing schema; create it, or fix search_path',
    );
  }
  return new Migrator({ ...options, migrationTableSchema: schema });
}

/** Applies pending migrations; returns the names applied. Throws with the failing one. */
export async function migrateToLatest(db: Db): Promise<string[]> {
  const { error, results } = await (await migrator(db)).migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName ?? 'unknown';
    throw new Error(`migration ${failed} failed: ${String(error)}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** The names of migrations not yet applied. */
export async function pendingMigrations(db: Db): Promise<string[]> {
  const all = await (await migrator(db)).getMigrations();
  return all.filter((m) => m.executedAt === undefined).map((m) => m.name);
}
