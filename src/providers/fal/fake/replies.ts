import type { FalScriptedError } from './types.ts';

export { jsonReply as json } from '../../kit/fake/serve.ts';

const DEFAULT_TYPES: Readonly<Record<number, string>> = {
  422: 'validation_error',
  429: 'rate_limited',
  500: 'internal_server_error',
  503: 'downstream_service_unavailable',
  504: 'generation_timeout',
};

/** An error reply as fal sends it: `{detail:[{loc,msg,type,url}]}`, `X-Fal-Retryable`, `X-Fal-Error-Type`. */
export function falErrorResponse(e: FalScriptedError): Response {
  const type = e.type ?? DEFAULT_TYPES[e.status];
  const body = e.body ?? {
    detail: [
      {
        loc: e.loc ?? ['body'],
        msg: e.msg ?? 'The request failed.',
        type: type ?? 'error',
        url: `https://docs.fal.ai/errors#${type ?? 'error'}`,
      },
    ],
  };
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (e.retryable !== undefined) headers['x-fal-retryable'] = String(e.retryable);
  if (type) headers['x-fal-error-type'] = type;
  if (e.retryAfter !== undefined) headers['retry-after'] = String(e.retryAfter);
  return new Response(typeof body === 'string' ? body : JSON.stringify(body), {
    status: e.status,
    headers,
  });
}

/** The content-policy refusal of research §3.4: 422, not retryable. */
export const CONTENT_POLICY: FalScriptedError = {
  status: 422,
  type: 'content_policy_violation',
  msg: 'The content could not be processed because it contained material flagged by a content checker.',
  loc: ['body', 'prompt'],
  retryable: false,
};
