import { createFakeBase, type FakeBase, resetFakeBase } from '../../kit/fake/base.ts';
import type { FalJob } from './jobs.ts';
import type { FakeFalConfig, FakeFalOptions, FalScriptEntry } from './types.ts';

/** Everything one fake fal instance keeps between requests. */
export interface FakeFalState {
  readonly apiKey: string;
  readonly config: FakeFalConfig;
  readonly base: FakeBase<FalScriptEntry>;
  readonly jobs: Map<string, FalJob>;
  reset(): void;
}

export function createFakeFalState(options: FakeFalOptions): FakeFalState {
  const config: FakeFalConfig = {
    queueMs: options.queueMs ?? 0,
    latencyMs: options.latencyMs ?? 0,
    outputBytes: options.outputBytes ?? 'small',
    failureRate: options.failureRate ?? 0,
    pathShape: options.pathShape ?? 'app',
    v4SizeRule: options.v4SizeRule ?? 'sides',
    cancelReply: options.cancelReply ?? 'accepted',
    fileTtlSeconds: options.fileTtlSeconds ?? 7 * 86_400,
  };
  const base = createFakeBase<FalScriptEntry>({
    ...options,
    cdnPrefix: '/files',
    ttlSeconds: () => config.fileTtlSeconds,
    outputBytes: () => config.outputBytes,
  });
  const jobs = new Map<string, FalJob>();
  return {
    apiKey: options.apiKey ?? 'fake-fal-key',
    config,
    base,
    jobs,
    reset() {
      resetFakeBase(base);
      jobs.clear();
    },
  };
}
