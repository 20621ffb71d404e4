import { GoodTakeError } from './core/errors.ts';

/** A webhook whose signature or timestamp did not check out. */
export class WebhookVerificationError extends GoodTakeError {
  override name = 'WebhookVerificationError';
}

/** The body of a goodtake webhook (Standard Webhooks' recommended shape). */
export interface WebhookEvent {
  /** `generation.started`, `generation.image`, `generation.completed`, `generation.failed`, `generation.canceled`. */
  readonly type: string;
  /** ISO 8601: when the event happened. */
  readonly timestamp: string;
  readonly data: { readonly generation_id: string } & Record<string, unknown>;
}

/** Headers as a Fetch `Headers`, or a Node `req.headers`-like record. */
export type WebhookHeaders =
  | Headers
  | Readonly<Record<string, string | readonly string[] | undefined>>;

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') {
    return (headers as Headers).get(name) ?? undefined;
  }
  const record = headers as Record<string, string | readonly string[] | undefined>;
  const value = record[name] ?? record[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : (value as string | undefined);
}

function base64ToBytes(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** Compares two strings in time independent of where they differ. */
function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/**
 * Verifies a webhook from goodtake as Standard Webhooks specifies: one of the `v1,` signatures
 * in `webhook-signature` must be the HMAC-SHA256 of `<webhook-id>.<webhook-timestamp>.<body>`
 * under `secret` (`whsec_...`, from `GET /api/v1/webhooks/secret`), and the timestamp must be
 * within `toleranceSeconds` (5 minutes) of now. Returns the parsed event; throws
 * `WebhookVerificationError` otherwise. Pass the raw body exactly as received. Works in Node and
 * browsers (Web Crypto).
 *
 * @example
 * ```ts
 * import { verifyWebhook } from '@goodtake/sdk';
 *
 * const event = await verifyWebhook(process.env.GOODTAKE_WEBHOOK_SECRET!, rawBody, req.headers);
 * if (event.type === 'generation.completed') console.log(event.data.images);
 * ```
 */
export async function verifyWebhook(
  secret: string,
  body: string,
  headers: WebhookHeaders,
  options: { toleranceSeconds?: number; now?: Date } = {},
): Promise<WebhookEvent> {
  const fail = (message: string) =>
    new WebhookVerificationError(message, { code: 'webhook_verification_failed' });
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !timestamp || !signatures) throw fail('missing webhook-id, -timestamp or -signature');
  if (!/^\d{1,12}$/.test(timestamp)) throw fail('webhook-timestamp is not a number of seconds');
  const now = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const tolerance = options.toleranceSeconds ?? 300;
  if (Math.abs(now - Number(timestamp)) > tolerance)
    throw fail('webhook-timestamp is too far from now');
  const key = await crypto.subtle.importKey(
    'raw',
    base64ToBytes(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  const mac = await crypto.subtle.sign(
    'HMAC',
    key,
    new TextEncoder().encode(`${id}.${timestamp}.${body}`),
  );
  const expected = bytesToBase64(new Uint8Array(mac));
  const matched = signatures
    .split(' ')
    .some((s) => s.startsWith('v1,') && sameText(s.slice(3), expected));
  if (!matched) throw fail('no signature matches');
  return JSON.parse(body) as WebhookEvent;
}
