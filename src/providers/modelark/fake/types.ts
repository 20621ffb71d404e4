import type { OutputBytes } from '../../kit/fake/jpeg.ts';
import type { RecordedRequest } from '../../kit/fake/recorder.ts';
import type { ScriptedResponse } from './script.ts';

export type { RecordedRequest };

import type { FakeFlavor } from './validate.ts';

export interface FakeModelArkOptions {
  /** Default 0 (any free port). */
  readonly port?: number;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default `fake-ark-key`. */
  readonly apiKey?: string;
  /** Model-id scheme accepted. Default both. */
  readonly flavor?: FakeFlavor;
  /** Latency per generated image. Default 0. */
  readonly latencyMs?: number;
  /** Output JPEG size. Default `small`. */
  readonly outputBytes?: OutputBytes;
  /** Share of valid requests answered 500 InternalServiceError. Default 0. */
  readonly failureRate?: number;
  /** Lifetime of result URLs. Default 86400. */
  readonly urlTtlSeconds?: number;
  /** The upstream's per-model IPM limit, answered with 429. Default: none. */
  readonly imagesPerMinute?: number;
  /** Reference image byte limit. Default 10 MiB. */
  readonly maxImageBytes?: number;
  /** Requests kept for inspection; older ones are dropped. Default 10000. */
  readonly recordLimit?: number;
  readonly now?: () => number;
  readonly random?: () => number;
}

/** Settings that can change while the fake runs (`POST /__fake/config`). */
export interface FakeConfig {
  latencyMs: number;
  failureRate: number;
  urlTtlSeconds: number;
  outputBytes: OutputBytes;
  imagesPerMinute: number | undefined;
}

export interface FakeModelArk {
  /** Base URL including `/api/v3`. */
  readonly url: string;
  readonly origin: string;
  readonly apiKey: string;
  /** Everything received except the control API, oldest first. */
  readonly requests: readonly RecordedRequest[];
  /** The bodies of `POST /api/v3/images/generations`, oldest first. */
  generations(): RecordedRequest[];
  script(...responses: ScriptedResponse[]): void;
  configure(patch: Partial<FakeConfig>): void;
  /** Forgets requests, scripted replies and marker counters. */
  reset(): void;
  close(): Promise<void>;
}

/** The known settings of a config patch, ignoring anything else. */
export function pickConfig(patch: Partial<FakeConfig>): Partial<FakeConfig> {
  const out: Partial<FakeConfig> = {};
  if (typeof patch.latencyMs === 'number') out.latencyMs = patch.latencyMs;
  if (typeof patch.failureRate === 'number') out.failureRate = patch.failureRate;
  if (typeof patch.urlTtlSeconds === 'number') out.urlTtlSeconds = patch.urlTtlSeconds;
  if (patch.outputBytes === 'small' || typeof patch.outputBytes === 'number')
    out.outputBytes = patch.outputBytes;
  if ('imagesPerMinute' in patch) {
    // A number sets the limit; null (JSON) or undefined lifts it.
    const ipm: unknown = patch.imagesPerMinute;
    if (typeof ipm === 'number') out.imagesPerMinute = ipm;
    else if (ipm === null || ipm === undefined) out.imagesPerMinute = undefined;
  }
  return out;
}
