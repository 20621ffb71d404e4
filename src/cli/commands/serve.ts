import type { Command } from 'commander';
import { migrateToLatest, openDatabase } from '../../db/database.ts';
import { announceDataDir, type CliIo, configFrom } from '../io.ts';

export function registerServeCommands(program: Command, io: CliIo): void {
  program
    .command('serve')
    .description('Start the HTTP server (PORT, default 8080)')
    .addHelpText('after', '\nExample:\n  PORT=9000 goodtake serve')
    .action(async () => {
      const config = configFrom(io);
      // The server (HTTP app, providers, image processing, metrics) is loaded by this command
      // only: the admin commands registered next to it never import it.
      const [{ createLogger }, { startServer }] = await Promise.all([
        import('../../log.ts'),
        import('../../server.ts'),
      ]);
      const log = createLogger(config.logLevel);
      const server = await startServer(config, log, { print: (t) => io.err(`${t}\n`) });
      await new Promise<void>((resolve) => {
        const onSignal = () => {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          server.stop().then(resolve, (err: unknown) => {
            log.error({ err }, 'shutdown failed');
            resolve();
          });
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      });
    });

  program
    .command('migrate')
    .description('Apply pending database migrations (the server also applies them at start)')
    .action(async () => {
      const config = configFrom(io);
      // Asked for explicitly: migrate may create the database.
      announceDataDir(io, config, { mayCreate: true });
      const handle = await openDatabase(config.databaseUrl);
      try {
        const applied = await migrateToLatest(handle.db);
        if (handle.kind === 'postgres') {
          // The scale-out queue's engine (pg-boss) keeps its own schema beside goodtake's.
          const [{ installEngine, engineSettingsOf }, { createLogger }] = await Promise.all([
            import('../../jobs/engine.ts'),
            import('../../log.ts'),
          ]);
          await installEngine(handle.db, engineSettingsOf(config), createLogger(config.logLevel));
        }
        io.out(applied.length ? `applied: ${applied.join(', ')}\n` : 'database is up to date\n');
      } finally {
        await handle.close();
      }
    });
}
