import type { Command } from 'commander';
import { type CliIo, configFrom } from '../io.ts';

/**
 * `goodtake worker`: runs queued generations (and webhook deliveries) as a process of its own,
 * with no HTTP server, so API replicas and workers scale separately. Run API replicas with
 * GOODTAKE_WORKERS=0 to leave all queued work to workers.
 */
export function registerWorkerCommand(program: Command, io: CliIo): void {
  program
    .command('worker')
    .description(
      'Run queued generations and webhook deliveries without serving HTTP (GOODTAKE_WORKERS at once)',
    )
    .addHelpText(
      'after',
      '\nExample:\n  GOODTAKE_WORKERS=16 DATABASE_URL=postgres://... goodtake worker',
    )
    .action(async () => {
      const config = configFrom(io);
      if (config.jobs.workers === 0) {
        throw new Error('GOODTAKE_WORKERS is 0: a worker with no slots would run nothing');
      }
      // The same composition as the server, loaded by this command only.
      const [{ createLogger }, { composeApplication }] = await Promise.all([
        import('../../log.ts'),
        import('../../compose.ts'),
      ]);
      const log = createLogger(config.logLevel);
      const application = await composeApplication(config, log);
      const sweeper = setInterval(
        () => {
          application.core.ledger.sweepExpired().catch((err: unknown) => {
            log.error({ err }, 'sweeping expired reservations failed');
          });
        },
        Math.min(60_000, Math.max(1000, config.reservationLeaseMs / 4)),
      );
      sweeper.unref();
      log.info(
        {
          workers: config.jobs.workers,
          owner: application.jobs.owner,
          database: application.core.database.kind,
        },
        'goodtake worker running',
      );
      await new Promise<void>((resolve) => {
        const onSignal = () => {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
          log.info('worker stopping: finishing running generations');
          clearInterval(sweeper);
          application.beginShutdown();
          application
            .drainJobs(config.shutdownTimeoutMs)
            .then(() => application.close())
            .then(resolve, (err: unknown) => {
              log.error({ err }, 'worker shutdown failed');
              resolve();
            });
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
      });
    });
}
