import { createFakeCdn, type FakeCdn } from '../../kit/fake/cdn.ts';
import { createJpegRenderer } from '../../kit/fake/jpeg.ts';
import { createRecorder, type Recorder } from '../../kit/fake/recorder.ts';
import { createScript, type Script } from '../../kit/fake/script.ts';
import type { FalJob } from './jobs.ts';
import type { FakeFalConfig, FakeFalOptions, FalScriptEntry } from './types.ts';

/** Everything one fake fal instance keeps between requests. */
export interface FakeFalState {
  readonly apiKey: string;
  readonly config: FakeFalConfig;
  readonly recorder: Recorder;
  readonly script: Script<FalScriptEntry>;
  readonly jobs: Map<string, FalJob>;
  readonly markerUses: Map<string, number>;
  readonly cdn: FakeCdn;
  readonly render: (width: number, height: number, seed: string) => Promise<Buffer>;
  readonly now: () => number;
  readonly random: () => number;
  reset(): void;
}

export function createFakeFalState(options: FakeFalOptions): FakeFalState {
  const now = options.now ?? Date.now;
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
  const recorder = createRecorder(now, options.recordLimit);
  const script = createScript<FalScriptEntry>();
  const jobs = new Map<string, FalJob>();
  const markerUses = new Map<string, number>();
  return {
    apiKey: options.apiKey ?? 'fake-fal-key',
    config,
    recorder,
    script,
    jobs,
    markerUses,
    cdn: createFakeCdn('/files', () => config.fileTtlSeconds, now),
    render: createJpegRenderer(() => config.outputBytes),
    now,
    random: options.random ?? Math.random,
    reset() {
      recorder.clear();
      script.clear();
      jobs.clear();
      markerUses.clear();
    },
  };
}
