import type { Command } from 'commander';
import { type CliIo, table, wholeNumber, withCore } from '../io.ts';

export function registerKeyCommands(program: Command, io: CliIo): void {
  const keys = program.command('keys').description('Manage API keys');

  keys
    .command('create')
    .description('Create an API key for an account; the key is shown only this once')
    .requiredOption('--account <id>', 'account id')
    .requiredOption('--name <name>', 'a descriptive name, e.g. "Production App"')
    .option(
      '--rpm <n>',
      'requests per minute for this key (default: configured; 0 = unlimited)',
      wholeNumber('--rpm'),
    )
    .option(
      '--concurrency <n>',
      'concurrent generations for this key (default: configured; 0 = unlimited)',
      wholeNumber('--concurrency'),
    )
    .option('--json', 'print {"id": ..., "key": "gt_..."} as JSON')
    .addHelpText(
      'after',
      '\nExample:\n  goodtake keys create --account acc_... --name "Production App" --json',
    )
    .action(
      async (opts: {
        account: string;
        name: string;
        rpm?: number;
        concurrency?: number;
        json?: boolean;
      }) => {
        const created = await withCore(io, async (core) => {
          if (!(await core.accounts.get(opts.account))) {
            throw new Error(`no account ${opts.account}`);
          }
          return core.keys.create({
            accountId: opts.account,
            name: opts.name,
            rpm: opts.rpm ?? null,
            concurrency: opts.concurrency ?? null,
          });
        });
        io.out(
          opts.json
            ? `${JSON.stringify({ id: created.id, key: created.key })}\n`
            : `created key ${created.id}\n\n  ${created.key}\n\nStore it now: it is not shown again.\n`,
        );
      },
    );

  keys
    .command('list')
    .description("List an account's keys (prefixes only; keys are never shown again)")
    .requiredOption('--account <id>', 'account id')
    .option('--json', 'print JSON')
    .action(async (opts: { account: string; json?: boolean }) => {
      const list = await withCore(io, (core) => core.keys.list(opts.account));
      if (opts.json) {
        io.out(`${JSON.stringify(list)}\n`);
        return;
      }
      const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
      io.out(
        table(
          list.map((k) => ({
            id: k.id,
            name: k.name,
            prefix: `${k.prefix}...`,
            rpm: k.limits.rpm ?? 'default',
            concurrency: k.limits.concurrency ?? 'default',
            created: iso(k.createdAt),
            last_used: iso(k.lastUsedAt),
            revoked: iso(k.revokedAt),
          })),
        ),
      );
    });

  keys
    .command('revoke')
    .description('Revoke a key at once')
    .argument('<key-id>', 'key id (key_...)')
    .action(async (id: string) => {
      const revoked = await withCore(io, (core) => core.keys.revoke(id));
      if (!revoked) {
        io.err(`no active key ${id}\n`);
        io.fail(1);
        return;
      }
      io.out(`revoked ${id}\n`);
    });

  keys
    .command('update')
    .description("Change a key's rate limits")
    .argument('<key-id>', 'key id (key_...)')
    .option('--rpm <n>', 'requests per minute (0 = unlimited)', wholeNumber('--rpm'))
    .option(
      '--concurrency <n>',
      'concurrent generations (0 = unlimited)',
      wholeNumber('--concurrency'),
    )
    .addHelpText('after', '\nExample:\n  goodtake keys update key_... --rpm 120 --concurrency 8')
    .action(async (id: string, opts: { rpm?: number; concurrency?: number }) => {
      const updated = await withCore(io, (core) =>
        core.keys.update(id, {
          ...(opts.rpm !== undefined ? { rpm: opts.rpm } : {}),
          ...(opts.concurrency !== undefined ? { concurrency: opts.concurrency } : {}),
        }),
      );
      if (!updated) {
        io.err(`no key ${id}, or nothing to change (give --rpm and/or --concurrency)\n`);
        io.fail(1);
        return;
      }
      io.out(`updated ${id}\n`);
    });
}
