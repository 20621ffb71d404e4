import type { Command } from 'commander';
import { MAX_CREDIT_AMOUNT } from '../../ledger/limits.ts';
import { type CliIo, table, wholeNumber, withCore } from '../io.ts';

export function registerAccountCommands(program: Command, io: CliIo): void {
  const accounts = program.command('accounts').description('Manage accounts');

  accounts
    .command('create')
    .description('Create an account, optionally with starting credits')
    .requiredOption('--name <name>', 'account name')
    .option('--credits <n>', 'starting credits', wholeNumber('--credits', 0, MAX_CREDIT_AMOUNT), 0)
    .option('--json', 'print {"id": ...} as JSON')
    .addHelpText(
      'after',
      '\nExample:\n  goodtake accounts create --name "Acme" --credits 500 --json',
    )
    .action(async (opts: { name: string; credits: number; json?: boolean }) => {
      const account = await withCore(io, (core) =>
        core.accounts.create({ name: opts.name, credits: opts.credits }),
      );
      io.out(
        opts.json
          ? `${JSON.stringify({ id: account.id, name: account.name, balance: account.balance })}\n`
          : `created account ${account.id} (${account.name}) with ${account.balance} credits\n`,
      );
    });

  accounts
    .command('list')
    .description('List accounts with their balances')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const list = await withCore(io, (core) => core.accounts.list());
      if (opts.json) {
        io.out(`${JSON.stringify(list)}\n`);
        return;
      }
      io.out(
        table(
          list.map((a) => ({
            id: a.id,
            name: a.name,
            balance: a.balance,
            reserved: a.reserved,
            created: new Date(a.createdAt).toISOString(),
          })),
        ),
      );
    });
}
