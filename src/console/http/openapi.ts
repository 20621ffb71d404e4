import { renderError } from '../../http/errors.ts';
import {
  BODY_NOTES,
  type DocumentPart,
  errorResponses,
  examplesOf,
  type Fragment,
} from '../../http/openapi/kit.ts';

/*
 * The console's JSON API in the OpenAPI document. Every call needs the session cookie the
 * sign-in sets; every change also needs the X-CSRF-Token header (GET /console/api/session
 * returns it). Request examples are posted to the real API by test/console/api.test.ts.
 */

type Method = 'get' | 'post' | 'delete';

interface ConsoleOperation {
  readonly method: Method;
  readonly path: string;
  readonly summary: string;
  readonly operator?: boolean;
  /** No session needed (sign-in and its neighbours). */
  readonly anonymous?: boolean;
  readonly query?: ReadonlyArray<[name: string, description: string, example: string]>;
  readonly body?: Readonly<Record<string, unknown>>;
  readonly response: Readonly<Record<string, unknown>> | string;
  readonly status?: number;
}

const ACC = 'acc_mfk2x1a0000Ab3dE5fG7h';
const KEY = 'key_mfk2x1b0000Zx9Yw8Vu7t';
const GEN = 'gen_mfk2x1c0000Qr5St6Uv7w';
const USR = 'usr_mfk2x1d0000Lm4No5Pq6r';
const TIME = '2026-12-01T10:00:00.000Z';

const ACCOUNT = {
  id: ACC,
  name: 'Acme',
  balance: 480,
  reserved: 8,
  available: 472,
  created_at: TIME,
  suspended_at: null,
};
const KEY_JSON = {
  id: KEY,
  account_id: ACC,
  name: 'Production App',
  prefix: 'gt_4fQx7LmP',
  kind: 'api',
  requests_per_minute: 60,
  concurrent_generations: 4,
  created_at: TIME,
  last_used_at: null,
  expires_at: null,
  revoked_at: null,
};
const GENERATION = {
  id: GEN,
  account_id: ACC,
  account_name: 'Acme',
  key_id: KEY,
  key_name: 'Production App',
  key_kind: 'api',
  request_id: 'req_7Hq2LmX9aB3kP0sVzR4t',
  prompt: 'A lighthouse at dawn',
  model: 'seedream-4-5-251128',
  size: '2K',
  number_of_images: 1,
  images_delivered: 1,
  blend: false,
  price_per_image: 4,
  credits_reserved: 4,
  credits_charged: 4,
  status: 'succeeded',
  error_code: null,
  settled_by: 'request',
  created_at: TIME,
  finished_at: TIME,
  duration_ms: 5210,
  user: null,
  images: [
    {
      id: 'Vb4kQ9zR2mT7xL1pN8sW3yHc',
      url: 'http://localhost:8080/images/Vb4kQ9zR2mT7xL1pN8sW3yHc.jpg',
      width: 2048,
      height: 2048,
      bytes: 412345,
      content_credentials: true,
      xmp_metadata: true,
      digital_source_type: 'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia',
    },
  ],
};
/** A first route that failed, then the fallback that delivered the image. */
const ATTEMPT_FAILED = {
  index: 0,
  provider: 'modelark',
  upstream_model: 'seedream-4-5-251128',
  outcome: 'unavailable',
  latency_ms: 212,
  upstream_request_id: null,
  estimated_cost_usd: 0,
};
const ATTEMPT_OK = {
  index: 0,
  provider: 'fal',
  upstream_model: 'fal-ai/bytedance/seedream/v4.5/text-to-image',
  outcome: 'ok',
  latency_ms: 4980,
  upstream_request_id: '764cabcf-b745-4b3e-ae38-1200304cf45b',
  estimated_cost_usd: 0.04,
};
const USER = {
  id: USR,
  email: 'dana@acme.example',
  role: 'member',
  account_id: ACC,
  created_at: TIME,
  has_password: false,
};
const WHO = {
  user: {
    id: USR,
    email: 'dana@acme.example',
    role: 'member',
    account_id: ACC,
    expires_at: TIME,
  },
  csrf_token: 'p3Xq8sVt2LmN5bR7cY1wZ4kH9jD6fG0aE2uI8oQ3rT5',
};
const LINK = {
  mailed: false,
  link: 'http://localhost:8080/console/#/set-password/Jq3...',
  expires_at: TIME,
};

const A = '/console/api/accounts/{accountId}';

const OPERATIONS: readonly ConsoleOperation[] = [
  {
    method: 'get',
    path: '/console/api/session',
    summary: 'Who is signed in, and the CSRF token for changes (sets the pre-sign-in CSRF cookie)',
    anonymous: true,
    response: WHO,
  },
  {
    method: 'post',
    path: '/console/api/session',
    summary: 'Sign in (email and password); rotates the session; throttled per email and address',
    anonymous: true,
    body: { email: 'dana@acme.example', password: 'correct horse battery' },
    response: WHO,
  },
  {
    method: 'delete',
    path: '/console/api/session',
    summary: 'Sign out',
    response: { signed_out: true },
  },
  {
    method: 'post',
    path: '/console/api/password',
    summary: 'Set a password with a one-time invitation or reset link',
    anonymous: true,
    body: {
      token: 'Jq3sY7vB1nM4xK8pL2wR6tZ9cF5hD0gA3eU7iO1qW4e',
      password: 'correct horse battery',
    },
    response: { email: 'dana@acme.example' },
  },
  {
    method: 'get',
    path: '/console/api/models',
    summary: 'The models served (the catalog): price, sizes, prompt modes, source images',
    response: {
      models: [
        {
          id: 'seedream-4-5-251128',
          name: 'Seedream 4.5',
          price_per_image: 4,
          sizes: ['2K', '4K', '2048x2048'],
          default_size: '2K',
          prompt_modes: ['standard', 'creative', 'precise'],
          max_source_images: 10,
        },
      ],
      default_model: 'seedream-4-5-251128',
    },
  },
  {
    method: 'get',
    path: A,
    summary: 'An account: balance, reserved, available, prices',
    response: { ...ACCOUNT, prices: { 'seedream-4-5-251128': 4 } },
  },
  {
    method: 'get',
    path: `${A}/ledger`,
    summary: 'Credit history (grants, reservations, captures, releases, corrections), newest first',
    query: [
      ['limit', '1-200 (50)', '50'],
      ['before', 'The previous page’s `next`', 'le_mfk2x1a0000Ab3dE5fG7h'],
    ],
    response: {
      entries: [
        {
          id: 'le_mfk2x1a0000Ab3dE5fG7h',
          kind: 'capture',
          amount: 4,
          reason: '1 image(s) delivered',
          generation_id: GEN,
          at: TIME,
        },
      ],
      next: null,
    },
  },
  {
    method: 'get',
    path: `${A}/keys`,
    summary: 'The account’s API keys (never their secrets)',
    response: { keys: [KEY_JSON] },
  },
  {
    method: 'post',
    path: `${A}/keys`,
    summary: 'Create a named API key; the answer is the only time its secret is shown',
    body: { name: 'Production App' },
    status: 201,
    response: { key: 'gt_4fQx7LmP...', ...KEY_JSON },
  },
  {
    method: 'delete',
    path: `${A}/keys/{keyId}`,
    summary: 'Revoke a key (it answers 401 from then on)',
    response: { ...KEY_JSON, revoked_at: TIME },
  },
  {
    method: 'get',
    path: `${A}/usage`,
    summary: 'Requests, images and credits per UTC day, model and key',
    query: [
      ['from', 'ISO date (30 days before `to`)', '2026-11-01'],
      ['to', 'ISO date, exclusive (the end of today)', '2026-12-02'],
      ['model', 'Only this model', 'seedream-4-5-251128'],
      ['key', 'Only this key', KEY],
    ],
    response: {
      from: '2026-11-01T00:00:00.000Z',
      to: '2026-12-02T00:00:00.000Z',
      totals: { requests: 3, images: 4, credits: 16 },
      days: [
        {
          day: '2026-12-01',
          model: 'seedream-4-5-251128',
          key_id: KEY,
          key_name: 'Production App',
          requests: 3,
          images: 4,
          credits: 16,
        },
      ],
    },
  },
  {
    method: 'get',
    path: `${A}/usage.csv`,
    summary: 'The same usage as CSV (day, model, key, requests, images, credits)',
    query: [
      ['from', 'ISO date', '2026-11-01'],
      ['to', 'ISO date, exclusive', '2026-12-02'],
    ],
    response:
      'day,model,key_id,key_name,requests,images,credits\r\n2026-12-01,seedream-4-5-251128,key_...,Production App,3,4,16\r\n',
  },
  {
    method: 'get',
    path: `${A}/generations`,
    summary: 'The gallery: the account’s generations with their images, newest first',
    query: [
      ['limit', '1-100 (24)', '24'],
      ['before', 'The previous page’s `next`', GEN],
      ['status', 'pending, succeeded, partial or failed', 'succeeded'],
      ['key', 'Only this key', KEY],
    ],
    response: { generations: [GENERATION], next: null },
  },
  {
    method: 'post',
    path: `${A}/generations`,
    summary: 'The playground: generate with the native request body, charged to the account',
    body: {
      prompt: 'A lighthouse at dawn',
      model: 'seedream-4-5-251128',
      size: '2K',
      number_of_images: 1,
    },
    response: {
      status: 'success',
      data: {
        images: [{ url: GENERATION.images[0]!.url, width: 2048, height: 2048 }],
        generation_time_ms: 5210,
        model: 'seedream-4-5-251128',
        prompt: 'A lighthouse at dawn',
        id: GEN,
        credits_used: 4,
      },
    },
  },
  {
    method: 'get',
    path: `${A}/generations/{generationId}`,
    summary: 'One generation with its images and the credits it moved',
    response: {
      ...GENERATION,
      ledger: [
        {
          id: 'le_mfk2x1a0000Ab3dE5fG7h',
          kind: 'capture',
          amount: 4,
          reason: '1 image(s) delivered',
          at: TIME,
        },
      ],
      attempts: [ATTEMPT_FAILED, ATTEMPT_OK],
    },
  },
  {
    method: 'get',
    path: '/console/api/accounts',
    summary: 'Find accounts by name or id',
    operator: true,
    query: [
      ['q', 'Part of the name, or the whole id', 'acme'],
      ['limit', '1-200 (50)', '50'],
    ],
    response: { accounts: [ACCOUNT] },
  },
  {
    method: 'post',
    path: '/console/api/accounts',
    summary: 'Create an account, with starting credits granted through the ledger',
    operator: true,
    body: { name: 'Acme', credits: 500 },
    status: 201,
    response: ACCOUNT,
  },
  {
    method: 'post',
    path: `${A}/suspend`,
    summary: 'Suspend an account (its keys answer 401)',
    operator: true,
    response: { ...ACCOUNT, suspended_at: TIME },
  },
  {
    method: 'post',
    path: `${A}/resume`,
    summary: 'Resume a suspended account',
    operator: true,
    response: ACCOUNT,
  },
  {
    method: 'post',
    path: `${A}/credits`,
    summary: 'Grant credits, or correct the balance either way, with a reason (ledger, audited)',
    operator: true,
    body: { kind: 'grant', amount: 500, reason: 'December invoice paid' },
    response: ACCOUNT,
  },
  {
    method: 'get',
    path: '/console/api/keys',
    summary: 'Keys across every account, newest first',
    operator: true,
    query: [['limit', '1-500 (100)', '100']],
    response: { keys: [KEY_JSON] },
  },
  {
    method: 'get',
    path: '/console/api/users',
    summary: 'People who sign in (operators and members)',
    operator: true,
    query: [['account', 'Only this account’s members', ACC]],
    response: { users: [USER] },
  },
  {
    method: 'post',
    path: '/console/api/users',
    summary: 'Invite a member (or an operator): a one-time link, mailed when SMTP is configured',
    operator: true,
    body: { email: 'dana@acme.example', role: 'member', account_id: ACC },
    status: 201,
    response: { user: USER, ...LINK },
  },
  {
    method: 'delete',
    path: '/console/api/users/{userId}',
    summary: 'Remove a person (their sessions end)',
    operator: true,
    response: { removed: true },
  },
  {
    method: 'post',
    path: '/console/api/users/{userId}/reset',
    summary: 'Reset a password: ends their sessions, issues a one-time link',
    operator: true,
    response: { user: USER, ...LINK },
  },
  {
    method: 'get',
    path: '/console/api/requests',
    summary: 'The request log across accounts, with filters',
    operator: true,
    query: [
      ['status', 'pending, succeeded, partial or failed', 'failed'],
      ['account', 'Account id', ACC],
      ['key', 'Key id', KEY],
      ['model', 'Model id', 'seedream-4-5-251128'],
      ['error_code', 'Error code', 'upstream_timeout'],
      ['from', 'ISO time', '2026-12-01T00:00:00Z'],
      ['to', 'ISO time, exclusive', '2026-12-02T00:00:00Z'],
      ['before', 'The previous page’s `next`', GEN],
      ['limit', '1-200 (50)', '50'],
    ],
    response: { requests: [GENERATION], next: null },
  },
  {
    method: 'get',
    path: '/console/api/requests/{generationId}',
    summary: 'One request in full: timings, outcome, images, credits moved',
    operator: true,
    response: { ...GENERATION, ledger: [], attempts: [ATTEMPT_FAILED, ATTEMPT_OK] },
  },
  {
    method: 'get',
    path: '/console/api/health',
    summary: 'Provider, last hour’s error rate, throughput guard, configuration (secrets masked)',
    operator: true,
    response: {
      providers: [{ id: 'offline', description: 'offline (synthetic images)' }],
      database: 'sqlite',
      storage: 'local',
      throughput: 'Upstream images-per-minute guards count in this process (one replica)',
      last_hour: { requests: 12, failed: 1, error_rate: 0.083, errors: { upstream_timeout: 1 } },
      config: { port: '8080', keySecret: '****' },
    },
  },
  {
    method: 'post',
    path: '/console/api/health/verify',
    summary: 'Run the ledger check (`credits verify`)',
    operator: true,
    response: { ok: true, checked_at: TIME, mismatches: [] },
  },
  {
    method: 'get',
    path: '/console/api/audit',
    summary: 'The audit log: grants, keys, invitations, sign-ins and their failures',
    operator: true,
    query: [
      ['account', 'Account id', ACC],
      ['action', 'e.g. credits_granted, key_created, sign_in_failed', 'key_created'],
      ['before', 'The previous page’s `next`', 'aud_mfk2x1a0000Ab3dE5fG7h'],
      ['limit', '1-500 (100)', '100'],
    ],
    response: {
      entries: [
        {
          id: 'aud_mfk2x1a0000Ab3dE5fG7h',
          at: TIME,
          actor: 'ops@example.com',
          action: 'credits_granted',
          account_id: ACC,
          target: ACC,
          detail: '+500: December invoice paid',
          address: '127.0.0.1',
        },
      ],
      next: null,
    },
  },
];

/** Documented request examples, for the test that posts each to the real API. */
export const CONSOLE_REQUEST_EXAMPLES = OPERATIONS.filter((o) => o.body).map((o) => ({
  method: o.method.toUpperCase(),
  path: o.path,
  body: o.body!,
}));

const PATH_PARAMS: Readonly<Record<string, string>> = {
  accountId: ACC,
  keyId: KEY,
  generationId: GEN,
  userId: USR,
};

function operation(op: ConsoleOperation): Fragment {
  const params = [...op.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
    name,
    in: 'path',
    required: true,
    schema: { type: 'string' },
    example: PATH_PARAMS[name!],
  }));
  const query = (op.query ?? []).map(([name, description, example]) => ({
    name,
    in: 'query',
    required: false,
    schema: { type: 'string' },
    description,
    example,
  }));
  const codes: Parameters<typeof examplesOf> = ['invalid_parameters'];
  if (!op.anonymous || op.path === '/console/api/session') codes.push('unauthorized');
  if (op.method !== 'get' || op.operator) codes.push('forbidden');
  if (params.length > 0 || op.path === '/console/api/password') codes.push('not_found');
  if (op.path === '/console/api/session' && op.method === 'post') codes.push('rate_limit_exceeded');
  if (op.body)
    codes.push('invalid_json', 'payload_too_large', 'unsupported_media_type', 'request_timeout');
  const csv = typeof op.response === 'string';
  const success = csv
    ? { 'text/csv': { schema: { type: 'string' }, example: op.response } }
    : {
        'application/json': {
          schema: { type: 'object' },
          example:
            op.path.endsWith('/generations') && op.method === 'post'
              ? op.response
              : { status: 'success', data: op.response },
        },
      };
  return {
    tags: [op.operator ? 'Console (operators)' : 'Console'],
    summary: op.summary,
    security: op.anonymous ? [] : [{ consoleSession: [] }],
    ...(params.length + query.length > 0 ? { parameters: [...params, ...query] } : {}),
    ...(op.body
      ? {
          requestBody: {
            required: true,
            content: { 'application/json': { schema: { type: 'object' }, example: op.body } },
          },
        }
      : {}),
    responses: {
      [String(op.status ?? 200)]: { description: 'Success', content: success },
      ...errorResponses(renderError, examplesOf(...codes), 'Error', BODY_NOTES),
    },
  };
}

export function consolePart(): DocumentPart {
  const paths: Record<string, Fragment> = {};
  for (const op of OPERATIONS) {
    paths[op.path] = { ...(paths[op.path] ?? {}), [op.method]: operation(op) };
  }
  return { paths, schemas: {} };
}
