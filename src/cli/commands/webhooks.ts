import type { Command } from 'commander';
import { createWebhookAdmin } from '../../webhooks/webhook-admin.ts';
import { type CliIo, configFrom, table, withCore } from '../io.ts';

/** `goodtake webhooks ...`: an account's signing secret, its deliveries, re-sending one. */
export function registerWebhookCommands(program: Command, io: CliIo): void {
  const webhooks = program
    .command('webhooks')
    .description("Accounts' webhook signing secrets and deliveries");

  const admin = (core: import('../../compose.ts').CoreServices) =>
    createWebhookAdmin({
      db: core.database.db,
      rotationGraceMs: configFrom(io).webhooks.rotationGraceMs,
    });
  const known = async (core: import('../../compose.ts').CoreServices, account: string) => {
    if (!(await admin(core).accountExists(account))) throw new Error(`no account ${account}`);
  };

  webhooks
    .command('secret')
    .description(
      "Show an account's webhook signing secret (whsec_...); --rotate makes a new one, the old one signing as well for GOODTAKE_WEBHOOK_ROTATION_GRACE_HOURS",
    )
    .requiredOption('--account <id>', 'account id')
    .option('--rotate', 'make a new secret')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  goodtake webhooks secret --account acc_... --rotate')
    .action(async (opts: { account: string; rotate?: boolean; json?: boolean }) => {
      const view = await withCore(io, async (core) => {
        await known(core, opts.account);
        return opts.rotate ? admin(core).rotate(opts.account) : admin(core).secret(opts.account);
      });
      if (opts.json) {
        io.out(`${JSON.stringify(view)}\n`);
        return;
      }
      io.out(`${view.secret}\n`);
      if (view.previous_secret) {
        io.out(
          `previous (still signing until ${view.previous_expires_at}): ${view.previous_secret}\n`,
        );
      }
    });

  webhooks
    .command('deliveries')
    .description("An account's webhook deliveries (newest 100) and their attempts")
    .requiredOption('--account <id>', 'account id')
    .option('--generation <id>', "only this generation's")
    .option('--json', 'print JSON')
    .action(async (opts: { account: string; generation?: string; json?: boolean }) => {
      const list = await withCore(io, async (core) => {
        await known(core, opts.account);
        return admin(core).deliveries(opts.account, opts.generation);
      });
      if (opts.json) {
        io.out(`${JSON.stringify(list)}\n`);
        return;
      }
      io.out(
        table(
          list.map((d) => ({
            id: d.id,
            generation: d.generation_id,
            event: d.event_type,
            status: d.status,
            attempts: d.attempts.length,
            last: d.attempts.at(-1)?.status_code ?? d.attempts.at(-1)?.error ?? null,
            next: d.next_attempt_at,
          })),
        ),
      );
    });

  webhooks
    .command('resend')
    .description('Send a delivery again (same webhook-id); the server sends it within a second')
    .requiredOption('--account <id>', 'account id')
    .argument('<delivery>', 'delivery id (dlv_...)')
    .option('--json', 'print JSON')
    .action(async (delivery: string, opts: { account: string; json?: boolean }) => {
      const view = await withCore(io, (core) => admin(core).resend(opts.account, delivery));
      if (!view) throw new Error(`no delivery ${delivery} of account ${opts.account}`);
      io.out(opts.json ? `${JSON.stringify(view)}\n` : `${view.id} queued to be sent again\n`);
    });
}
