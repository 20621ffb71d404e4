import { type Config, loadConfig } from '../config.ts';

/** What a command may touch of the outside world; tests pass their own. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Set a non-zero exit code without throwing (e.g. `credits verify` found mismatches). */
  fail(code: number): void;
  exitCode(): number;
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
  const core = await openCore(config, { migrate: config.autoMigrate });
  try {
    return await body(core);
  } finally {
    await core.close();
  }
}
