import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  type SqliteDatabase,
  SqliteDialect,
  SqliteDriver,
  type SqliteStatement,
} from 'kysely';

/**
 * Adapts Node's built-in `node:sqlite` to the driver interface Kysely's SQLite dialect expects
 * (the better-sqlite3 shape). Built in, so no native addon has to be compiled for Node 24.
 */
function wrap(db: DatabaseSync): SqliteDatabase {
  // Kysely prepares every query it runs; the same few dozen SQL texts come back on every
  // request, so prepared statements are kept (one connection, queries run one at a time).
  const prepared = new Map<string, SqliteStatement>();
  return {
    close: () => {
      prepared.clear();
      db.close();
    },
    prepare(sql: string): SqliteStatement {
      const cached = prepared.get(sql);
      if (cached) return cached;
      const stmt = db.prepare(sql);
      const reader = stmt.columns().length > 0;
      const args = (parameters: ReadonlyArray<unknown>) => parameters as SQLInputValue[];
      const statement: SqliteStatement = {
        reader,
        all: (parameters) => stmt.all(...args(parameters)),
        run: (parameters) => {
          const r = stmt.run(...args(parameters));
          return { changes: r.changes, lastInsertRowid: r.lastInsertRowid };
        },
        iterate: (parameters) => stmt.iterate(...args(parameters)),
      };
      // Bounded: SQL built at run time (e.g. IN lists of varying length) must not grow it forever.
      if (prepared.size >= 256) prepared.delete(prepared.keys().next().value!);
      prepared.set(sql, statement);
      return statement;
    },
  };
}

/**
 * SQLite transactions start with BEGIN IMMEDIATE: they take the write lock up front, so a
 * second process (the CLI while the server runs) waits on busy_timeout instead of failing
 * when a read transaction tries to upgrade.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class NodeSqliteDialect extends SqliteDialect {
  readonly #config: ConstructorParameters<typeof SqliteDialect>[0];
  constructor(config: ConstructorParameters<typeof SqliteDialect>[0]) {
    super(config);
    this.#config = config;
  }
  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}

/** A Kysely dialect for a SQLite file, in WAL mode with a busy timeout and foreign keys on. */
export function createSqliteDialect(file: string): SqliteDialect {
  return new NodeSqliteDialect({
    database: async () => {
      const db = new DatabaseSync(file);
      db.exec('PRAGMA journal_mode = WAL');
      db.exec('PRAGMA synchronous = NORMAL');
      db.exec('PRAGMA busy_timeout = 10000');
      db.exec('PRAGMA foreign_keys = ON');
      db.exec('PRAGMA cache_size = -65536');
      db.exec('PRAGMA mmap_size = 268435456');
      return wrap(db);
    },
  });
}
