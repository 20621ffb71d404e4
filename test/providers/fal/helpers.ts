import { afterEach } from 'vitest';
import {
  type FakeFal,
  type FakeFalOptions,
  startFakeFal,
} from '../../../src/providers/fal/fake/server.ts';
import type { FalOptions } from '../../../src/providers/fal/options.ts';
import { createFalProvider } from '../../../src/providers/fal/provider.ts';
import { createFetchClient } from '../../../src/providers/kit/http-client.ts';
import type { ImageProvider } from '../../../src/providers/provider.ts';
import { captureLogger, shortSleep } from '../helpers.ts';

/** The poll interval the tests use; backoff waits are told apart from polls by it. */
export const POLL_MS = 7;

const running: Array<FakeFal | ImageProvider> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => ('generate' in r ? r.close?.() : r.close())));
});

export async function startFake(options: FakeFalOptions = {}): Promise<FakeFal> {
  const fake = await startFakeFal(options);
  running.push(fake);
  return fake;
}

/**
 * A fal provider against the fake: short real sleeps (waits recorded), a captured log, and
 * `fetch` for fault injection in front of the wire.
 */
export function makeProvider(
  fake: FakeFal,
  overrides: Partial<FalOptions> & { fetch?: typeof fetch } = {},
) {
  const logs = captureLogger();
  const sleeper = shortSleep();
  const { fetch: fetchFn, ...options } = overrides;
  const provider = createFalProvider({
    apiKey: fake.apiKey,
    baseUrl: fake.url,
    log: logs.log,
    sleep: sleeper.sleep,
    random: () => 0.5,
    pollIntervalMs: POLL_MS,
    ...(fetchFn ? { http: createFetchClient(fetchFn) } : {}),
    ...options,
  });
  running.push(provider);
  const backoffs = () => sleeper.waits.filter((w) => w !== POLL_MS);
  return { provider, logs, waits: sleeper.waits, backoffs };
}

/** The JSON input of the n-th submission the fake received. */
export function submitted(fake: FakeFal, n = 0): Record<string, unknown> {
  const request = fake.submissions()[n];
  if (!request) throw new Error(`the fake received no submission #${n}`);
  return request.body as Record<string, unknown>;
}
