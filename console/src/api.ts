/** The console's only way to the server: its JSON API under /console/api/. */

export class ApiFailure extends Error {
  readonly status: number;
  readonly code: string;
  readonly field: string | undefined;
  readonly retryAfter: number | undefined;
  constructor(status: number, code: string, message: string, field?: string, retryAfter?: number) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
    this.retryAfter = retryAfter;
  }
}

let csrfToken = '';
/** Called when a call finds the session gone (401): the app shows the sign-in page. */
let onSignedOut: () => void = () => {};

export function setCsrfToken(token: string): void {
  csrfToken = token;
}

export function whenSignedOut(handler: () => void): void {
  onSignedOut = handler;
}

interface ErrorBody {
  error?: { code?: string; message?: string; field?: string; retry_after?: number };
}

export async function api<T>(
  path: string,
  init: { method?: 'GET' | 'POST' | 'DELETE'; body?: unknown; signal?: AbortSignal } = {},
): Promise<T> {
  const method = init.method ?? 'GET';
  const headers: Record<string, string> = { Accept: 'application/json' };
  if (method !== 'GET') headers['X-CSRF-Token'] = csrfToken;
  if (init.body !== undefined) headers['Content-Type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(`/console/api${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
      ...(init.signal ? { signal: init.signal } : {}),
    });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiFailure(0, 'network', 'The server could not be reached. Check your connection.');
  }
  const body = (await res.json().catch(() => ({}))) as ErrorBody & { data?: T };
  if (!res.ok) {
    const e = body.error ?? {};
    if (res.status === 401 && path !== '/session') onSignedOut();
    throw new ApiFailure(
      res.status,
      e.code ?? 'error',
      e.message ?? `The server answered ${res.status}`,
      e.field,
      e.retry_after,
    );
  }
  return (body.data ?? body) as T;
}

/** A message fit for a person, whatever failed. */
export function messageOf(err: unknown): string {
  if (err instanceof ApiFailure) return err.message;
  return 'Something went wrong. Please try again.';
}

export interface Who {
  id: string;
  email: string;
  role: 'operator' | 'member';
  account_id: string | null;
  expires_at: string;
}

export interface Account {
  id: string;
  name: string;
  balance: number;
  reserved: number;
  available: number;
  created_at: string;
  suspended_at: string | null;
}

export interface ApiKey {
  id: string;
  account_id: string;
  name: string;
  prefix: string;
  kind: 'api' | 'console';
  requests_per_minute: number;
  concurrent_generations: number;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
  revoked_at: string | null;
}

export interface Generation {
  id: string;
  account_id: string;
  account_name: string;
  key_id: string;
  key_name: string;
  key_kind: string;
  request_id: string;
  prompt: string | null;
  model: string;
  size: string;
  number_of_images: number;
  images_delivered: number;
  blend: boolean;
  price_per_image: number;
  credits_reserved: number;
  credits_charged: number;
  status: 'pending' | 'succeeded' | 'partial' | 'failed';
  error_code: string | null;
  settled_by: string | null;
  created_at: string;
  finished_at: string | null;
  duration_ms: number | null;
  images: Array<{
    id: string;
    url: string;
    width: number;
    height: number;
    bytes: number;
    /** A signed C2PA manifest (Content Credentials) is embedded in the file. */
    content_credentials: boolean;
    /** IPTC metadata in XMP is embedded in the file. */
    xmp_metadata: boolean;
    digital_source_type: string | null;
  }>;
}

/** One try of one upstream route for one image of a generation. */
export interface Attempt {
  index: number;
  provider: string;
  upstream_model: string;
  outcome: string;
  latency_ms: number;
  upstream_request_id: string | null;
  /** Operators' view only. */
  estimated_cost_usd?: number;
}

export interface GenerationDetail extends Generation {
  ledger: Array<{ id: string; kind: string; amount: number; reason: string; at: string }>;
  attempts: Attempt[];
}

export interface Model {
  id: string;
  name: string;
  price_per_image: number;
  sizes: string[];
  default_size: string;
  prompt_modes: string[];
  max_source_images: number;
}

export interface User {
  id: string;
  email: string;
  role: 'operator' | 'member';
  account_id: string | null;
  created_at: string;
  has_password: boolean;
}

export interface LinkDelivery {
  mailed: boolean;
  link: string | null;
  expires_at: string;
}
