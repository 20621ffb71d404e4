import type { Command } from 'commander';
import { type CliIo, configFrom, withCore } from '../io.ts';

/** `goodtake users create`: the first operator, and members, for the web console. */
export function registerUserCommands(program: Command, io: CliIo): void {
  const users = program
    .command('users')
    .description('Manage the people who sign in to the console');

  users
    .command('create')
    .description(
      'Create a console user; prints a one-time set-password link unless --password-stdin is given',
    )
    .requiredOption('--email <email>', 'their email (what they sign in with)')
    .option('--role <role>', 'operator or member', 'member')
    .option('--account <id>', "a member's account (acc_...)")
    .option('--password-stdin', 'read the password from standard input')
    .option('--json', 'print JSON')
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  goodtake users create --email ops@example.com --role operator\n' +
        '  printf %s "$PASSWORD" | goodtake users create --email ops@example.com --role operator --password-stdin\n' +
        '  goodtake users create --email dana@acme.example --role member --account acc_...',
    )
    .action(
      async (opts: {
        email: string;
        role: string;
        account?: string;
        passwordStdin?: boolean;
        json?: boolean;
      }) => {
        // Loaded by this command only: other commands start no slower for it.
        const [{ createAuditLog }, { passwordProblem }, { createUserService, normalizeEmail }] =
          await Promise.all([
            import('../../console/audit.ts'),
            import('../../console/users/passwords.ts'),
            import('../../console/users/users.ts'),
          ]);
        const email = normalizeEmail(opts.email);
        if (!email) throw new Error(`--email is not an address: '${opts.email}'`);
        if (opts.role !== 'operator' && opts.role !== 'member') {
          throw new Error(`--role must be operator or member, got '${opts.role}'`);
        }
        if (opts.role === 'member' && !opts.account) {
          throw new Error('a member needs --account acc_...');
        }
        if (opts.role === 'operator' && opts.account) {
          throw new Error('an operator belongs to no account: leave out --account');
        }
        let password: string | undefined;
        if (opts.passwordStdin) {
          if (!io.readStdin) throw new Error('--password-stdin: no standard input here');
          password = (await io.readStdin()).replace(/\r?\n$/, '');
          const problem = passwordProblem(password);
          if (problem) throw new Error(problem);
        }
        const config = configFrom(io);
        const result = await withCore(io, async (core) => {
          const service = createUserService({ db: core.database.db });
          const created = await service.create({
            email,
            role: opts.role as 'operator' | 'member',
            accountId: opts.account ?? null,
            ...(password !== undefined ? { password } : {}),
          });
          if (!created.ok) {
            throw new Error(
              created.reason === 'email_taken'
                ? `there is already a user with the email ${email}`
                : `there is no account ${opts.account}`,
            );
          }
          const link =
            password === undefined ? await service.issueLink(created.user.id, 'invite') : undefined;
          await createAuditLog({ db: core.database.db }).record({
            actor: 'cli',
            action: opts.role === 'operator' ? 'operator_created' : 'member_invited',
            accountId: created.user.accountId,
            target: email,
            detail: link ? 'one-time link printed' : 'password from standard input',
          });
          return { user: created.user, link };
        });
        const base = (config.console.url ?? `http://localhost:${config.port}`).replace(/\/+$/, '');
        const url = result.link ? `${base}/console/#/set-password/${result.link.token}` : null;
        if (opts.json) {
          io.out(
            `${JSON.stringify({
              id: result.user.id,
              email: result.user.email,
              role: result.user.role,
              account_id: result.user.accountId,
              link: url,
              link_expires_at: result.link ? new Date(result.link.expiresAt).toISOString() : null,
            })}\n`,
          );
          return;
        }
        io.out(`created ${result.user.role} ${result.user.email} (${result.user.id})\n`);
        if (url) {
          io.out(
            `one-time link to set the password (works once, until ${new Date(result.link!.expiresAt).toISOString()}):\n  ${url}\n`,
          );
        }
      },
    );
}
