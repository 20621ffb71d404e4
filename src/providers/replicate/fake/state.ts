import { createFakeCdn, type FakeCdn } from '../../kit/fake/cdn.ts';
import { createJpegRenderer } from '../../kit/fake/jpeg.ts';
import { createRecorder, type Recorder } from '../../kit/fake/recorder.ts';
import { createScript, type Script } from '../../kit/fake/script.ts';
import type { FakePrediction } from './predictions.ts';
import type { FakeReplicateConfig, FakeReplicateOptions, ReplicateScriptEntry } from './types.ts';

/** Everything one fake Replicate keeps between requests. */
export interface FakeReplicateState {
  readonly apiToken: string;
  readonly config: FakeReplicateConfig;
  readonly recorder: Recorder;
  readonly script: Script<ReplicateScriptEntry>;
  readonly predictions: Map<string, FakePrediction>;
  readonly markerUses: Map<string, number>;
  readonly cdn: FakeCdn;
  readonly render: (width: number, height: number, seed: string) => Promise<Buffer>;
  readonly now: () => number;
  readonly random: () => number;
  /** True when a create fits the per-minute limit (and takes a slot); else the wait in s. */
  admitCreate(): true | number;
  reset(): void;
}

export function createFakeReplicateState(options: FakeReplicateOptions): FakeReplicateState {
  const now = options.now ?? Date.now;
  const config: FakeReplicateConfig = {
    queueMs: options.queueMs ?? 0,
    latencyMs: options.latencyMs ?? 0,
    outputBytes: options.outputBytes ?? 'small',
    failureRate: options.failureRate ?? 0,
    createsPerMinute: options.createsPerMinute ?? 600,
    throttleRetryAfterHeader: options.throttleRetryAfterHeader ?? false,
    outputTtlSeconds: options.outputTtlSeconds ?? 3600,
  };
  const recorder = createRecorder(now, options.recordLimit);
  const script = createScript<ReplicateScriptEntry>();
  const predictions = new Map<string, FakePrediction>();
  const markerUses = new Map<string, number>();
  let creates: number[] = [];
  return {
    apiToken: options.apiToken ?? 'r8_fake-replicate-token',
    config,
    recorder,
    script,
    predictions,
    markerUses,
    cdn: createFakeCdn('/delivery', () => config.outputTtlSeconds, now),
    render: createJpegRenderer(() => config.outputBytes),
    now,
    random: options.random ?? Math.random,
    admitCreate() {
      const t = now();
      creates = creates.filter((at) => at > t - 60_000);
      if (creates.length >= config.createsPerMinute) {
        return Math.max(1, Math.ceil(((creates[0] ?? t) + 60_000 - t) / 1000));
      }
      creates.push(t);
      return true;
    },
    reset() {
      recorder.clear();
      script.clear();
      predictions.clear();
      markerUses.clear();
      creates = [];
    },
  };
}
