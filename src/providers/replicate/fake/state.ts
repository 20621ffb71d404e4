import { createFakeBase, type FakeBase, resetFakeBase } from '../../kit/fake/base.ts';
import type { FakePrediction } from './predictions.ts';
import type { FakeReplicateConfig, FakeReplicateOptions, ReplicateScriptEntry } from './types.ts';

/** Everything one fake Replicate keeps between requests. */
export interface FakeReplicateState {
  readonly apiToken: string;
  readonly config: FakeReplicateConfig;
  readonly base: FakeBase<ReplicateScriptEntry>;
  readonly predictions: Map<string, FakePrediction>;
  /** True when a create fits the per-minute limit (and takes a slot); else the wait in s. */
  admitCreate(): true | number;
  reset(): void;
}

export function createFakeReplicateState(options: FakeReplicateOptions): FakeReplicateState {
  const config: FakeReplicateConfig = {
    queueMs: options.queueMs ?? 0,
    latencyMs: options.latencyMs ?? 0,
    outputBytes: options.outputBytes ?? 'small',
    failureRate: options.failureRate ?? 0,
    createsPerMinute: options.createsPerMinute ?? 600,
    throttleRetryAfterHeader: options.throttleRetryAfterHeader ?? false,
    outputTtlSeconds: options.outputTtlSeconds ?? 3600,
  };
  const base = createFakeBase<ReplicateScriptEntry>({
    ...options,
    cdnPrefix: '/delivery',
    ttlSeconds: () => config.outputTtlSeconds,
    outputBytes: () => config.outputBytes,
  });
  const predictions = new Map<string, FakePrediction>();
  let creates: number[] = [];
  return {
    apiToken: options.apiToken ?? 'r8_fake-replicate-token',
    config,
    base,
    predictions,
    admitCreate() {
      const t = base.now();
      creates = creates.filter((at) => at > t - 60_000);
      if (creates.length >= config.createsPerMinute) {
        return Math.max(1, Math.ceil(((creates[0] ?? t) + 60_000 - t) / 1000));
      }
      creates.push(t);
      return true;
    },
    reset() {
      resetFakeBase(base);
      predictions.clear();
      creates = [];
    },
  };
}
