import { createJpegRenderer } from '../../kit/fake/jpeg.ts';
import { createRecorder, type RecordedRequest } from '../../kit/fake/recorder.ts';
import { createScript, type Script } from '../../kit/fake/script.ts';
import type { ScriptedResponse } from './script.ts';
import { createFakeStorage, type FakeStorage } from './storage.ts';
import type { FakeConfig, FakeModelArkOptions } from './types.ts';
import type { FakeFlavor } from './validate.ts';

/** Everything one fake instance keeps between requests. */
export interface FakeState {
  readonly apiKey: string;
  readonly flavor: FakeFlavor;
  readonly maxImageBytes: number;
  readonly now: () => number;
  readonly random: () => number;
  readonly config: FakeConfig;
  readonly requests: RecordedRequest[];
  readonly script: Script<ScriptedResponse>;
  /** Uses of `[[fake:status=…,times=N]]` markers, by marker text. */
  readonly markerUses: Map<string, number>;
  readonly storage: FakeStorage;
  readonly render: (width: number, height: number, seed: string) => Promise<Buffer>;
  /** Reads and keeps a request (its body parsed as JSON when it is JSON). */
  record(req: Request): Promise<RecordedRequest>;
  /** True when the model's IPM window has room for `count` more images (and takes them). */
  ipmAllows(model: string, count: number): boolean;
  reset(): void;
}

export function createFakeState(options: FakeModelArkOptions): FakeState {
  const now = options.now ?? Date.now;
  const recordLimit = options.recordLimit ?? 10_000;
  const config: FakeConfig = {
    latencyMs: options.latencyMs ?? 0,
    failureRate: options.failureRate ?? 0,
    urlTtlSeconds: options.urlTtlSeconds ?? 86_400,
    outputBytes: options.outputBytes ?? 'small',
    imagesPerMinute: options.imagesPerMinute,
  };
  const recorder = createRecorder(now, recordLimit);
  const script = createScript<ScriptedResponse>();
  const markerUses = new Map<string, number>();
  const ipmLog = new Map<string, number[]>();

  return {
    apiKey: options.apiKey ?? 'fake-ark-key',
    flavor: options.flavor ?? 'both',
    maxImageBytes: options.maxImageBytes ?? 10 * 1024 * 1024,
    now,
    random: options.random ?? Math.random,
    config,
    requests: recorder.requests,
    script,
    markerUses,
    storage: createFakeStorage({ ttlSeconds: () => config.urlTtlSeconds, now }),
    render: createJpegRenderer(() => config.outputBytes),

    record: recorder.record,

    ipmAllows(model, count) {
      const limit = config.imagesPerMinute;
      if (limit === undefined) return true;
      const t = now();
      const log = (ipmLog.get(model) ?? []).filter((at) => at > t - 60_000);
      ipmLog.set(model, log);
      if (log.length + count > limit) return false;
      for (let i = 0; i < count; i++) log.push(t);
      return true;
    },

    reset() {
      recorder.clear();
      script.clear();
      markerUses.clear();
      ipmLog.clear();
    },
  };
}
