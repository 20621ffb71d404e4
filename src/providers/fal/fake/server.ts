import type { HttpBindings } from '@hono/node-server';
import { Hono } from 'hono';
import { mountFakeControl } from '../../kit/fake/base.ts';
import { serveFake } from '../../kit/fake/serve.ts';
import { json } from './replies.ts';
import { cancelReply, findRequest, resultReply, statusReply } from './requests.ts';
import { createFakeFalState } from './state.ts';
import { handleSubmit } from './submit.ts';
import { type FakeFal, type FakeFalOptions, pickFalConfig } from './types.ts';
import { FAKE_ENDPOINTS } from './validate.ts';

export type {
  FakeFal,
  FakeFalConfig,
  FakeFalOptions,
  FalScriptEntry,
  FalScriptedError,
} from './types.ts';

const METHOD_NOT_ALLOWED = { detail: 'Method Not Allowed' };

/**
 * Starts a fake fal.ai queue (research §3): `POST /{endpoint_id}` for the four Seedream
 * endpoints; status, result and cancel under `…/requests/{id}` in both path shapes; output
 * files under `/files/…`; and the control API under `/__fake/…`.
 */
export async function startFakeFal(options: FakeFalOptions = {}): Promise<FakeFal> {
  const state = createFakeFalState(options);
  const app = new Hono<{ Bindings: HttpBindings }>();
  mountFakeControl(app, state, pickFalConfig);

  app.all('*', async (c) => {
    const entry = await state.base.recorder.record(c.req.raw);
    const reply = (response: Response): Response => {
      entry.status ??= response.status;
      return response;
    };
    const path = c.req.path;
    const method = c.req.method;
    const origin = new URL(c.req.url).origin;
    if (path.startsWith('/files/')) {
      return reply(method === 'GET' ? state.base.cdn.get(path) : json(METHOD_NOT_ALLOWED, 405));
    }
    const endpoint = FAKE_ENDPOINTS.find((e) => path === `/${e.id}`);
    const found = endpoint ? undefined : findRequest(path, state);
    if (!endpoint && (found === undefined || found === 'no_match')) {
      return reply(json({ detail: `Application not found: ${path.slice(1)}` }, 404));
    }
    const auth = c.req.header('authorization');
    if (auth === undefined) {
      return reply(json({ detail: 'Authentication is required to access this endpoint.' }, 401));
    }
    if (auth !== `Key ${state.apiKey}`) {
      return reply(json({ detail: 'No user found for Key ID and Secret' }, 401));
    }
    if (endpoint) {
      if (method !== 'POST') return reply(json(METHOD_NOT_ALLOWED, 405));
      return reply(await handleSubmit(c, endpoint, entry, state));
    }
    if (found === 'not_found') return reply(json({ detail: 'Request not found' }, 404));
    const { job, action } = found as Exclude<typeof found, string | undefined>;
    const expected = action === 'cancel' ? 'PUT' : 'GET';
    if (method !== expected) return reply(json(METHOD_NOT_ALLOWED, 405));
    if (action === 'status') {
      return reply(statusReply(job, origin, c.req.query('logs') === '1', state));
    }
    if (action === 'result') return reply(await resultReply(job, origin, state));
    return reply(cancelReply(job, state));
  });

  const { origin, close } = await serveFake(app, options);
  const matching = (test: (path: string, method: string) => boolean) => () =>
    state.base.recorder.requests.filter((r) => test(r.path, r.method));
  const isRequestPath = (path: string, suffix: RegExp) =>
    /\/requests\/[^/]+/.test(path) && suffix.test(path);
  return {
    url: origin,
    origin,
    apiKey: state.apiKey,
    requests: state.base.recorder.requests,
    submissions: matching(
      (path, method) => method === 'POST' && FAKE_ENDPOINTS.some((e) => path === `/${e.id}`),
    ),
    statusPolls: matching((path) => isRequestPath(path, /\/status$/)),
    results: matching((path) => isRequestPath(path, /\/requests\/[^/]+$/)),
    cancels: matching((path) => isRequestPath(path, /\/cancel$/)),
    downloads: matching((path) => path.startsWith('/files/')),
    script: (...entries) => state.base.script.push(...entries),
    configure: (patch) => Object.assign(state.config, pickFalConfig(patch)),
    reset: () => state.reset(),
    close,
  };
}
