import type { HttpBindings } from '@hono/node-server';
import { Hono } from 'hono';
import { mountControl, serveFake } from '../../kit/fake/serve.ts';
import { errorEnvelope, type FakeError, fakeRequestId } from './errors.ts';
import { handleGeneration } from './route.ts';
import type { ScriptedResponse } from './script.ts';
import { createFakeState } from './state.ts';
import { type FakeModelArk, type FakeModelArkOptions, pickConfig } from './types.ts';

export type { ScriptedResponse } from './script.ts';
export type { FakeConfig, FakeModelArk, FakeModelArkOptions, RecordedRequest } from './types.ts';

const GENERATIONS_PATH = '/api/v3/images/generations';

/**
 * Starts a fake BytePlus ModelArk / Volcengine Ark image API (`POST /api/v3/images/generations`)
 * with its result storage (`GET /tos/…`, signed and expiring) and a control API (`/__fake/…`).
 */
export async function startFakeModelArk(options: FakeModelArkOptions = {}): Promise<FakeModelArk> {
  const state = createFakeState(options);
  const app = new Hono<{ Bindings: HttpBindings }>();

  app.post(GENERATIONS_PATH, (c) => handleGeneration(c, state));
  app.get('/tos/:name', async (c) => {
    const entry = await state.record(c.req.raw);
    const response = state.storage.get(c.req.param('name'), new URL(c.req.url).searchParams);
    entry.status = response.status;
    return response;
  });
  mountControl(app, {
    requests: state.requests,
    script: (list) => {
      state.script.push(...(list as ScriptedResponse[]));
      return state.script.size;
    },
    configure: (patch) => Object.assign(state.config, pickConfig(patch)),
    reset: () => state.reset(),
  });
  app.notFound(async (c) => {
    await state.record(c.req.raw);
    const error: FakeError = {
      status: 404,
      code: 'NotFound',
      message: `No route for ${c.req.method} ${c.req.path}.`,
    };
    return c.json(errorEnvelope(error, fakeRequestId(state.now())) as object, 404);
  });

  const { origin, close } = await serveFake(app, options);

  return {
    url: `${origin}/api/v3`,
    origin,
    apiKey: state.apiKey,
    requests: state.requests,
    generations: () =>
      state.requests.filter((r) => r.method === 'POST' && r.path === GENERATIONS_PATH),
    script: (...responses) => state.script.push(...responses),
    configure: (patch) => Object.assign(state.config, pickConfig(patch)),
    reset: () => state.reset(),
    close,
  };
}
