import { afterEach } from 'vitest';
import { createFetchClient } from '../../../src/providers/kit/http-client.ts';
import type { ImageProvider } from '../../../src/providers/provider.ts';
import {
  type FakeReplicate,
  type FakeReplicateOptions,
  startFakeReplicate,
} from '../../../src/providers/replicate/fake/server.ts';
import type { ReplicateOptions } from '../../../src/providers/replicate/options.ts';
import { createReplicateProvider } from '../../../src/providers/replicate/provider.ts';
import { captureLogger, shortSleep } from '../helpers.ts';

/** The poll interval the tests use; backoff waits are told apart from polls by it. */
export const POLL_MS = 7;

const running: Array<FakeReplicate | ImageProvider> = [];
afterEach(async () => {
  // Providers first: closing one waits for its late cancels to reach the fake.
  const all = running.splice(0);
  for (const r of all) if ('generate' in r) await r.close?.();
  await Promise.all(all.flatMap((r) => ('generate' in r ? [] : [r.close()])));
});

export async function startFake(options: FakeReplicateOptions = {}): Promise<FakeReplicate> {
  const fake = await startFakeReplicate(options);
  running.push(fake);
  return fake;
}

/** A Replicate provider against the fake (short real sleeps, waits recorded, captured log). */
export function makeProvider(
  fake: FakeReplicate,
  overrides: Partial<ReplicateOptions> & { fetch?: typeof fetch } = {},
) {
  const logs = captureLogger();
  const sleeper = shortSleep();
  const { fetch: fetchFn, ...options } = overrides;
  const provider = createReplicateProvider({
    apiToken: fake.apiToken,
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

/** The `input` of the n-th create the fake received. */
export function sentInput(fake: FakeReplicate, n = 0): Record<string, unknown> {
  const request = fake.creates()[n];
  if (!request) throw new Error(`the fake received no create #${n}`);
  return (request.body as { input: Record<string, unknown> }).input;
}
