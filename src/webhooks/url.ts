import { MAX_WEBHOOK_URL_CHARS } from '../contract/generate-image.ts';
import { type AllowList, classifyAddress, parseHostLiteral } from '../fetch/address-policy.ts';

/**
 * What is wrong with a `webhook_url`, or undefined. Only `https` URLs, or any http(s) URL whose
 * host the operator allows (GOODTAKE_FETCH_ALLOW, as for blend mode); never credentials, never
 * an internal address literal. Names are resolved and checked at every delivery (and every
 * redirect) by the guarded fetcher, not here: what a name resolves to may change.
 */
export function webhookUrlProblem(raw: string, allow: AllowList): string | undefined {
  if (raw.length > MAX_WEBHOOK_URL_CHARS) {
    return `webhook_url must be at most ${MAX_WEBHOOK_URL_CHARS} characters`;
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'webhook_url must be an absolute https URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return 'webhook_url must be an https URL';
  }
  if (url.username !== '' || url.password !== '') {
    return 'webhook_url must not carry credentials';
  }
  const host = parseHostLiteral(url.hostname);
  if (host.kind === 'invalid') return 'webhook_url has an invalid host';
  const allowed =
    host.kind === 'name' ? allow.hosts.has(host.name) : allow.ranges.check(host.address, host.kind);
  if (url.protocol === 'http:' && !allowed) {
    return 'webhook_url must be an https URL (http only to hosts the operator allows)';
  }
  if (host.kind !== 'name' && !allowed && !classifyAddress(host.address).public) {
    return 'webhook_url must not point to an internal address';
  }
  return undefined;
}

/** The event types a webhook receives: `completed` covers every end (failed, canceled too). */
export function deliveredTypes(events: readonly string[]): Set<string> {
  const types = new Set<string>(events);
  if (types.has('completed')) {
    types.add('failed');
    types.add('canceled');
  }
  return types;
}
