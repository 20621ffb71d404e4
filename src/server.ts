import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { sql } from 'kysely';
import { type ApplicationOverrides, type CoreServices, composeApplication } from './compose.ts';
import type { Config } from './config.ts';
import { serverTimeouts } from './http/server-timeouts.ts';
import type { Logger } from './log.ts';

export interface RunningServer {
  readonly url: string;
  readonly port: number;
  /** The separate /metrics listener's URL, when GOODTAKE_METRICS_LISTEN sets one. */
  readonly metricsUrl: string | undefined;
  /** Stops accepting, lets in-flight requests finish (up to the shutdown timeout), closes. */
  stop(): Promise<void>;
}

/**
 * Runs `body` while holding a PostgreSQL advisory lock, so replicas started together on one
 * database take turns (on SQLite there is one process, or the CLI, and nothing to coordinate).
 */
async function oneReplicaAtATime<T>(core: CoreServices, body: () => Promise<T>): Promise<T> {
  if (core.database.kind !== 'postgres') return body();
  return core.database.db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(hashtext('goodtake: bootstrap default account'))`.execute(
      conn,
    );
    try {
      return await body();
    } finally {
      await sql`select pg_advisory_unlock(hashtext('goodtake: bootstrap default account'))`.execute(
        conn,
      );
    }
  });
}

/**
 * On the first start with an empty database: one account with starting credits and a key.
 * Replicas started at once on a new database create it once, not once each.
 */
export async function bootstrapDefaultAccount(
  core: CoreServices,
  config: Config,
  print: (text: string) => void,
  baseUrl: string,
): Promise<void> {
  await oneReplicaAtATime(core, () => createDefaultAccount(core, config, print, baseUrl));
}

async function createDefaultAccount(
  core: CoreServices,
  config: Config,
  print: (text: string) => void,
  baseUrl: string,
): Promise<void> {
  if ((await core.accounts.count()) > 0) return;
  const account = await core.accounts.create({
    name: 'default',
    credits: config.startingCredits,
  });
  const { key } = await core.keys.create({ accountId: account.id, name: 'default' });
  print(
    [
      '',
      '================================================================================',
      ` Created account "default" (${account.id}) with ${config.startingCredits} credits.`,
      ' Its API key, shown this once only (store it now):',
      '',
      `   ${key}`,
      '',
      ' First request:',
      '',
      `   curl -X POST ${baseUrl}/api/v1/bytedance/generate-image \\`,
      `     -H "Authorization: Bearer ${key}" \\`,
      '     -H "Content-Type: application/json" \\',
      `     -d '{"prompt": "A beautiful sunset over mountains"}'`,
      '================================================================================',
      '',
    ].join('\n'),
  );
}

const LISTEN_BACKLOG = 8192;

/** Starts goodtake: compose, bootstrap, sweep expired reservations, listen, shut down cleanly. */
export async function startServer(
  config: Config,
  log: Logger,
  options: ApplicationOverrides & { print?: (text: string) => void } = {},
): Promise<RunningServer> {
  const print = options.print ?? ((text: string) => process.stderr.write(`${text}\n`));
  const application = await composeApplication(config, log, options);
  const { core, app, router } = application;

  const sweep = async () => {
    try {
      const settled = await core.ledger.sweepExpired();
      for (const s of settled) log.warn(s, 'settled a generation whose reservation lease expired');
      await application.idempotency.purgeExpired();
      await application.consoleSessions.purge();
    } catch (err) {
      log.error({ err }, 'sweeping expired reservations failed');
    }
  };
  await sweep();
  const sweeper = setInterval(
    sweep,
    Math.min(60_000, Math.max(1000, config.reservationLeaseMs / 4)),
  );
  sweeper.unref();

  // A long accept queue: clients that open thousands of connections at once (a burst of long
  // generations) are queued by the kernel instead of dropped and retried seconds later. Node's
  // default is 511; the kernel caps it at net.core.somaxconn.
  const server = createAdaptorServer({
    fetch: app.fetch,
    serverOptions: serverTimeouts(config.http),
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: config.port, host: config.host, backlog: LISTEN_BACKLOG }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const httpServer = server as import('node:http').Server;

  const port = (server.address() as AddressInfo).port;
  // /metrics on a listener of its own (GOODTAKE_METRICS_LISTEN), e.g. loopback or a private
  // network only: no session or token asked there, and none of it on the public port.
  let metricsServer: Server | undefined;
  let metricsUrl: string | undefined;
  if (config.metrics.listen) {
    const { registry } = application.metrics;
    metricsServer = createServer((req, res) => {
      if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found\n');
        return;
      }
      registry.metrics().then(
        (text) => res.writeHead(200, { 'Content-Type': registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
    });
    const listen = config.metrics.listen;
    await new Promise<void>((resolve, reject) => {
      metricsServer!.once('error', reject);
      metricsServer!.listen({ port: listen.port, host: listen.host }, () => resolve());
    });
    const bound = (metricsServer.address() as AddressInfo).port;
    metricsUrl = `http://${listen.host.includes(':') ? `[${listen.host}]` : listen.host}:${bound}/metrics`;
    log.info({ url: metricsUrl }, 'metrics listening');
  }
  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const url = `http://${shownHost}:${port}`;
  // The API is reached at the server itself; PUBLIC_BASE_URL may be a CDN for images only.
  await bootstrapDefaultAccount(core, config, print, url);
  for (const warning of application.warnings) log.warn(warning);
  log.info(
    {
      url,
      providers: router.describe(),
      catalog: config.catalog.source,
      models: config.catalog.models.map(
        (m) => `${m.id} via ${m.routes.map((r) => r.provider).join(' > ')}`,
      ),
      database: core.database.kind,
    },
    'goodtake listening',
  );

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      log.info('shutting down: finishing in-flight requests');
      application.beginShutdown();
      clearInterval(sweeper);
      metricsServer?.close();
      metricsServer?.closeAllConnections();
      const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
      httpServer.closeIdleConnections();
      const timer = setTimeout(() => {
        log.warn('shutdown timeout reached: aborting in-flight generations');
        httpServer.closeAllConnections();
      }, config.shutdownTimeoutMs);
      timer.unref();
      await closed;
      clearTimeout(timer);
      // Queued jobs this process started get the rest of the grace period to finish.
      await application.drainJobs(config.shutdownTimeoutMs);
      await application.close();
      log.info('stopped');
    })();
    return stopping;
  };

  return { url, port, metricsUrl, stop };
}
