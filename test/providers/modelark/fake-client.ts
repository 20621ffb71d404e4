import sharp from 'sharp';
import type { FakeModelArk } from '../../../src/providers/modelark/fake/server.ts';

/** The upstream's reply shapes, loosely (tests look at whichever applies). */
export interface ArkReply {
  error: { code: string; message: string; param: string; type: string };
  model: string;
  created: number;
  data: Array<{ url?: string; b64_json?: string; size?: string; error?: { code: string } }>;
  usage: { generated_images: number; output_tokens: number; total_tokens: number };
}

export interface ControlReply {
  queued: number;
  requests: Array<Record<string, unknown>>;
}

/** POSTs a body (or raw text) to the fake's generation endpoint. */
export async function post(fake: FakeModelArk, body: unknown, key: string | null = fake.apiKey) {
  const response = await fetch(`${fake.url}/images/generations`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(key === null ? {} : { authorization: `Bearer ${key}` }),
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  let json: ArkReply;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined as unknown as ArkReply;
  }
  return { status: response.status, headers: response.headers, json, text };
}

export const M45 = 'seedream-4-5-251128';
export const M40 = 'seedream-4-0-250828';

/** A data URI of a real image. */
export async function dataUri(
  width: number,
  height: number,
  format: 'png' | 'jpeg' = 'png',
): Promise<string> {
  const bytes = await sharp({ create: { width, height, channels: 3, background: '#336699' } })
    .toFormat(format)
    .toBuffer();
  return `data:image/${format};base64,${bytes.toString('base64')}`;
}
