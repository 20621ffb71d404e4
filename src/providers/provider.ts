import type { ModelId, OptimizeMode } from '../contract/models.ts';
import type { RequestedSize } from '../contract/sizes.ts';

/** A source image of blend mode, already fetched or decoded and checked to be a real image. */
export interface SourceImage {
  readonly bytes: Uint8Array;
  readonly format: 'png' | 'jpeg' | 'webp';
  readonly width: number;
  readonly height: number;
  /** The public http(s) URL it came from, for providers that fetch inputs themselves. */
  readonly url?: string;
}

/** One image to generate: a request for n images becomes n of these, run in parallel. */
export interface GenerationJob {
  /** The seed model whose upstream rules (sizes, limits, request fields) this job follows. */
  readonly model: ModelId;
  /**
   * The provider's own model or endpoint id from the catalog route; absent means the
   * provider's default for `model`.
   */
  readonly upstreamModel?: string;
  readonly prompt: string;
  readonly size: RequestedSize;
  readonly mode: OptimizeMode;
  /** 0-based position of this image among the request's `number_of_images`. */
  readonly index: number;
  readonly sources: readonly SourceImage[];
  readonly signal: AbortSignal;
}

export interface GeneratedImage {
  /** The encoded image; the pipeline measures, normalises and stores it. */
  readonly bytes: Uint8Array;
}

/** Why a provider produced no image; the pipeline maps each kind to one API error. */
export type ProviderFailureKind =
  | 'content_policy' // the provider refused the prompt, an input or the output
  | 'invalid_input' // the provider refused an input image as unusable
  | 'rate_limited' // upstream capacity exhausted after retries
  | 'unavailable' // upstream down or misconfigured (auth, billing) after retries
  | 'timeout'; // the upstream did not answer in time

export interface ProviderFailure {
  readonly kind: ProviderFailureKind;
  /** Safe to show to the API client: no upstream request ids or internal detail. */
  readonly message: string;
  /** Seconds after which a retry may succeed, when the provider knows. */
  readonly retryAfter?: number;
}

export type GenerationOutcome = (
  | { readonly ok: true; readonly image: GeneratedImage }
  | { readonly ok: false; readonly failure: ProviderFailure }
) & {
  /** The upstream's id of the request or job, when it gave one (logs, attempts). */
  readonly upstreamRequestId?: string;
};

/** Something that turns one job into one image. Implementations: one per provider folder. */
export interface ImageProvider {
  readonly id: string;
  /** A line for the startup log: what this provider is and where it sends requests. */
  describe(): string;
  generate(job: GenerationJob): Promise<GenerationOutcome>;
  close?(): Promise<void>;
}
