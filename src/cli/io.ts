import { existsSync } from 'node:fs';
import { type Config, loadConfig } from '../config.ts';

/** What a command may touch of the outside world; tests pass their own. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Set a non-zero exit code without throwing (e.g. `credits verify` found mismatches). */
  fail(code: number): void;
  exitCode(): number;
  /** Standard input, read to its end (`--password-stdin`). */
  readStdin?(): Promise<string>;
  /** Set from the global `--init` option: an admin command may create a new data directory. */
  init?: boolean;
}

export function processIo(): CliIo {
  let code = 0;
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    env: process.env,
    fail: (c) => {
      code = c;
    },
    exitCode: () => code,
    async readStdin() {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}

/** The configuration every command uses: the same environment variables as the server. */
export function configFrom(io: CliIo): Config {
  return loadConfig(io.env);
}

/** Parses a whole number option within [min, max], or throws a usage error naming it. */
export function wholeNumber(name: string, min = 0, max?: number) {
  return (value: string): number => {
    const n = Number(value);
    const tooBig = max !== undefined && (n > max || !Number.isSafeInteger(n));
    if (!/^-?\d+$/.test(value.trim()) || (!tooBig && !Number.isSafeInteger(n)) || n < min) {
      throw new Error(`${name} must be a whole number >= ${min}, got '${value}'`);
    }
    if (tooBig) {
      throw new Error(
        `${name} must be at most ${max.toLocaleString('en-US')} (the largest single amount the ledger accepts), got '${value}'`,
      );
    }
    return n;
  };
}

/** Prints rows as an aligned text table. */
export function table(rows: ReadonlyArray<Record<string, string | number | null>>): string {
  if (rows.length === 0) return '(none)\n';
  const headers = Object.keys(rows[0]!);
  const cells = rows.map((r) => headers.map((h) => String(r[h] ?? '-')));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (cols: string[]) =>
    cols
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return `${[line(headers), ...cells.map(line)].join('\n')}\n`;
}

/**
 * Runs a command body with the core services open, closing them afterwards. Admin commands
 * need the database and its services only (src/compose.ts's openCore), never the server's half of the
 * composition root: no HTTP app, image processing or metrics is loaded for them.
 */
export async function withCore<T>(
  io: CliIo,
  body: (core: import('../compose.ts').CoreServices) => Promise<T>,
): Promise<T> {
  const { openCore } = await import('../compose.ts');
  const config = configFrom(io);
  announceDataDir(io, config, { mayCreate: io.init === true });
  const core = await openCore(config, { migrate: config.autoMigrate });
  try {
    return await body(core);
  } finally {
    await core.close();
  }
}

/** A database URL with its password masked, for messages. */
function shownDatabase(url: string): string {
  return url.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1****@');
}

/**
 * Says on stderr which data directory and database an admin command uses, and refuses to
 * create a new SQLite database (and key secret) unless asked (`--init`): run from another
 * folder, the default `./data` is a different, empty installation.
 */
export function announceDataDir(io: CliIo, config: Config, options: { mayCreate: boolean }): void {
  io.err(
    `goodtake: data directory ${config.dataDir}, database ${shownDatabase(config.databaseUrl)}\n`,
  );
  if (!config.databaseUrl.startsWith('sqlite:')) return;
  const file = config.databaseUrl.slice('sqlite:'.length);
  if (file === ':memory:' || existsSync(file) || options.mayCreate) return;
  throw new Error(
    `there is no goodtake database at ${file}. Run the command where the server runs, set GOODTAKE_DATA_DIR (or DATABASE_URL) to its data directory, or pass --init to create a new installation here`,
  );
}
