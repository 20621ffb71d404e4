import { readFileSync } from 'node:fs';
import { VERSION as SDK_VERSION } from '@goodtake/sdk';
import { account } from './commands/account.ts';
import { generate } from './commands/generate.ts';
import { generations } from './commands/generations.ts';
import { login, logout } from './commands/login.ts';
import { models } from './commands/models.ts';
import type { CommandContext } from './context.ts';
import { describeError, EXIT, exitCodeFor, UsageError } from './errors.ts';
import { type CommandName, HELP } from './help.ts';
import type { ClientCliIo } from './io.ts';

const COMMANDS: Record<
  CommandName,
  (args: readonly string[], ctx: CommandContext) => Promise<number>
> = {
  generate,
  account,
  generations,
  models,
  login,
  logout,
};

/** Flags that may come before the command name: `goodtake --base-url URL account`. */
const LEADING_FLAGS = new Set(['--api-key', '--base-url', '--timeout']);

function isCommand(name: string | undefined): name is CommandName {
  return name !== undefined && Object.hasOwn(COMMANDS, name);
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  return `goodtake ${pkg.version} (@goodtake/sdk ${SDK_VERSION})\n`;
}

/** Whether `--help`/`-h` is among the options (before any `--`). */
function wantsHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/**
 * Runs the client commands (`generate`, `account`, `generations`, `models`, `login`, `logout`, `help`)
 * and resolves to the exit code; it never calls `process.exit`. The server's admin CLI
 * delegates to it with its own `io`.
 *
 * @example
 * ```ts
 * import { processIo, runClientCli } from '@goodtake/cli';
 *
 * process.exitCode = await runClientCli(['account'], processIo());
 * ```
 */
export async function runClientCli(argv: readonly string[], io: ClientCliIo): Promise<number> {
  const leading: string[] = [];
  let i = 0;
  while (i < argv.length && LEADING_FLAGS.has(argv[i]!.split('=')[0]!)) {
    const takesNext = !argv[i]!.includes('=');
    leading.push(...argv.slice(i, i + (takesNext ? 2 : 1)));
    i += takesNext ? 2 : 1;
  }
  const name = argv[i];
  const args = [...argv.slice(i + 1), ...leading];
  const ctx: CommandContext = { io };

  if (name === '--version' || name === '-v' || name === 'version') {
    io.stdout(version());
    return EXIT.ok;
  }
  if (name === 'help' || name === '--help' || name === '-h') {
    const topic = args[0];
    if (topic !== undefined && !isCommand(topic)) {
      io.stderr(describeError(new UsageError(`unknown command '${topic}'`), ctx));
      return EXIT.usage;
    }
    io.stdout(HELP[topic ?? 'help']);
    return EXIT.ok;
  }
  if (name === undefined) {
    io.stderr(HELP.help);
    return EXIT.usage;
  }
  if (!isCommand(name)) {
    io.stderr(describeError(new UsageError(`unknown command '${name}'`), ctx));
    return EXIT.usage;
  }
  if (wantsHelp(args)) {
    io.stdout(HELP[name]);
    return EXIT.ok;
  }
  try {
    return await COMMANDS[name](args, ctx);
  } catch (err) {
    io.stderr(describeError(err, ctx));
    return exitCodeFor(err);
  }
}
