import type { Generated } from 'kysely';

/** Row types of goodtake's tables, as Kysely sees them. Times are epoch milliseconds. */
export interface AccountsTable {
  id: string;
  name: string;
  /** Credits owned: grants and adjustments minus captures. */
  balance: number;
  /** Credits held by generations in flight; always 0 <= reserved <= balance. */
  reserved: number;
  created_at: number;
  /** When an operator suspended the account (its keys answer 401 until resumed); 0004. */
  suspended_at: Generated<number | null>;
}

export interface ApiKeysTable {
  id: string;
  account_id: string;
  name: string;
  /** The first characters of the key, shown in listings. */
  prefix: string;
  /** Keyed hash (HMAC-SHA256) of the whole key; the key itself is never stored. */
  hash: string;
  rpm_limit: number | null;
  concurrency_limit: number | null;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
  last_used_at: number | null;
  /** 'api' for keys people create; 'console' for the key the console's playground uses (0004). */
  kind: Generated<'api' | 'console'>;
}

export type LedgerKind = 'grant' | 'reserve' | 'capture' | 'release' | 'adjustment';

export interface LedgerEntriesTable {
  id: string;
  account_id: string;
  kind: LedgerKind;
  /** Positive for every kind but adjustment, which may be negative. */
  amount: number;
  generation_id: string | null;
  reason: string;
  created_at: number;
}

export type GenerationStatus = 'pending' | 'succeeded' | 'partial' | 'failed';

export interface GenerationsTable {
  id: string;
  account_id: string;
  api_key_id: string;
  request_id: string;
  model: string;
  size: string;
  number_of_images: number;
  blend: number;
  price_per_image: number;
  credits_reserved: number;
  credits_captured: number;
  images_delivered: number;
  status: GenerationStatus;
  error_code: string | null;
  /** How the reservation was resolved: by the request itself, or by the lease sweeper. */
  settled_by: string | null;
  lease_expires_at: number;
  created_at: number;
  finished_at: number | null;
  duration_ms: number | null;
  /** The caller's own end user (OpenAI's `user`), when the request named one (0008). */
  end_user: string | null;
  /** The prompt as the caller sent it, for the console's gallery (0004). */
  prompt: Generated<string | null>;
}

export interface ImagesTable {
  id: string;
  generation_id: string;
  account_id: string;
  position: number;
  content_type: string;
  ext: string;
  width: number;
  height: number;
  bytes: number;
  /** Strong ETag value (quoted), derived from the content hash. */
  etag: string;
  storage_key: string;
  created_at: number;
  /** Embedded provenance parts, comma-separated ('xmp', 'c2pa'); '' when none. */
  provenance: Generated<string>;
  /** The IPTC digital source type the embedded parts declare. */
  digital_source_type: string | null;
}

export interface IdempotencyKeysTable {
  account_id: string;
  key: string;
  /** sha256 of the validated request, so a different body under the same key is caught. */
  request_hash: string;
  state: 'in_progress' | 'completed';
  /** The stored outcome (JSON) to replay, once completed. */
  response: string | null;
  /** While in progress: when the owner's claim lapses (a crashed owner is taken over). */
  locked_until: number;
  created_at: number;
  /** The generation the request started (bound before it reserved credits), if it got so far. */
  generation_id: string | null;
}

export type UserRole = 'operator' | 'member';

export interface UsersTable {
  id: string;
  /** Lower-cased. */
  email: string;
  /** scrypt, self-describing (src/console/users/passwords.ts); null until a link is used. */
  password_hash: string | null;
  role: UserRole;
  /** The member's account; null for operators. */
  account_id: string | null;
  created_at: number;
}

export interface SessionsTable {
  /** sha256 of the cookie's token. */
  id: string;
  user_id: string;
  csrf_token: string;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
  address: string | null;
}

export interface UserLinksTable {
  /** sha256 of the link's token. */
  id: string;
  user_id: string;
  purpose: 'invite' | 'reset';
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface SignInFailuresTable {
  scope: string;
  at: number;
}

export interface AuditLogTable {
  id: string;
  at: number;
  /** Who: a user's email, 'cli', or 'anonymous' (a failed sign-in). */
  actor: string;
  action: string;
  account_id: string | null;
  target: string | null;
  detail: Generated<string>;
  address: string | null;
}

/** One try of one route for one image of a generation (0005). */
export interface GenerationAttemptsTable {
  generation_id: string;
  /** Order of the attempt within its generation. */
  seq: number;
  image_index: number;
  provider: string;
  upstream_model: string;
  /** `ok`, a provider failure kind, `circuit_open` or `error`. */
  outcome: string;
  latency_ms: number;
  upstream_request_id: string | null;
  /** Estimated upstream cost in micro-USD (0 unless the attempt delivered). */
  cost_micro_usd: number;
  created_at: number;
}

export type JobStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'canceled';

/** A generation as a durable job (0007); `id` is the generation id. */
export interface JobsTable {
  id: string;
  account_id: string;
  api_key_id: string;
  request_id: string;
  /** The validated request (JSON), all a worker needs to run it. */
  request: string;
  /** 'sync': run by the request that made it; 'async': queued for a worker. */
  mode: 'sync' | 'async';
  status: JobStatus;
  cancel_requested: number;
  /** The worker holding the job while it runs, and until when. */
  lease_owner: string | null;
  lease_expires_at: number | null;
  /** The contract's error object (JSON) of a failed job. */
  error: string | null;
  generation_time_ms: number | null;
  credits_used: number | null;
  /** Where image URLs in its answers and events point (PUBLIC_BASE_URL or the submit's origin). */
  base_url: string;
  webhook_url: string | null;
  /** Comma-separated event types the webhook receives. */
  webhook_events: string | null;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
}

export interface JobEventsTable {
  job_id: string;
  /** 1, 2, 3... within the job: the SSE event id. */
  seq: number;
  /** Globally unique (`evt_...`): the webhook-id of its deliveries. */
  id: string;
  type: string;
  data: string;
  created_at: number;
}

export interface JobTurnsTable {
  account_id: string;
  last_started_at: number;
  /** The fair-queuing tag of the account's latest job in the scale-out queue (0009b). */
  last_tag: number | null;
  /** The account's queued jobs, kept with each job's status (0009c). */
  queued: Generated<number>;
}

/** An account's webhook signing secret, and the previous one while it still signs (0007a). */
export interface WebhookSecretsTable {
  account_id: string;
  secret: string;
  previous_secret: string | null;
  previous_until: number | null;
  created_at: number;
  rotated_at: number | null;
}

/** One event of a job to one webhook URL, sent until delivered, gone or expired (0007a). */
export interface WebhookDeliveriesTable {
  id: string;
  account_id: string;
  job_id: string;
  /** The job event's id: the `webhook-id` of every attempt. */
  event_id: string;
  event_type: string;
  url: string;
  /** The exact body every attempt sends. */
  payload: string;
  status: 'pending' | 'delivered' | 'failed' | 'gone';
  attempts: number;
  next_attempt_at: number | null;
  /** While an attempt is in flight: until when the process sending it holds it. */
  lease_until: number | null;
  created_at: number;
  finished_at: number | null;
}

export interface WebhookAttemptsTable {
  id: string;
  delivery_id: string;
  attempt: number;
  started_at: number;
  status_code: number | null;
  latency_ms: number;
  error: string | null;
}

export interface Database {
  accounts: AccountsTable;
  api_keys: ApiKeysTable;
  ledger_entries: LedgerEntriesTable;
  generations: GenerationsTable;
  images: ImagesTable;
  idempotency_keys: IdempotencyKeysTable;
  users: UsersTable;
  sessions: SessionsTable;
  user_links: UserLinksTable;
  sign_in_failures: SignInFailuresTable;
  audit_log: AuditLogTable;
  generation_attempts: GenerationAttemptsTable;
  jobs: JobsTable;
  job_events: JobEventsTable;
  job_turns: JobTurnsTable;
  webhook_secrets: WebhookSecretsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_attempts: WebhookAttemptsTable;
}
