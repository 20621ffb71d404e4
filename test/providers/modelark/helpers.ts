import { afterEach } from 'vitest';
import { createFetchClient } from '../../../src/providers/kit/http-client.ts';
import {
  type FakeModelArk,
  type FakeModelArkOptions,
  startFakeModelArk,
} from '../../../src/providers/modelark/fake/server.ts';
import type { ModelArkOptions } from '../../../src/providers/modelark/options.ts';
import { createModelArkProvider } from '../../../src/providers/modelark/provider.ts';
import { captureLogger, recordingSleep } from '../helpers.ts';

export { captureLogger, makeJob, makeSource, measure, recordingSleep } from '../helpers.ts';

const running: FakeModelArk[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((f) => f.close()));
});

/** Starts a fake on 127.0.0.1 and a free port; closed after the test. */
export async function startFake(options: FakeModelArkOptions = {}): Promise<FakeModelArk> {
  const fake = await startFakeModelArk(options);
  running.push(fake);
  return fake;
}

/** A provider aimed at a fake, with instant sleeps and a captured log unless overridden. */
/**
 * A provider against the fake. `fetch` puts a fault-injecting fetch in front of the wire
 * (through the fetch client); without it the provider uses its default undici client.
 */
export function makeProvider(
  fake: FakeModelArk,
  overrides: Partial<ModelArkOptions> & { fetch?: typeof fetch } = {},
) {
  const logs = captureLogger();
  const sleeper = recordingSleep();
  const { fetch: fetchFn, ...options } = overrides;
  const provider = createModelArkProvider({
    apiKey: fake.apiKey,
    baseUrl: fake.url,
    log: logs.log,
    sleep: sleeper.sleep,
    random: () => 0.5,
    ...(fetchFn ? { http: createFetchClient(fetchFn) } : {}),
    ...options,
  });
  return { provider, logs, waits: sleeper.waits };
}

/** The JSON body of the n-th generation request the fake received. */
export function sentBody(fake: FakeModelArk, n = 0): Record<string, unknown> {
  const request = fake.generations()[n];
  if (!request) throw new Error(`the fake received no generation request #${n}`);
  return request.body as Record<string, unknown>;
}
