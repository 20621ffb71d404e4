import type { Command } from 'commander';
import { MAX_CREDIT_AMOUNT } from '../../ledger/limits.ts';
import { type CliIo, wholeNumber, withCore } from '../io.ts';

export function registerCreditCommands(program: Command, io: CliIo): void {
  const credits = program.command('credits').description('Grant, inspect and verify credits');

  credits
    .command('grant')
    .description('Add credits to an account (a ledger grant)')
    .requiredOption('--account <id>', 'account id')
    .requiredOption('--amount <n>', 'credits to add', wholeNumber('--amount', 1, MAX_CREDIT_AMOUNT))
    .option('--reason <text>', 'why, for the ledger', 'operator grant')
    .addHelpText('after', '\nExample:\n  goodtake credits grant --account acc_... --amount 1000')
    .action(async (opts: { account: string; amount: number; reason: string }) => {
      const balance = await withCore(io, (core) =>
        core.ledger.grant(opts.account, opts.amount, opts.reason),
      );
      io.out(
        `granted ${opts.amount}; balance ${balance.balance} (available ${balance.available})\n`,
      );
    });

  credits
    .command('balance')
    .description("Show an account's balance")
    .requiredOption('--account <id>', 'account id')
    .option('--json', 'print JSON')
    .action(async (opts: { account: string; json?: boolean }) => {
      const balance = await withCore(io, (core) => core.ledger.balance(opts.account));
      if (!balance) throw new Error(`no account ${opts.account}`);
      io.out(
        opts.json
          ? `${JSON.stringify({ account: balance.accountId, balance: balance.balance, reserved: balance.reserved, available: balance.available })}\n`
          : `balance ${balance.balance}, reserved ${balance.reserved}, available ${balance.available}\n`,
      );
    });

  credits
    .command('verify')
    .description('Recompute every balance from the ledger entries; exits 1 on any mismatch')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }) => {
      const mismatches = await withCore(io, (core) => core.ledger.verify());
      if (opts.json) io.out(`${JSON.stringify({ ok: mismatches.length === 0, mismatches })}\n`);
      else if (mismatches.length === 0)
        io.out('ledger verified: every balance matches its entries\n');
      else {
        for (const m of mismatches) {
          io.out(
            `MISMATCH ${m.accountId} ${m.field}: expected ${m.expected}, found ${m.actual} (${m.detail})\n`,
          );
        }
      }
      if (mismatches.length > 0) io.fail(1);
    });
}
