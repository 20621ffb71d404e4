import type { HttpBindings } from '@hono/node-server';
import type { Hono } from 'hono';
import type { ScriptedResponse } from './script.ts';
import type { FakeState } from './state.ts';
import { type FakeConfig, pickConfig } from './types.ts';

/**
 * The control API, for tests and benchmarks driving a fake in another process:
 * `POST /__fake/script` (a scripted reply, a list, or `{responses:[…]}`), `GET /__fake/requests`,
 * `POST /__fake/config` (`latencyMs`, `failureRate`, `urlTtlSeconds`, `outputBytes`,
 * `imagesPerMinute`) and `POST /__fake/reset`.
 */
export function mountControl(app: Hono<{ Bindings: HttpBindings }>, state: FakeState): void {
  app.get('/__fake/requests', (c) => c.json({ requests: state.requests }));
  app.post('/__fake/script', async (c) => {
    const body = (await c.req.json().catch(() => undefined)) as
      | ScriptedResponse
      | ScriptedResponse[]
      | { responses: ScriptedResponse[] }
      | undefined;
    if (!body || typeof body !== 'object') {
      return c.json({ error: 'expected a scripted response, a list, or {responses: [...]}' }, 400);
    }
    const list = Array.isArray(body) ? body : 'responses' in body ? body.responses : [body];
    state.script.push(...list);
    return c.json({ queued: state.script.size });
  });
  app.post('/__fake/config', async (c) => {
    const patch = (await c.req.json().catch(() => ({}))) as Partial<FakeConfig>;
    Object.assign(state.config, pickConfig(patch));
    return c.json(state.config);
  });
  app.post('/__fake/reset', (c) => {
    state.reset();
    return c.json({ ok: true });
  });
}
