/** What the CLI may touch of the outside world; the admin CLI and tests pass their own. */
export interface ClientCliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Where relative paths (`--image`, `--out`) start. */
  readonly cwd: string;
  /** Whether stderr is a terminal: the progress indicator shows only then. */
  readonly isTTY: boolean;
  /** Cancels a running command (the standalone binary wires it to Ctrl-C). */
  readonly signal?: AbortSignal | undefined;
}

/** The real process: its streams, environment and directory. */
export function processIo(signal?: AbortSignal): ClientCliIo {
  return {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env,
    cwd: process.cwd(),
    isTTY: process.stderr.isTTY === true,
    signal,
  };
}
