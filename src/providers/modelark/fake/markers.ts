import { countedMarker, type Markers } from '../../kit/fake/markers.ts';
import type { FakeError } from './errors.ts';

export { intMarker, type Markers, parseMarkers } from '../../kit/fake/markers.ts';

/**
 * The prompt markers of the fake ModelArk (`[[fake:flag]]` or `[[fake:key=value,…]]`):
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
/** `[[fake:status=…]]`: the error it asks for, unless its `times` are used up. */
export function statusMarker(markers: Markers, uses: Map<string, number>): FakeError | undefined {
  const fields = countedMarker(markers, 'status', uses);
  if (!fields) return undefined;
  const retryAfter = fields.get('retry_after');
  return {
    status: Number(fields.get('status')) || 500,
    code: fields.get('code') ?? '',
    message: fields.get('message') ?? '',
    ...(retryAfter === undefined ? {} : { headers: { 'retry-after': retryAfter } }),
  };
}
