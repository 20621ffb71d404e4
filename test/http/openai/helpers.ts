import sharp from 'sharp';
import type { TestApp } from '../../helpers/harness.ts';

export interface OpenAiError {
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}

export interface ImagesResponse {
  created: number;
  data: Array<{ url?: string; b64_json?: string }>;
  background: string;
  output_format: string;
  quality: string;
  size: string;
  usage: {
    input_tokens: number;
    input_tokens_details: { image_tokens: number; text_tokens: number };
    output_tokens: number;
    total_tokens: number;
  };
}

/** POSTs a JSON body to an OpenAI-compatible route with the test app's key (or `key`). */
export function postJson(
  t: TestApp,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
  key = t.key,
): Promise<Response> {
  return t.request(path, {
    method: 'POST',
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** The body of an OpenAI-shaped error, asserting every field OpenAI always sends is there. */
export async function openAiErrorOf(res: Response): Promise<OpenAiError> {
  const body = (await res.json()) as { error?: Record<string, unknown> };
  const e = body.error;
  if (
    !e ||
    typeof e.message !== 'string' ||
    typeof e.type !== 'string' ||
    !('param' in e) ||
    !('code' in e) ||
    Object.keys(body).length !== 1
  ) {
    throw new Error(`not an OpenAI error body: ${JSON.stringify(body)}`);
  }
  return e as unknown as OpenAiError;
}

/** The bytes an image URL of the app serves. */
export async function fetchImage(
  t: TestApp,
  url: string,
): Promise<{ res: Response; bytes: Buffer }> {
  const res = await t.request(new URL(url).pathname);
  return { res, bytes: Buffer.from(await res.arrayBuffer()) };
}

/**
 * The decoded pixels of an encoded image: two files of the same picture compare equal even
 * though their provenance metadata (creation time, signature) differs.
 */
export function pixelsOf(bytes: Buffer): Promise<Buffer> {
  return sharp(bytes).raw().toBuffer();
}
