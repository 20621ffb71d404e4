import { join } from 'node:path';
import { type AccountService, createAccountService } from './accounts/accounts.ts';
import type { Config } from './config.ts';
import {
  type DatabaseHandle,
  migrateToLatest,
  openDatabase,
  pendingMigrations,
} from './db/database.ts';
import { createKeyService, type KeyService } from './keys/api-keys.ts';
import { loadKeySecret } from './keys/key-secret.ts';
import { createLedger, type Ledger } from './ledger/ledger.ts';
import type { Logger } from './log.ts';
import { createLocalStore } from './storage/local-store.ts';
import type { ImageStore } from './storage/store.ts';

/*
 * The half of the composition root that the admin CLI needs as well as the server: the
 * database and the account, key and ledger services on it, and the image store. The server's
 * half (HTTP app, providers, limiters, metrics) is src/compose.ts, which builds on this one.
 *
 * What only some configurations use is imported when the configuration selects it: the
 * PostgreSQL driver inside openDatabase, the AWS SDK (src/storage/s3-store.ts) here with
 * STORAGE=s3. An admin command or an embedded server never loads them.
 */

/** What the CLI and the server share: the database and the services on top of it. */
export interface CoreServices {
  readonly database: DatabaseHandle;
  readonly ledger: Ledger;
  readonly accounts: AccountService;
  readonly keys: KeyService;
  close(): Promise<void>;
}

/**
 * Opens the database and builds the account, key and ledger services. Applies pending
 * migrations when `migrate` is set; otherwise refuses to run against an out-of-date schema.
 */
export async function openCore(
  config: Config,
  options: { migrate: boolean; now?: () => number },
): Promise<CoreServices> {
  const database = await openDatabase(config.databaseUrl);
  try {
    if (options.migrate) {
      await migrateToLatest(database.db);
    } else {
      const pending = await pendingMigrations(database.db);
      if (pending.length > 0) {
        throw new Error(
          `the database schema is out of date (pending: ${pending.join(', ')}); run \`goodtake migrate\``,
        );
      }
    }
  } catch (err) {
    await database.close();
    throw err;
  }
  const now = options.now ?? Date.now;
  const secret = loadKeySecret({
    configured: config.keySecret,
    dataDir: config.dataDir,
    database: database.kind,
  });
  const ledger = createLedger({ db: database.db, leaseMs: config.reservationLeaseMs, now });
  return {
    database,
    ledger,
    accounts: createAccountService({ db: database.db, ledger, now }),
    keys: createKeyService({ db: database.db, secret, now }),
    close: () => database.close(),
  };
}

/** Image storage: the data directory, or the configured S3-compatible bucket (checked). */
export async function openImageStore(
  config: Config,
  log?: Logger,
): Promise<{ store: ImageStore; close: () => void }> {
  if (config.storage.kind === 'local') {
    return { store: createLocalStore(join(config.dataDir, 'images')), close: () => {} };
  }
  // The AWS SDK is large: loaded only when the configuration stores images in a bucket.
  const { checkS3Bucket, createS3Client, createS3Store } = await import('./storage/s3-store.ts');
  const client = createS3Client(config.storage);
  try {
    const { warning } = await checkS3Bucket(client, config.storage.bucket);
    if (warning) log?.warn(warning);
  } catch (err) {
    client.destroy();
    throw err;
  }
  return {
    store: createS3Store({ client, bucket: config.storage.bucket }),
    close: () => client.destroy(),
  };
}
