import {
  type FakeReplicate,
  type FakeReplicateOptions,
  startFakeReplicate,
} from '../../../src/providers/replicate/fake/server.ts';
import type { ReplicateOptions } from '../../../src/providers/replicate/options.ts';
import { createReplicateProvider } from '../../../src/providers/replicate/provider.ts';
import { makeQueueProvider, track } from '../queue-harness.ts';

export async function startFake(options: FakeReplicateOptions = {}): Promise<FakeReplicate> {
  return track(await startFakeReplicate(options));
}

/** A Replicate provider against the fake. */
export function makeProvider(
  fake: FakeReplicate,
  overrides: Partial<ReplicateOptions> & { fetch?: typeof fetch } = {},
) {
  return makeQueueProvider(
    createReplicateProvider,
    { apiToken: fake.apiToken, baseUrl: fake.url },
    overrides,
  );
}

/** The `input` of the n-th create the fake received. */
export function sentInput(fake: FakeReplicate, n = 0): Record<string, unknown> {
  const request = fake.creates()[n];
  if (!request) throw new Error(`the fake received no create #${n}`);
  return (request.body as { input: Record<string, unknown> }).input;
}
