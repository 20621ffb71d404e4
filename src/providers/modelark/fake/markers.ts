import type { FakeError } from './errors.ts';

/**
 * Prompt markers steer the fake per request: `[[fake:flag]]` or `[[fake:key=value,key2=value2]]`.
 *
 * - `input_text_sensitive` / `input_image_sensitive`: 400 moderation refusal of the input.
 * - `output_sensitive`: every output is blocked (one image: 400; batch/stream: failed items);
 *   `output_sensitive=1` blocks only image 1 of a batch. May repeat.
 * - `internal_error_at=N`: image N fails with InternalServiceError and the batch stops there
 *   (one image, not streamed: HTTP 500).
 * - `status=429,code=ModelAccountIpmRateLimitExceeded,retry_after=2[,message=...][,times=N]`:
 *   that error reply; with `times`, only for the first N requests carrying this marker.
 * - `latency_ms=N`: latency per image for this request.
 * - `batch_count=N`: how many images the model "decides" to make with sequential generation.
 * - `drop`: the connection is cut after the request was read (and the latency passed).
 * - `malformed`: a 200 reply whose body is not JSON.
 * - `expired_url` / `unsigned_url`: result URLs that storage refuses with 403.
 * - `stream_error=CODE`: a streamed reply sends an `error` event instead of images.
 * - `sse_no_event_lines`: streamed events carry only `data:` lines.
 * - `sse_chunk=N`: the stream is written in N-byte pieces.
 */
export interface Markers {
  /** The first value of `key` (`''` for a bare flag), or undefined. */
  get(key: string): string | undefined;
  /** Every value of `key`, across markers. */
  all(key: string): string[];
  /** The raw markers with their fields, for `times` bookkeeping. */
  readonly groups: ReadonlyArray<{
    readonly raw: string;
    readonly fields: ReadonlyMap<string, string>;
  }>;
}

const MARKER = /\[\[fake:([^\]]*)\]\]/g;

/** Finds the markers in a prompt. */
export function parseMarkers(prompt: string): Markers {
  const groups = [...prompt.matchAll(MARKER)].map((m) => {
    const fields = new Map<string, string>();
    for (const part of (m[1] ?? '').split(',')) {
      const [key, ...rest] = part.split('=');
      if (key?.trim()) fields.set(key.trim(), rest.join('=').trim());
    }
    return { raw: m[0], fields };
  });
  return {
    groups,
    get: (key) => groups.find((g) => g.fields.has(key))?.fields.get(key),
    all: (key) => groups.filter((g) => g.fields.has(key)).map((g) => g.fields.get(key) ?? ''),
  };
}

/** A marker value as a non-negative integer, or undefined. */
export function intMarker(markers: Markers, key: string): number | undefined {
  const raw = markers.get(key);
  if (raw === undefined || !/^\d+$/.test(raw)) return undefined;
  return Number(raw);
}

/** `[[fake:status=…]]`: the error it asks for, unless its `times` are used up. */
export function statusMarker(
  markers: ReturnType<typeof parseMarkers>,
  uses: Map<string, number>,
): FakeError | undefined {
  const group = markers.groups.find((g) => g.fields.has('status'));
  if (!group) return undefined;
  const times = Number(group.fields.get('times') ?? Number.POSITIVE_INFINITY);
  const used = uses.get(group.raw) ?? 0;
  if (used >= times) return undefined;
  uses.set(group.raw, used + 1);
  const retryAfter = group.fields.get('retry_after');
  return {
    status: Number(group.fields.get('status')) || 500,
    code: group.fields.get('code') ?? '',
    message: group.fields.get('message') ?? '',
    ...(retryAfter === undefined ? {} : { headers: { 'retry-after': retryAfter } }),
  };
}
