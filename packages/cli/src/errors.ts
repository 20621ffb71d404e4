import {
  AbortError,
  AuthenticationError,
  ConnectionError,
  GoodTakeError,
  InsufficientCreditsError,
  RateLimitError,
  TimeoutError,
} from '@goodtake/sdk';

/** The process exit codes, as documented in `goodtake help`. */
export const EXIT = {
  ok: 0,
  /** Anything else: a file could not be written, a bug. */
  failure: 1,
  usage: 2,
  /** The API answered with an error (4xx, 5xx). */
  api: 3,
  /** No answer: connection refused or reset, DNS, timeout. */
  network: 4,
  /** Interrupted (Ctrl-C), as shells report SIGINT. */
  interrupted: 130,
} as const;

/** A mistake in how the command was called: exit 2, with a pointer to the help. */
export class UsageError extends Error {
  override name = 'UsageError';
  /** The command whose help to point at. */
  readonly command: string | undefined;
  constructor(message: string, command?: string) {
    super(message);
    this.command = command;
  }
}

/** The exit code for an error thrown by a command. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof UsageError) return EXIT.usage;
  if (err instanceof AbortError) return EXIT.interrupted;
  if (err instanceof ConnectionError || err instanceof TimeoutError) return EXIT.network;
  if (err instanceof GoodTakeError) return EXIT.api;
  return EXIT.failure;
}

/** What to print for an error: the message, then whatever helps the user act on it. */
export function describeError(err: unknown, context: { baseURL?: string | undefined }): string {
  if (err instanceof UsageError) {
    const help = err.command ? `goodtake ${err.command} --help` : 'goodtake help';
    return `goodtake: ${err.message}\nRun '${help}' for usage.\n`;
  }
  if (!(err instanceof GoodTakeError)) {
    return `goodtake: ${err instanceof Error ? err.message : String(err)}\n`;
  }
  if (err instanceof AbortError) return 'goodtake: interrupted\n';
  const lines = [`goodtake: ${err.message}`];
  if (err.field) lines.push(`  field: ${err.field}`);
  if (err instanceof AuthenticationError) {
    lines.push(
      `  The API key was refused by ${context.baseURL}. Log in again with 'goodtake login --key gt_...', or check GOODTAKE_API_KEY.`,
    );
  } else if (err instanceof InsufficientCreditsError) {
    lines.push("  Nothing was charged. See your balance with 'goodtake account'.");
  } else if (err instanceof RateLimitError && err.retryAfter !== undefined) {
    lines.push(`  Try again in ${err.retryAfter} s.`);
  } else if (err instanceof ConnectionError) {
    lines.push(
      `  Could not reach ${context.baseURL}. Is it right (--base-url, GOODTAKE_BASE_URL) and up?`,
    );
  } else if (err instanceof TimeoutError) {
    lines.push('  The generation may still finish on the server; a longer --timeout may help.');
  }
  if (err.requestId) lines.push(`  request id: ${err.requestId}`);
  return `${lines.join('\n')}\n`;
}
