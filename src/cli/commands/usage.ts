import type { Command } from 'commander';
import { createAttemptRecords } from '../../usage/attempt-records.ts';
import { createUsageService } from '../../usage/usage.ts';
import { type CliIo, table, wholeNumber, withCore } from '../io.ts';

export function registerUsageCommand(program: Command, io: CliIo): void {
  program
    .command('usage')
    .description(
      "List an account's generations, newest first; or, with --by provider, attempts, images, credits and estimated upstream cost per provider",
    )
    .option('--account <id>', 'account id (required unless --by provider: then all accounts)')
    .option('--by <what>', "'provider': totals per upstream provider instead of generations")
    .option('--since <when>', 'only generations since this ISO 8601 date or time')
    .option('--user <id>', "only generations made for this end user (OpenAI's `user`)")
    .option('--limit <n>', 'how many (1-1000)', wholeNumber('--limit', 1), 50)
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  goodtake usage --account acc_... --since 2026-11-01 --json\n  goodtake usage --account acc_... --user customer-42\n  goodtake usage --by provider --since 2026-11-01',
    )
    .action(
      async (opts: {
        account?: string;
        by?: string;
        since?: string;
        user?: string;
        limit: number;
        json?: boolean;
      }) => {
        const since = opts.since === undefined ? undefined : Date.parse(opts.since);
        if (since !== undefined && Number.isNaN(since)) {
          throw new Error(`--since must be an ISO 8601 date or time, got '${opts.since}'`);
        }
        if (opts.by !== undefined) {
          if (opts.by !== 'provider') throw new Error(`--by must be 'provider', got '${opts.by}'`);
          await usageByProvider(io, { since, accountId: opts.account, json: opts.json ?? false });
          return;
        }
        if (opts.account === undefined) {
          throw new Error('--account is required (or --by provider for totals per provider)');
        }
        const account = opts.account;
        const page = await withCore(io, (core) =>
          createUsageService({
            db: core.database.db,
            attempts: createAttemptRecords({ db: core.database.db }),
          }).list(account, {
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

/** Attempts, delivered images, credits charged and estimated upstream cost per provider. */
async function usageByProvider(
  io: CliIo,
  o: { since: number | undefined; accountId: string | undefined; json: boolean },
): Promise<void> {
  const totals = await withCore(io, (core) =>
    createAttemptRecords({ db: core.database.db }).byProvider({
      ...(o.since === undefined ? {} : { since: o.since }),
      ...(o.accountId === undefined ? {} : { accountId: o.accountId }),
    }),
  );
  if (o.json) {
    io.out(
      `${JSON.stringify(
        totals.map((t) => ({
          provider: t.provider,
          attempts: t.attempts,
          images_delivered: t.delivered,
          failed_attempts: t.failed,
          credits_charged: t.credits,
          estimated_cost_usd: Number(t.costUsd.toFixed(6)),
        })),
      )}\n`,
    );
    return;
  }
  io.out(
    table(
      totals.map((t) => ({
        provider: t.provider,
        attempts: t.attempts,
        delivered: t.delivered,
        failed: t.failed,
        credits: t.credits,
        est_cost_usd: t.costUsd.toFixed(2),
      })),
    ),
  );
}
