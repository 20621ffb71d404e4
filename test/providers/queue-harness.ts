import { afterEach } from 'vitest';
import { createFetchClient } from '../../src/providers/kit/http-client.ts';
import type { QueueAdapterOptions } from '../../src/providers/kit/options.ts';
import type { ImageProvider } from '../../src/providers/provider.ts';
import { captureLogger, shortSleep } from './helpers.ts';

/** The poll interval the tests use; backoff waits are told apart from polls by it. */
export const POLL_MS = 7;

type Closable = { close(): Promise<void> } | ImageProvider;
const running: Closable[] = [];
afterEach(async () => {
  // Providers first: closing one waits for its late cancels to reach the fake.
  const all = running.splice(0);
  for (const r of all) if ('generate' in r) await r.close?.();
  await Promise.all(all.flatMap((r) => ('generate' in r ? [] : [r.close()])));
});

/** Closes `thing` after the test. */
export function track<T extends Closable>(thing: T): T {
  running.push(thing);
  return thing;
}

/**
 * A job-queue provider against a fake: short real sleeps (waits recorded), a captured log,
 * and `fetch` for fault injection in front of the wire.
 */
export function makeQueueProvider<O extends QueueAdapterOptions>(
  create: (options: O) => ImageProvider,
  target: Omit<O, keyof QueueAdapterOptions>,
  overrides: Partial<O> & { fetch?: typeof fetch },
) {
  const logs = captureLogger();
  const sleeper = shortSleep();
  const { fetch: fetchFn, ...options } = overrides;
  const provider = track(
    create({
      ...target,
      log: logs.log,
      sleep: sleeper.sleep,
      random: () => 0.5,
      pollIntervalMs: POLL_MS,
      ...(fetchFn ? { http: createFetchClient(fetchFn) } : {}),
      ...options,
    } as O),
  );
  const backoffs = () => sleeper.waits.filter((w) => w !== POLL_MS);
  return { provider, logs, waits: sleeper.waits, backoffs };
}
