import type { Command } from 'commander';
import { createUsageService } from '../../usage/usage.ts';
import { type CliIo, table, wholeNumber, withCore } from '../io.ts';

export function registerUsageCommand(program: Command, io: CliIo): void {
  program
    .command('usage')
    .description("List an account's generations, newest first")
    .requiredOption('--account <id>', 'account id')
    .option('--since <when>', 'only generations since this ISO 8601 date or time')
    .option('--user <id>', "only generations made for this end user (OpenAI's `user`)")
    .option('--limit <n>', 'how many (1-1000)', wholeNumber('--limit', 1), 50)
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  goodtake usage --account acc_... --since 2026-11-01 --json\n  goodtake usage --account acc_... --user customer-42',
    )
    .action(
      async (opts: {
        account: string;
        since?: string;
        user?: string;
        limit: number;
        json?: boolean;
      }) => {
        const since = opts.since === undefined ? undefined : Date.parse(opts.since);
        if (since !== undefined && Number.isNaN(since)) {
          throw new Error(`--since must be an ISO 8601 date or time, got '${opts.since}'`);
        }
        const page = await withCore(io, (core) =>
          createUsageService({ db: core.database.db }).list(opts.account, {
            limit: Math.min(opts.limit, 1000),
            since,
            endUser: opts.user,
          }),
        );
        const rows = page.generations.map((g) => ({
          id: g.id,
          created: new Date(g.createdAt).toISOString(),
          model: g.model,
          size: g.size,
          images: `${g.imagesDelivered}/${g.numberOfImages}`,
          credits: g.creditsCharged,
          status: g.status,
          duration_ms: g.durationMs,
          user: g.endUser ?? '',
        }));
        if (opts.json) {
          io.out(
            `${JSON.stringify(
              page.generations.map((g) => ({
                id: g.id,
                created_at: new Date(g.createdAt).toISOString(),
                model: g.model,
                size: g.size,
                number_of_images: g.numberOfImages,
                images_delivered: g.imagesDelivered,
                credits_charged: g.creditsCharged,
                status: g.status,
                error_code: g.errorCode,
                duration_ms: g.durationMs,
                user: g.endUser,
              })),
            )}\n`,
          );
          return;
        }
        io.out(table(rows));
      },
    );
}
