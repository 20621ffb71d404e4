import { createHmac, randomBytes } from 'node:crypto';

/*
 * Standard Webhooks signatures (https://www.standardwebhooks.com): a secret is `whsec_` and the
 * base64 of 24 random bytes; a signature is `v1,` and the base64 HMAC-SHA256, keyed with the
 * secret's bytes, of `<webhook-id>.<webhook-timestamp>.<body>`. Several signatures (during a
 * rotation) are sent space-separated in one `webhook-signature` header.
 */

const PREFIX = 'whsec_';

/** A new signing secret. */
export function newWebhookSecret(): string {
  return `${PREFIX}${randomBytes(24).toString('base64')}`;
}

export function isWebhookSecret(value: string): boolean {
  return /^whsec_[A-Za-z0-9+/]{32}$/.test(value);
}

/** The `v1,...` signature of one message under one secret. */
export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.slice(PREFIX.length), 'base64');
  const mac = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return `v1,${mac}`;
}

/** The headers of one delivery attempt: every secret in force signs it. */
export function webhookHeaders(
  secrets: readonly string[],
  id: string,
  timestamp: number,
  body: string,
): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': secrets.map((s) => signWebhook(s, id, timestamp, body)).join(' '),
  };
}
