import { randomInt } from 'node:crypto';
import { appPath, type FalJob, jobState, jobUrls, outputSize } from './jobs.ts';
import { falErrorResponse, json } from './replies.ts';
import type { FakeFalState } from './state.ts';

const REQUEST_PATH = /^\/(.+)\/requests\/([^/]+)(\/status|\/cancel)?$/;

/** The request a status, result or cancel path names, in either path shape (§3.2). */
export function findRequest(
  path: string,
  state: FakeFalState,
): { job: FalJob; action: 'status' | 'result' | 'cancel' } | 'no_match' | 'not_found' {
  const m = REQUEST_PATH.exec(path);
  if (!m) return 'no_match';
  const job = state.jobs.get(m[2]!);
  const prefix = m[1]!;
  if (!job || (prefix !== job.endpoint.id && prefix !== appPath(job.endpoint.id))) {
    return 'not_found';
  }
  const action = m[3] === '/status' ? 'status' : m[3] === '/cancel' ? 'cancel' : 'result';
  return { job, action };
}

/** `GET …/requests/{id}/status`: 202 while queued or running, 200 once completed. */
export function statusReply(
  job: FalJob,
  origin: string,
  logs: boolean,
  state: FakeFalState,
): Response {
  if (job.statusErrorsLeft > 0) {
    job.statusErrorsLeft--;
    const status = job.entry.statusErrorCode ?? 503;
    return json({ detail: 'Service temporarily unavailable' }, status);
  }
  const s = jobState(job, state.base.now());
  const urls = jobUrls(job, origin);
  const base = {
    request_id: job.id,
    response_url: urls.response_url,
    ...(logs ? { logs: [] } : {}),
  };
  if (s.state === 'IN_QUEUE')
    return json({ status: s.state, queue_position: s.position, ...base }, 202);
  if (s.state === 'IN_PROGRESS') return json({ status: s.state, ...base }, 202);
  const failed = job.failure !== undefined && job.entry.failedStatus;
  return json({ status: failed ? 'FAILED' : 'COMPLETED', ...base, metrics: {} }, 200);
}

/** `GET …/requests/{id}`: the output, or the error the request completed with. */
export async function resultReply(
  job: FalJob,
  origin: string,
  state: FakeFalState,
): Promise<Response> {
  if (job.cancelledAt !== undefined) return json({ detail: 'Request was cancelled' }, 400);
  if (jobState(job, state.base.now()).state !== 'COMPLETED') {
    return json({ detail: 'Request is still in progress' }, 400);
  }
  if (job.failure) return falErrorResponse(job.failure);
  if (job.entry.malformedResult) {
    return new Response('<html>upstream connect error</html>', {
      headers: { 'content-type': 'text/html' },
    });
  }
  job.result ??= makeOutput(job, origin, state);
  return json(await job.result);
}

async function makeOutput(job: FalJob, origin: string, state: FakeFalState): Promise<unknown> {
  const seed = randomInt(1, 2 ** 31);
  if (job.entry.nsfw) return { images: [], has_nsfw_concepts: [true], seed };
  if (job.entry.noImages) return { images: [], seed };
  const { width, height } = outputSize(job.input.imageSize, job.input.prompt);
  const images = [];
  // num_images separate generations of one image each (batch mode is not simulated).
  for (let i = 0; i < job.input.numImages; i++) {
    const bytes = await state.base.render(width, height, `${job.input.prompt}#${i}`);
    const path = state.base.cdn.put(bytes, { gone: job.entry.expiredOutput === true });
    images.push({
      url: `${origin}${path}`,
      content_type: 'image/jpeg',
      file_name: path.split('/').pop(),
      file_size: bytes.byteLength,
      width,
      height,
    });
  }
  return { images, seed };
}

/** `PUT …/requests/{id}/cancel`; the reply shape is configurable (CONFLICT §3.2). */
export function cancelReply(job: FalJob, state: FakeFalState): Response {
  const done =
    jobState(job, state.base.now()).state === 'COMPLETED' && job.cancelledAt === undefined;
  if (done) return json({ status: 'ALREADY_COMPLETED' }, 400);
  job.cancelledAt ??= state.base.now();
  return state.config.cancelReply === 'success'
    ? json({ success: true }, 200)
    : json({ status: 'CANCELLATION_REQUESTED' }, 202);
}
