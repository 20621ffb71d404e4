import type { OutputBytes } from '../../kit/fake/jpeg.ts';
import type { RecordedRequest } from '../../kit/fake/recorder.ts';

export type { RecordedRequest };

/** Where the status, result and cancel URLs of a request live (CONFLICT §3.2): both are served. */
export type FalPathShape = 'app' | 'full';

/** Which v4 size description the fake enforces for `{width, height}` (CONFLICT §3.3). */
export type FalV4SizeRule = 'sides' | 'pixels';

/** The two documented cancel replies (CONFLICT §3.2). */
export type FalCancelReply = 'accepted' | 'success';

/** An error as fal answers it: an HTTP status, `detail[]`, and its headers. */
export interface FalScriptedError {
  readonly status: number;
  /** `detail[0].type`, also sent as `X-Fal-Error-Type`. */
  readonly type?: string;
  readonly msg?: string;
  readonly loc?: readonly (string | number)[];
  /** `X-Fal-Retryable`; not sent when undefined. */
  readonly retryable?: boolean;
  /** Seconds, as `Retry-After`. */
  readonly retryAfter?: number;
  /** A body sent as is instead of `{detail:[…]}`. */
  readonly body?: unknown;
}

/**
 * What one submission that passes auth and validation does (`fake.script()` or
 * `POST /__fake/script`). Without any field it is queued and generated normally.
 */
export interface FalScriptEntry {
  /** How many submissions this entry answers. Default 1. */
  readonly times?: number;
  /** Refuse the submission with this error. */
  readonly submitError?: FalScriptedError;
  /** Cut the connection instead of answering the submission. */
  readonly drop?: boolean;
  /** Time in the queue, then generating. */
  readonly queueMs?: number;
  readonly latencyMs?: number;
  /** `queue_position` at submission; it falls to 0 while the request waits. */
  readonly queuePosition?: number;
  /** The request completes with this error, returned when its result is fetched. */
  readonly fail?: FalScriptedError;
  /** Status reports `FAILED` instead of `COMPLETED` for a failed request (UNCERTAIN §3.2). */
  readonly failedStatus?: boolean;
  /** The safety checker removes the image: `images: []`, `has_nsfw_concepts: [true]`. */
  readonly nsfw?: boolean;
  /** The output has no image and no reason. */
  readonly noImages?: boolean;
  /** The output's file is already gone from the CDN (404). */
  readonly expiredOutput?: boolean;
  /** A result body that is not JSON. */
  readonly malformedResult?: boolean;
  /** This many status polls are answered with `statusErrorCode` (default 503) first. */
  readonly statusErrors?: number;
  readonly statusErrorCode?: number;
  /** Overrides the configured path shape for this request's URLs. */
  readonly pathShape?: FalPathShape;
  /** Leave these URLs out of the submit reply. */
  readonly omit?: readonly ('status_url' | 'cancel_url')[];
}

export interface FakeFalOptions {
  readonly port?: number;
  readonly host?: string;
  /** Default `fake-fal-key`. */
  readonly apiKey?: string;
  /** Default 0. */
  readonly queueMs?: number;
  /** Time generating one image. Default 0. */
  readonly latencyMs?: number;
  readonly outputBytes?: OutputBytes;
  /** Share of requests that complete with a retryable 500. Default 0. */
  readonly failureRate?: number;
  /** Default `app` (`owner/app`, what fal's submit replies use). */
  readonly pathShape?: FalPathShape;
  /** Default `sides`. */
  readonly v4SizeRule?: FalV4SizeRule;
  /** Default `accepted` (202 `CANCELLATION_REQUESTED`). */
  readonly cancelReply?: FalCancelReply;
  /** How long output files stay on the fake CDN. Default 7 days. */
  readonly fileTtlSeconds?: number;
  readonly recordLimit?: number;
  readonly now?: () => number;
  readonly random?: () => number;
}

/** Settings that can change while the fake runs (`POST /__fake/config`). */
export interface FakeFalConfig {
  queueMs: number;
  latencyMs: number;
  outputBytes: OutputBytes;
  failureRate: number;
  pathShape: FalPathShape;
  v4SizeRule: FalV4SizeRule;
  cancelReply: FalCancelReply;
  fileTtlSeconds: number;
}

export interface FakeFal {
  /** The queue host to configure as the base URL. */
  readonly url: string;
  readonly origin: string;
  readonly apiKey: string;
  /** Everything received except the control API, oldest first. */
  readonly requests: readonly RecordedRequest[];
  /** Submissions (`POST /{endpoint_id}`) that reached a known endpoint. */
  submissions(): RecordedRequest[];
  /** Status polls, result fetches, cancels and file downloads. */
  statusPolls(): RecordedRequest[];
  results(): RecordedRequest[];
  cancels(): RecordedRequest[];
  downloads(): RecordedRequest[];
  script(...entries: FalScriptEntry[]): void;
  configure(patch: Partial<FakeFalConfig>): void;
  reset(): void;
  close(): Promise<void>;
}

export function pickFalConfig(patch: Record<string, unknown>): Partial<FakeFalConfig> {
  const out: Partial<FakeFalConfig> = {};
  for (const key of ['queueMs', 'latencyMs', 'failureRate', 'fileTtlSeconds'] as const) {
    if (typeof patch[key] === 'number') out[key] = patch[key];
  }
  if (patch.outputBytes === 'small' || typeof patch.outputBytes === 'number') {
    out.outputBytes = patch.outputBytes;
  }
  if (patch.pathShape === 'app' || patch.pathShape === 'full') out.pathShape = patch.pathShape;
  if (patch.v4SizeRule === 'sides' || patch.v4SizeRule === 'pixels') {
    out.v4SizeRule = patch.v4SizeRule;
  }
  if (patch.cancelReply === 'accepted' || patch.cancelReply === 'success') {
    out.cancelReply = patch.cancelReply;
  }
  return out;
}
