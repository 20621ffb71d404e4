import type { OutputBytes } from '../../kit/fake/jpeg.ts';
import type { RecordedRequest } from '../../kit/fake/recorder.ts';

export type { RecordedRequest };

/** An error reply to a create, in Replicate's problem shape. */
export interface ReplicateScriptedError {
  readonly status: number;
  readonly title?: string;
  readonly detail?: string;
  readonly invalidFields?: readonly {
    readonly type: string;
    readonly field: string;
    readonly description: string;
  }[];
  /** Seconds, as `Retry-After` (whether Replicate sends it is UNCERTAIN). */
  readonly retryAfter?: number;
  /** A body sent as is. */
  readonly body?: unknown;
}

/**
 * What one create that passes auth and validation does (`fake.script()` or
 * `POST /__fake/script`). Without any field the prediction runs normally.
 */
export interface ReplicateScriptEntry {
  readonly times?: number;
  readonly createError?: ReplicateScriptedError;
  /** Cut the connection instead of answering the create. */
  readonly drop?: boolean;
  /** Time `starting`, then `processing`. */
  readonly queueMs?: number;
  readonly latencyMs?: number;
  /** The prediction fails with this `error` text. */
  readonly fail?: string;
  /** The output file is already deleted (404) though the prediction lists it. */
  readonly expiredOutput?: boolean;
  /** The prediction succeeded but its data was removed: `output: null`, `data_removed: true`. */
  readonly dataRemoved?: boolean;
  /** `output` as one URI string instead of an array. */
  readonly outputAsString?: boolean;
  /** This many polls are answered with `pollErrorCode` (default 503) first. */
  readonly pollErrors?: number;
  readonly pollErrorCode?: number;
  /** The prediction object has no `urls` (the client must use `Location`). */
  readonly omitUrls?: boolean;
}

export interface FakeReplicateOptions {
  readonly port?: number;
  readonly host?: string;
  /** Default `r8_fake-replicate-token`. */
  readonly apiToken?: string;
  readonly queueMs?: number;
  readonly latencyMs?: number;
  readonly outputBytes?: OutputBytes;
  /** Share of predictions that fail. Default 0. */
  readonly failureRate?: number;
  /** Prediction creates per minute before 429. Default 600. */
  readonly createsPerMinute?: number;
  /** Send `Retry-After` on 429 besides the hint in the body. Default false. */
  readonly throttleRetryAfterHeader?: boolean;
  /** Outputs are deleted this long after completion. Default 3600. */
  readonly outputTtlSeconds?: number;
  readonly recordLimit?: number;
  readonly now?: () => number;
  readonly random?: () => number;
}

export interface FakeReplicateConfig {
  queueMs: number;
  latencyMs: number;
  outputBytes: OutputBytes;
  failureRate: number;
  createsPerMinute: number;
  throttleRetryAfterHeader: boolean;
  outputTtlSeconds: number;
}

export interface FakeReplicate {
  /** The API base, `…/v1`. */
  readonly url: string;
  readonly origin: string;
  readonly apiToken: string;
  readonly requests: readonly RecordedRequest[];
  creates(): RecordedRequest[];
  polls(): RecordedRequest[];
  cancels(): RecordedRequest[];
  downloads(): RecordedRequest[];
  script(...entries: ReplicateScriptEntry[]): void;
  configure(patch: Partial<FakeReplicateConfig>): void;
  reset(): void;
  close(): Promise<void>;
}

export function pickReplicateConfig(patch: Record<string, unknown>): Partial<FakeReplicateConfig> {
  const out: Partial<FakeReplicateConfig> = {};
  for (const key of [
    'queueMs',
    'latencyMs',
    'failureRate',
    'createsPerMinute',
    'outputTtlSeconds',
  ] as const) {
    if (typeof patch[key] === 'number') out[key] = patch[key];
  }
  if (patch.outputBytes === 'small' || typeof patch.outputBytes === 'number')
    out.outputBytes = patch.outputBytes;
  if (typeof patch.throttleRetryAfterHeader === 'boolean') {
    out.throttleRetryAfterHeader = patch.throttleRetryAfterHeader;
  }
  return out;
}
