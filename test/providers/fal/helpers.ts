import {
  type FakeFal,
  type FakeFalOptions,
  startFakeFal,
} from '../../../src/providers/fal/fake/server.ts';
import type { FalOptions } from '../../../src/providers/fal/options.ts';
import { createFalProvider } from '../../../src/providers/fal/provider.ts';
import { makeQueueProvider, track } from '../queue-harness.ts';

export async function startFake(options: FakeFalOptions = {}): Promise<FakeFal> {
  return track(await startFakeFal(options));
}

/** A fal provider against the fake. */
export function makeProvider(
  fake: FakeFal,
  overrides: Partial<FalOptions> & { fetch?: typeof fetch } = {},
) {
  return makeQueueProvider(
    createFalProvider,
    { apiKey: fake.apiKey, baseUrl: fake.url },
    overrides,
  );
}

/** The JSON input of the n-th submission the fake received. */
export function submitted(fake: FakeFal, n = 0): Record<string, unknown> {
  const request = fake.submissions()[n];
  if (!request) throw new Error(`the fake received no submission #${n}`);
  return request.body as Record<string, unknown>;
}
