import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConflictError,
  GenerationFailedError,
  GoodTake,
  verifyWebhook,
  WebhookVerificationError,
} from '../src/index.ts';
import { startTestServer, type TestServer } from './helpers/server.ts';

let server: TestServer;
let client: GoodTake;

beforeAll(async () => {
  server = await startTestServer({ GOODTAKE_FETCH_ALLOW: '127.0.0.1' });
  client = new GoodTake({ apiKey: server.key, baseURL: server.url });
});
afterAll(() => server.stop());

describe('asynchronous generations', () => {
  it('creates with async, waits by events and by polling, and retrieves', async () => {
    const queued = await client.images.generate(
      { prompt: 'A lighthouse', model: 'seedream-4-0-250828', size: '1K', number_of_images: 2 },
      { async: true },
    );
    expect(queued.id).toMatch(/^gen_/);
    expect(queued.status_url).toBe(`${server.url}/api/v1/generations/${queued.id}`);
    const result = await client.generations.wait(queued.id);
    expect(result.images).toHaveLength(2);
    expect(result.credits_used).toBe(6);
    expect((await result.images[0]!.bytes()).length).toBeGreaterThan(1000);
    const state = await client.generations.retrieve(queued.id);
    expect(state.status).toBe('succeeded');

    const polled = await client.images.generate(
      { prompt: 'Polled', model: 'seedream-4-0-250828', size: '1K' },
      { async: true },
    );
    const byPolling = await client.generations.wait(polled.id, { poll: true, pollInterval: 50 });
    expect(byPolling.id).toBe(polled.id);
  });

  it('iterates over the events, and resumes after a given one', async () => {
    const queued = await client.images.generate(
      { prompt: 'Events', model: 'seedream-4-0-250828', size: '1K', number_of_images: 2 },
      { async: true },
    );
    const events = [];
    for await (const event of client.generations.events(queued.id)) events.push(event);
    expect(events.map((e) => e.type)).toEqual(['queued', 'started', 'image', 'image', 'completed']);
    expect(events.map((e) => e.id)).toEqual([1, 2, 3, 4, 5]);
    const rest = [];
    for await (const event of client.generations.events(queued.id, { afterId: 3 })) {
      rest.push(event.id);
    }
    expect(rest).toEqual([4, 5]);
  });

  it('cancels: a running one stops with its delivered images, a finished one is a conflict', async () => {
    const queued = await client.images.generate(
      { prompt: 'Slow [[offline:delay-index=0:20000]]', model: 'seedream-4-0-250828', size: '1K' },
      { async: true },
    );
    for await (const event of client.generations.events(queued.id)) {
      if (event.type === 'started') break;
    }
    const canceled = await client.generations.cancel(queued.id);
    expect(canceled.status).toBe('canceled');
    await expect(client.generations.wait(queued.id)).rejects.toBeInstanceOf(GenerationFailedError);
    await expect(client.generations.cancel(queued.id)).rejects.toBeInstanceOf(ConflictError);
  });

  it('rejects wait() of a failed generation with its error', async () => {
    const queued = await client.images.generate(
      { prompt: 'Refused [[offline:content_policy]]', model: 'seedream-4-0-250828', size: '1K' },
      { async: true },
    );
    const err = await client.generations.wait(queued.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GenerationFailedError);
    expect((err as GenerationFailedError).code).toBe('content_policy_violation');
  });
});

describe('verifyWebhook', () => {
  it('verifies what the server sends, and agrees with the reference library', async () => {
    const received: Array<{ body: string; headers: Record<string, string> }> = [];
    const receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        received.push({
          body: Buffer.concat(chunks).toString(),
          headers: req.headers as Record<string, string>,
        });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    try {
      const { port } = receiver.address() as AddressInfo;
      const { secret } = await client.request<{ secret: string }>({
        method: 'GET',
        path: '/api/v1/webhooks/secret',
      });
      const queued = await client.images.generate(
        {
          prompt: 'Hooked',
          model: 'seedream-4-0-250828',
          size: '1K',
          webhook_url: `http://127.0.0.1:${port}/hook`,
        },
        { async: true },
      );
      await client.generations.wait(queued.id);
      for (let i = 0; received.length === 0 && i < 200; i++) {
        await new Promise((r) => setTimeout(r, 25));
      }
      const { body, headers } = received[0]!;
      const event = await verifyWebhook(secret, body, headers);
      expect(event.type).toBe('generation.completed');
      expect(event.data.generation_id).toBe(queued.id);
      expect(new Webhook(secret).verify(body, headers)).toEqual(event);
      await expect(verifyWebhook(secret, `${body} `, headers)).rejects.toBeInstanceOf(
        WebhookVerificationError,
      );
      await expect(
        verifyWebhook(secret, body, headers, { now: new Date(Date.now() + 3600_000) }),
      ).rejects.toBeInstanceOf(WebhookVerificationError);
      // A signature the reference library makes, verified by the SDK.
      const wh = new Webhook(secret);
      const at = new Date();
      const signature = wh.sign('msg_1', at, '{"type":"x","timestamp":"","data":{}}');
      await expect(
        verifyWebhook(secret, '{"type":"x","timestamp":"","data":{}}', {
          'webhook-id': 'msg_1',
          'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
          'webhook-signature': signature,
        }),
      ).resolves.toMatchObject({ type: 'x' });
    } finally {
      receiver.closeAllConnections();
      await new Promise<void>((r) => receiver.close(() => r()));
    }
  });
});
