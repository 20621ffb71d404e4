import { expect } from 'vitest';
import { ENDPOINT, type TestApp } from '../../helpers/harness.ts';

export interface SseEvent {
  id: string | undefined;
  event: string | undefined;
  data: Record<string, unknown>;
}

/** Parses a Server-Sent Events text into its events (comments and `retry` skipped). */
export function parseSse(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  for (const block of text.split('\n\n')) {
    let id: string | undefined;
    let event: string | undefined;
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith('id: ')) id = line.slice(4);
      else if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data.push(line.slice(6));
    }
    if (data.length > 0) events.push({ id, event, data: JSON.parse(data.join('\n')) });
  }
  return events;
}

export const auth = (key: string) => ({ Authorization: `Bearer ${key}` });

/** Submits with `Prefer: respond-async` as `key`; returns the response and its id. */
export async function submit(
  t: TestApp,
  body: Record<string, unknown>,
  options: { key?: string; headers?: Record<string, string> } = {},
): Promise<{ res: Response; id: string; body: Record<string, unknown> }> {
  const res = await t.request(ENDPOINT, {
    method: 'POST',
    headers: {
      ...auth(options.key ?? t.key),
      'Content-Type': 'application/json',
      Prefer: 'respond-async',
      ...options.headers,
    },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as { data?: { id?: string } };
  return { res, id: json.data?.id ?? '', body: json as Record<string, unknown> };
}

export async function getGeneration(
  t: TestApp,
  id: string,
  key = t.key,
): Promise<{
  status: number;
  body: { status: string; data: Record<string, unknown>; error?: Record<string, unknown> };
}> {
  const res = await t.request(`/api/v1/generations/${id}`, { headers: auth(key) });
  return { status: res.status, body: (await res.json()) as never };
}

/** Polls a generation until its state is one of `states` (bounded). */
export async function waitFor(
  t: TestApp,
  id: string,
  states: string[],
  key = t.key,
  timeoutMs = 20_000,
): Promise<Awaited<ReturnType<typeof getGeneration>>['body']> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const { body } = await getGeneration(t, id, key);
    if (states.includes(body.status)) return body;
    if (Date.now() > until) throw new Error(`${id} is still ${body.status}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The whole event stream of a generation (it ends after the last event). */
export async function readEvents(
  t: TestApp,
  id: string,
  headers: Record<string, string> = {},
  key = t.key,
): Promise<SseEvent[]> {
  const res = await t.request(`/api/v1/generations/${id}/events`, {
    headers: { ...auth(key), ...headers },
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  return parseSse(await res.text());
}

export async function available(t: TestApp, key = t.key): Promise<number> {
  const res = await t.request('/api/v1/account', { headers: auth(key) });
  return ((await res.json()) as { data: { available: number } }).data.available;
}

export async function balance(t: TestApp, key = t.key): Promise<number> {
  const res = await t.request('/api/v1/account', { headers: auth(key) });
  return ((await res.json()) as { data: { balance: number } }).data.balance;
}
