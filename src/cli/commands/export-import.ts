import { createHmac } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { Command } from 'commander';
import { type RawBuilder, sql } from 'kysely';
import type { CoreServices } from '../../compose.ts';
import type { Config } from '../../config.ts';
import type { Db } from '../../db/database.ts';
import { migrations } from '../../db/migrations/index.ts';
import type { Database } from '../../db/schema.ts';
import { loadKeySecret } from '../../keys/key-secret.ts';
import { createLedger } from '../../ledger/ledger.ts';
import { createLocalStore } from '../../storage/local-store.ts';
import { announceDataDir, type CliIo, configFrom } from '../io.ts';

/**
 * `goodtake export` / `goodtake import`: every table, as JSON lines, from one database to
 * another (typically the embedded SQLite file to PostgreSQL for the scale-out mode).
 *
 * The dump is a header line, one line per row (tables in dependency order: a row only ever
 * refers to rows above it), and an end line with the row counts, so a truncated dump is
 * refused. Import runs in one transaction into an empty database, and recomputes every
 * balance from the ledger (`credits verify`) before it commits: a mismatch imports nothing.
 */
export const EXPORT_FORMAT = 'goodtake-export';
export const EXPORT_VERSION = 1;

const FINISHED_JOBS = sql`select id from jobs where status in ('succeeded', 'failed', 'canceled')`;

/**
 * The tables, parents first, with the columns that order them stably, and which rows go (all
 * unless `only` says). Jobs go once finished, with their events and webhook deliveries: a job
 * still queued or running stays behind (its reservation is released when its lease runs out),
 * since the target's queue is another (docs/scale-out.md).
 */
const TABLES = [
  { name: 'accounts', orderBy: ['id'] },
  // Receivers keep verifying with the same whsec_ secrets.
  { name: 'webhook_secrets', orderBy: ['account_id'] },
  { name: 'api_keys', orderBy: ['id'] },
  { name: 'generations', orderBy: ['id'] },
  { name: 'generation_attempts', orderBy: ['generation_id', 'seq'] },
  { name: 'ledger_entries', orderBy: ['id'] },
  { name: 'images', orderBy: ['id'] },
  { name: 'idempotency_keys', orderBy: ['account_id', 'key'] },
  { name: 'jobs', orderBy: ['id'], only: sql<boolean>`id in (${FINISHED_JOBS})` },
  {
    name: 'job_events',
    orderBy: ['job_id', 'seq'],
    only: sql<boolean>`job_id in (${FINISHED_JOBS})`,
  },
  {
    name: 'webhook_deliveries',
    orderBy: ['id'],
    only: sql<boolean>`job_id in (${FINISHED_JOBS})`,
  },
  {
    name: 'webhook_attempts',
    orderBy: ['id'],
    only: sql<boolean>`delivery_id in (select id from webhook_deliveries where job_id in (${FINISHED_JOBS}))`,
  },
  // The console's people and audit trail (sessions and sign-in failures are not carried over:
  // everyone signs in again on the new database).
  { name: 'users', orderBy: ['id'] },
  { name: 'user_links', orderBy: ['id'] },
  { name: 'audit_log', orderBy: ['id'] },
] as const satisfies ReadonlyArray<{
  name: keyof Database;
  orderBy: readonly string[];
  only?: RawBuilder<boolean>;
}>;

type TableName = (typeof TABLES)[number]['name'];
type Row = Record<string, string | number | null>;

interface Header {
  format: typeof EXPORT_FORMAT;
  version: number;
  migrations: string[];
  exported_at: string;
  source: 'sqlite' | 'postgres';
  /** HMAC of a fixed text under the key secret: tells at import whether the secret matches. */
  key_secret_check: string;
}

const PAGE = 1000;
const INSERT_BATCH = 200;

function keySecretCheck(secret: string): string {
  return createHmac('sha256', secret).update('goodtake export: key secret check').digest('hex');
}

function secretOf(config: Config, core: CoreServices): string {
  return loadKeySecret({
    configured: config.keySecret,
    dataDir: config.dataDir,
    database: core.database.kind,
  });
}

async function appliedMigrations(db: Db): Promise<string[]> {
  const { rows } = await sql<{
    name: string;
  }>`select name from kysely_migration order by name`.execute(db);
  return rows.map((r) => r.name);
}

async function write(out: Writable, line: string): Promise<void> {
  if (!out.write(`${line}\n`)) await new Promise((r) => out.once('drain', r));
}

/** Streams every table to `out`, page by page, from one consistent snapshot. */
export async function exportDatabase(
  core: CoreServices,
  config: Config,
  out: Writable,
): Promise<Record<TableName, number>> {
  const counts = {} as Record<TableName, number>;
  const run = async (db: Db) => {
    const header: Header = {
      format: EXPORT_FORMAT,
      version: EXPORT_VERSION,
      migrations: await appliedMigrations(db),
      exported_at: new Date().toISOString(),
      source: core.database.kind,
      key_secret_check: keySecretCheck(secretOf(config, core)),
    };
    await write(out, JSON.stringify(header));
    for (const table of TABLES) {
      counts[table.name] = 0;
      for (let offset = 0; ; offset += PAGE) {
        let query = db.selectFrom(table.name).selectAll();
        if ('only' in table) query = query.where(table.only);
        for (const column of table.orderBy) query = query.orderBy(sql.ref(column));
        const rows = (await query.limit(PAGE).offset(offset).execute()) as Row[];
        for (const row of rows) await write(out, JSON.stringify({ table: table.name, row }));
        counts[table.name] += rows.length;
        if (rows.length < PAGE) break;
      }
    }
    await write(out, JSON.stringify({ end: true, counts }));
  };
  // One snapshot: on PostgreSQL a repeatable-read transaction; on SQLite a transaction too
  // (it holds the write lock, so the server waits a moment rather than changing the books).
  if (core.database.kind === 'postgres') {
    await core.database.db.transaction().setIsolationLevel('repeatable read').execute(run);
  } else {
    await core.database.db.transaction().execute(run);
  }
  return counts;
}

export type ImportResult =
  | { ok: true; counts: Record<TableName, number> }
  | { ok: false; reason: string };

/** Reads a dump and writes it into an empty, migrated database, verifying the books. */
export async function importDatabase(
  core: CoreServices,
  config: Config,
  lines: AsyncIterable<string>,
): Promise<ImportResult> {
  // Take the iterator before any await: readline emits lines as soon as the input flows, and
  // lines emitted before anyone iterates are lost.
  const iterator = lines[Symbol.asyncIterator]();
  const db = core.database.db;
  for (const table of TABLES) {
    const { n } = await db
      .selectFrom(table.name)
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    if (Number(n) > 0) {
      return {
        ok: false,
        reason: `the target database is not empty (${table.name} has rows); import only into a new database`,
      };
    }
  }
  const first = await iterator.next();
  if (first.done) return { ok: false, reason: 'the dump is empty' };
  let header: Header;
  try {
    header = JSON.parse(first.value) as Header;
  } catch {
    return { ok: false, reason: 'the first line is not a goodtake export header' };
  }
  if (header.format !== EXPORT_FORMAT) {
    return { ok: false, reason: 'the first line is not a goodtake export header' };
  }
  if (header.version !== EXPORT_VERSION) {
    return { ok: false, reason: `unsupported export version ${header.version}` };
  }
  const target = await appliedMigrations(db);
  const known = Object.keys(migrations);
  if (header.migrations.join(',') !== target.join(',')) {
    const sourceIsOlder = header.migrations.every((m) => known.includes(m));
    return {
      ok: false,
      reason: sourceIsOlder
        ? `the dump's schema (${header.migrations.join(', ')}) differs from this database's (${target.join(', ')}); run \`goodtake migrate\` on the source with this version of goodtake, export again, then import`
        : `the dump comes from a newer goodtake (migrations ${header.migrations.join(', ')}); import it with that version`,
    };
  }
  if (header.key_secret_check !== keySecretCheck(secretOf(config, core))) {
    return {
      ok: false,
      reason:
        "the key secret differs from the source's, so no imported API key would work: set GOODTAKE_KEY_SECRET to the source's secret (the content of <source data dir>/key-secret in the embedded mode)",
    };
  }

  const counts = Object.fromEntries(TABLES.map((t) => [t.name, 0])) as Record<TableName, number>;
  const order = TABLES.map((t) => t.name);
  try {
    // All or nothing: any refusal below throws, and the transaction rolls back.
    await db.transaction().execute(async (tx) => {
      let batch: Row[] = [];
      let batchTable: TableName | undefined;
      let ended: Record<string, number> | undefined;
      const flush = async () => {
        if (batchTable && batch.length > 0) {
          await tx
            .insertInto(batchTable)
            .values(batch as never)
            .execute();
        }
        batch = [];
      };
      let lineNo = 1;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
        lineNo++;
        if (next.value.trim() === '') continue;
        if (ended) throw new ImportRefused(`line ${lineNo}: data after the end line`);
        let item: { table?: string; row?: Row; end?: boolean; counts?: Record<string, number> };
        try {
          item = JSON.parse(next.value);
        } catch {
          throw new ImportRefused(`line ${lineNo} is not JSON`);
        }
        if (item.end === true && item.counts) {
          ended = item.counts;
          continue;
        }
        const table = item.table as TableName;
        if (!order.includes(table) || !item.row || typeof item.row !== 'object') {
          throw new ImportRefused(`line ${lineNo}: not a row of a goodtake table`);
        }
        if (batchTable !== undefined && order.indexOf(table) < order.indexOf(batchTable)) {
          throw new ImportRefused(`line ${lineNo}: ${table} rows after ${batchTable} rows`);
        }
        if (table !== batchTable || batch.length >= INSERT_BATCH) await flush();
        batchTable = table;
        batch.push(item.row);
        counts[table]++;
      }
      await flush();
      if (!ended) throw new ImportRefused('the dump has no end line: it is truncated');
      for (const t of order) {
        if ((ended[t] ?? 0) !== counts[t]) {
          throw new ImportRefused(
            `the dump announces ${ended[t] ?? 0} ${t} rows but holds ${counts[t]}`,
          );
        }
      }
      // The books must balance on the target exactly as on the source.
      const mismatches = await createLedger({
        db: tx,
        leaseMs: config.reservationLeaseMs,
      }).verify();
      if (mismatches.length > 0) {
        throw new ImportRefused(
          `the imported ledger does not balance:\n${mismatches
            .map(
              (m) =>
                `  MISMATCH ${m.accountId} ${m.field}: expected ${m.expected}, found ${m.actual} (${m.detail})`,
            )
            .join('\n')}`,
        );
      }
    });
  } catch (err) {
    if (err instanceof ImportRefused) return { ok: false, reason: err.message };
    return {
      ok: false,
      reason: `the rows could not be written: ${err instanceof Error ? err.message : String(err)}`,
    };
  }
  return { ok: true, counts };
}

class ImportRefused extends Error {
  override name = 'ImportRefused';
}

/** Copies every recorded image from a local images directory into the configured store. */
async function copyImages(
  core: CoreServices,
  config: Config,
  fromDir: string,
  io: CliIo,
): Promise<number> {
  const { openImageStore } = await import('../../compose.ts');
  const source = createLocalStore(fromDir);
  const target = await openImageStore(config);
  let copied = 0;
  try {
    if (target.store.kind === 'local' && resolve(fromDir) === resolve(config.dataDir, 'images')) {
      return 0;
    }
    for (let offset = 0; ; offset += PAGE) {
      const rows = await core.database.db
        .selectFrom('images')
        .select(['storage_key', 'content_type'])
        .orderBy('id')
        .limit(PAGE)
        .offset(offset)
        .execute();
      for (const row of rows) {
        const stream = await source.open(row.storage_key);
        if (!stream) {
          io.err(`warning: image file ${row.storage_key} is missing from ${fromDir}\n`);
          continue;
        }
        const bytes = new Uint8Array(await new Response(stream).arrayBuffer());
        await target.store.put(row.storage_key, bytes, row.content_type);
        copied++;
      }
      if (rows.length < PAGE) break;
    }
  } finally {
    target.close();
  }
  return copied;
}

async function withCoreFor<T>(
  io: CliIo,
  migrate: (config: Config) => boolean,
  body: (core: CoreServices, config: Config) => Promise<T>,
): Promise<T> {
  const { openCore } = await import('../../compose.ts');
  const config = configFrom(io);
  // Import fills a new database; export reads an existing one.
  announceDataDir(io, config, { mayCreate: io.init === true || migrate === alwaysMigrate });
  const core = await openCore(config, { migrate: migrate(config) });
  try {
    return await body(core, config);
  } finally {
    await core.close();
  }
}

/** Import's choice: it always creates or completes the schema of its (new) database. */
const alwaysMigrate = () => true;

export function registerExportImportCommands(program: Command, io: CliIo): void {
  program
    .command('export')
    .description('Write every account, key, ledger entry and generation record as JSON lines')
    .option('--file <path>', 'write to this file instead of stdout')
    .addHelpText(
      'after',
      '\nExample (embedded installation to PostgreSQL, see docs/scale-out.md):\n' +
        '  goodtake export --file goodtake.jsonl\n' +
        '  DATABASE_URL=postgres://... GOODTAKE_KEY_SECRET="$(cat data/key-secret)" \\\n' +
        '    goodtake import --file goodtake.jsonl --images data/images',
    )
    .action(async (opts: { file?: string }) => {
      const counts = await withCoreFor(
        io,
        (c) => c.autoMigrate,
        async (core, config) => {
          const out: Writable = opts.file ? createWriteStream(opts.file) : process.stdout;
          const result = await exportDatabase(core, config, out);
          if (opts.file) {
            out.end();
            await finished(out);
          }
          return result;
        },
      );
      io.err(
        `exported ${Object.entries(counts)
          .map(([t, n]) => `${n} ${t}`)
          .join(', ')}\n`,
      );
    });

  program
    .command('import')
    .description('Load a `goodtake export` dump into a new, empty database, then verify the ledger')
    .option('--file <path>', 'read from this file instead of stdin')
    .option(
      '--images <dir>',
      'also copy the image files from this embedded images directory (e.g. data/images) into the configured storage (S3 with STORAGE=s3)',
    )
    .action(async (opts: { file?: string; images?: string }) => {
      await withCoreFor(io, alwaysMigrate, async (core, config) => {
        const input = opts.file ? createReadStream(opts.file) : process.stdin;
        const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
        const result = await importDatabase(core, config, lines);
        lines.close();
        if (!result.ok) {
          io.err(`import refused, nothing imported: ${result.reason}\n`);
          io.fail(1);
          return;
        }
        io.out(
          `imported ${Object.entries(result.counts)
            .map(([t, n]) => `${n} ${t}`)
            .join(', ')}; ledger verified\n`,
        );
        if (opts.images) {
          const copied = await copyImages(core, config, opts.images, io);
          io.out(`copied ${copied} image file(s) into ${config.storage.kind} storage\n`);
        }
      });
    });
}
