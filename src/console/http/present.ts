import type { Account } from '../../accounts/accounts.ts';
import { imageUrl } from '../../http/routes/images.ts';
import type { KeyListing } from '../../keys/api-keys.ts';
import type { LimitDefaults } from '../../ratelimit/key-limits.ts';
import { limitsFor } from '../../ratelimit/key-limits.ts';
import type { AuditEntry } from '../audit.ts';
import type { GenerationDetail, GenerationRow } from '../reports/generations.ts';
import type { User } from '../users/users.ts';

/** The console API's JSON: snake_case, times as ISO 8601, like the public API. */

export const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

export function accountJson(a: Account) {
  return {
    id: a.id,
    name: a.name,
    balance: a.balance,
    reserved: a.reserved,
    available: a.balance - a.reserved,
    created_at: iso(a.createdAt),
    suspended_at: iso(a.suspendedAt),
  };
}

export function keyJson(k: KeyListing, defaults: LimitDefaults) {
  const limits = limitsFor(k, defaults);
  return {
    id: k.id,
    account_id: k.accountId,
    name: k.name,
    prefix: k.prefix,
    kind: k.kind,
    requests_per_minute: limits.rpm,
    concurrent_generations: limits.concurrency,
    created_at: iso(k.createdAt),
    last_used_at: iso(k.lastUsedAt),
    expires_at: iso(k.expiresAt),
    revoked_at: iso(k.revokedAt),
  };
}

export function userJson(u: User) {
  return {
    id: u.id,
    email: u.email,
    role: u.role,
    account_id: u.accountId,
    created_at: iso(u.createdAt),
    has_password: u.hasPassword,
  };
}

export function generationJson(g: GenerationRow, baseUrl: string) {
  return {
    id: g.id,
    account_id: g.accountId,
    account_name: g.accountName,
    key_id: g.keyId,
    key_name: g.keyName,
    key_kind: g.keyKind,
    request_id: g.requestId,
    prompt: g.prompt,
    model: g.model,
    size: g.size,
    number_of_images: g.numberOfImages,
    images_delivered: g.imagesDelivered,
    blend: g.blend,
    price_per_image: g.pricePerImage,
    credits_reserved: g.creditsReserved,
    credits_charged: g.creditsCharged,
    status: g.status,
    error_code: g.errorCode,
    settled_by: g.settledBy,
    created_at: iso(g.createdAt),
    finished_at: iso(g.finishedAt),
    duration_ms: g.durationMs,
    user: g.endUser,
    images: g.images.map((i) => ({
      id: i.id,
      url: imageUrl(baseUrl, i),
      width: i.width,
      height: i.height,
      bytes: i.bytes,
      content_credentials: i.provenance.c2pa,
      xmp_metadata: i.provenance.xmp,
      digital_source_type: i.provenance.digitalSourceType ?? null,
    })),
  };
}

/**
 * One generation in full. `operator` adds what only operators see of its upstream tries: the
 * estimated upstream cost (the operator's margin) is left out of an account member's view.
 */
export function generationDetailJson(
  g: GenerationDetail,
  baseUrl: string,
  view: { readonly operator: boolean },
) {
  return {
    ...generationJson(g, baseUrl),
    ledger: g.ledger.map((e) => ({
      id: e.id,
      kind: e.kind,
      amount: e.amount,
      reason: e.reason,
      at: iso(e.at),
    })),
    attempts: g.attempts.map((a) => ({
      index: a.index,
      provider: a.provider,
      upstream_model: a.upstreamModel,
      outcome: a.outcome,
      latency_ms: a.latencyMs,
      upstream_request_id: a.upstreamRequestId,
      ...(view.operator ? { estimated_cost_usd: a.costUsd } : {}),
    })),
  };
}

export function auditJson(e: AuditEntry) {
  return {
    id: e.id,
    at: iso(e.at),
    actor: e.actor,
    action: e.action,
    account_id: e.accountId,
    target: e.target,
    detail: e.detail,
    address: e.address,
  };
}
