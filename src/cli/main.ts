import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { ConfigError } from '../config.ts';
import { registerAccountCommands } from './commands/accounts.ts';
import { registerCreditCommands } from './commands/credits.ts';
import { registerExportImportCommands } from './commands/export-import.ts';
import { registerKeyCommands } from './commands/keys.ts';
import { registerServeCommands } from './commands/serve.ts';
import { registerUsageCommand } from './commands/usage.ts';
import { registerUserCommands } from './commands/users.ts';
import { registerWebhookCommands } from './commands/webhooks.ts';
import { registerWorkerCommand } from './commands/worker.ts';
import { type CliIo, processIo } from './io.ts';

/** The version in package.json. */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  return String(pkg.version);
}

/** Builds the `goodtake` command line. `io` is injectable so tests can run it in-process. */
export function buildCli(io: CliIo): Command {
  const program = new Command('goodtake')
    .description('goodtake: a self-hostable GoodTake Seedream image API, and its admin tools')
    .showHelpAfterError()
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .exitOverride()
    .version(packageVersion(), '-V, --version', 'print the version of goodtake')
    .option('--init', 'let an admin command create a new data directory and database')
    .hook('preAction', (thisCommand) => {
      io.init = thisCommand.opts().init === true;
    })
    .addHelpText(
      'after',
      '\nAPI client commands (for callers of the API; see `goodtake generate --help`):\n' +
        '  generate, account, generations, models, login, logout',
    );
  registerServeCommands(program, io);
  registerAccountCommands(program, io);
  registerKeyCommands(program, io);
  registerCreditCommands(program, io);
  registerUsageCommand(program, io);
  registerWebhookCommands(program, io);
  registerWorkerCommand(program, io);
  registerExportImportCommands(program, io);
  registerUserCommands(program, io);
  return program;
}

/** Commands of the API client (`@goodtake/cli`), reachable from the same `goodtake` binary. */
const CLIENT_COMMANDS = new Set([
  'generate',
  'account',
  'generations',
  'models',
  'login',
  'logout',
]);

/** Runs a client command through `@goodtake/cli` (built by `npm install`'s prepare step). */
async function runClientCommand(argv: string[]): Promise<number> {
  const client = await import('@goodtake/cli');
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  return client.runClientCli(argv, client.processIo(controller.signal));
}

/** Runs the CLI; resolves to the process exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  if (argv[0] !== undefined && CLIENT_COMMANDS.has(argv[0])) return runClientCommand(argv);
  try {
    await buildCli(io).parseAsync(argv, { from: 'user' });
    return io.exitCode();
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof ConfigError) {
      io.err(`${err.message}\n`);
      return 2;
    }
    io.err(`error: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

/** The process entry point used by bin/goodtake.js. */
export async function main(): Promise<void> {
  const code = await runCli(process.argv.slice(2), processIo());
  process.exitCode = code;
}
