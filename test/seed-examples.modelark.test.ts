import { startFakeModelArk } from '../src/providers/modelark/fake/server.ts';
import type { FakeModelArk } from '../src/providers/modelark/fake/types.ts';
import { defineSeedExamplesSuite } from './helpers/seed-examples-suite.ts';

let fake: FakeModelArk | undefined;

defineSeedExamplesSuite({
  label: 'BytePlus ModelArk provider, fake upstream',
  skipRunScript: true,
  serverEnv: async () => {
    fake = await startFakeModelArk({ latencyMs: 20 });
    return { ARK_API_KEY: fake.apiKey, ARK_BASE_URL: fake.url };
  },
  cleanup: async () => {
    // The examples really went through the upstream: every image came from the fake.
    const calls = fake?.generations().length ?? 0;
    await fake?.close();
    if (calls < 10)
      throw new Error(`expected the examples to reach the fake upstream, saw ${calls} calls`);
  },
});
