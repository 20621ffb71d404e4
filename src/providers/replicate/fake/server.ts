import type { HttpBindings } from '@hono/node-server';
import { Hono } from 'hono';
import { mountFakeControl } from '../../kit/fake/base.ts';
import { serveFake } from '../../kit/fake/serve.ts';
import { handleCancel, handleCreate, handleGet, problem } from './routes.ts';
import { createFakeReplicateState } from './state.ts';
import { type FakeReplicate, type FakeReplicateOptions, pickReplicateConfig } from './types.ts';

export type {
  FakeReplicate,
  FakeReplicateConfig,
  FakeReplicateOptions,
  ReplicateScriptEntry,
  ReplicateScriptedError,
} from './types.ts';

const CREATE = /^\/v1\/models\/([^/]+\/[^/]+)\/predictions$/;
const PREDICTION = /^\/v1\/predictions\/([^/]+)(\/cancel)?$/;

/**
 * Starts a fake Replicate API (research §4): creates on the two official Seedream models,
 * predictions and their cancel, outputs under `/delivery/…` deleted after an hour, and the
 * control API under `/__fake/…`.
 */
export async function startFakeReplicate(
  options: FakeReplicateOptions = {},
): Promise<FakeReplicate> {
  const state = createFakeReplicateState(options);
  const app = new Hono<{ Bindings: HttpBindings }>();
  mountFakeControl(app, state, pickReplicateConfig);

  app.all('*', async (c) => {
    const entry = await state.base.recorder.record(c.req.raw);
    const reply = (response: Response): Response => {
      entry.status ??= response.status;
      return response;
    };
    const { path, method } = c.req;
    const notAllowed = () => problem(405, 'Method not allowed', `${method} is not allowed here.`);
    if (path.startsWith('/delivery/'))
      return reply(method === 'GET' ? state.base.cdn.get(path) : notAllowed());
    const create = CREATE.exec(path);
    const one = PREDICTION.exec(path);
    if (!create && !one)
      return reply(problem(404, 'Not found', 'The requested resource could not be found.'));
    if (c.req.header('authorization') !== `Bearer ${state.apiToken}`) {
      return reply(
        problem(401, 'Unauthenticated', 'You did not pass a valid authentication token'),
      );
    }
    if (create) {
      if (method !== 'POST') return reply(notAllowed());
      return reply(await handleCreate(c, create[1]!, entry, state));
    }
    const prediction = state.predictions.get(one![1]!);
    const cancel = one![2] !== undefined;
    if (method !== (cancel ? 'POST' : 'GET')) return reply(notAllowed());
    if (!prediction)
      return reply(problem(404, 'Not found', 'The requested prediction could not be found.'));
    return reply(
      cancel ? await handleCancel(c, prediction, state) : await handleGet(c, prediction, state),
    );
  });

  const { origin, close } = await serveFake(app, options);
  const matching = (test: (path: string, method: string) => boolean) => () =>
    state.base.recorder.requests.filter((r) => test(r.path, r.method));
  return {
    url: `${origin}/v1`,
    origin,
    apiToken: state.apiToken,
    requests: state.base.recorder.requests,
    creates: matching((path, method) => method === 'POST' && CREATE.test(path)),
    polls: matching(
      (path, method) => method === 'GET' && PREDICTION.test(path) && !path.endsWith('/cancel'),
    ),
    cancels: matching((path) => PREDICTION.test(path) && path.endsWith('/cancel')),
    downloads: matching((path) => path.startsWith('/delivery/')),
    script: (...entries) => state.base.script.push(...entries),
    configure: (patch) => Object.assign(state.config, pickReplicateConfig(patch)),
    reset: () => state.reset(),
    close,
  };
}
