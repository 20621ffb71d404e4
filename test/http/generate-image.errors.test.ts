import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODEL_IDS } from '../../src/contract/models.ts';
import { EXACT_SIZES } from '../../src/contract/sizes.ts';
import { unknownWellFormedKey } from '../helpers/auth.ts';
import { createTestApp, ENDPOINT, errorOf, type TestApp } from '../helpers/harness.ts';

const V40 = 'seedream-4-0-250828';
const V45 = 'seedream-4-5-251128';
/** A cheap valid request: legacy model, ~1 MP. */
const SMALL = { prompt: 'a small test image', model: V40, size: '1K' } as const;
const SUPPORTED_FIELDS = [
  'prompt',
  'model',
  'number_of_images',
  'size',
  'optimize_prompt_mode',
  'include_base64_encoding',
  'image_urls',
  'webhook_url',
  'webhook_events',
];

type ErrorDetails = Awaited<ReturnType<typeof errorOf>>;

/**
 * Asserts the contract's error response: status, code, JSON body of the one shape, and
 * `X-Request-Id` equal to `error.request_id`. `field` is checked exactly: absent unless given.
 */
async function expectError(
  res: Response,
  status: number,
  code: string,
  field?: string,
): Promise<ErrorDetails> {
  const text = await res.clone().text();
  expect(res.status, text).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/json\b/);
  const err = await errorOf(res);
  expect(err.code).toBe(code);
  expect(typeof err.message).toBe('string');
  expect(err.message.length).toBeGreaterThan(0);
  expect(err.request_id).toMatch(/\S{8,}/);
  expect(res.headers.get('x-request-id')).toBe(err.request_id);
  if (field === undefined) expect(err.field).toBeUndefined();
  else expect(err.field).toBe(field);
  return err;
}

async function expectOk(res: Response): Promise<{ images: unknown[]; credits_used: number }> {
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return (JSON.parse(text) as { data: { images: unknown[]; credits_used: number } }).data;
}

let t: TestApp;
beforeAll(async () => {
  t = await createTestApp();
});
afterAll(() => t.close());

function post(body: BodyInit | null, headers: Record<string, string> = {}): Promise<Response> {
  return t.request(ENDPOINT, {
    method: 'POST',
    headers: { Authorization: `Bearer ${t.key}`, ...headers },
    body,
  });
}

const db = () => t.application.core.database.db;

async function balanceOf(accountId: string) {
  const b = await t.application.core.ledger.balance(accountId);
  return { balance: b!.balance, reserved: b!.reserved };
}

async function generationsOf(accountId: string) {
  return db()
    .selectFrom('generations')
    .select(['status', 'credits_reserved', 'credits_captured', 'images_delivered', 'error_code'])
    .where('account_id', '=', accountId)
    .execute();
}

async function ledgerKindsOf(accountId: string): Promise<string[]> {
  const rows = await db()
    .selectFrom('ledger_entries')
    .select(['kind'])
    .where('account_id', '=', accountId)
    .orderBy('created_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => r.kind);
}

async function pngDataUri(): Promise<string> {
  const png = await sharp({
    create: { width: 64, height: 64, channels: 3, background: { r: 200, g: 40, b: 40 } },
  })
    .png()
    .toBuffer();
  return `data:image/png;base64,${png.toString('base64')}`;
}

describe('400 invalid_parameters', () => {
  const sizeList = (model: string) => ['1K', '2K', '4K', ...EXACT_SIZES[model as V]].join(', ');
  type V = keyof typeof EXACT_SIZES;

  it.each<[string, unknown, string | undefined, string | RegExp]>([
    // prompt
    ['prompt missing', { model: V40 }, 'prompt', 'prompt is required'],
    ['prompt null', { prompt: null }, 'prompt', 'prompt must be a string'],
    ['prompt a number', { prompt: 42 }, 'prompt', 'prompt must be a string'],
    ['prompt an array', { prompt: ['a'] }, 'prompt', 'prompt must be a string'],
    ['prompt an object', { prompt: { text: 'a' } }, 'prompt', 'prompt must be a string'],
    ['prompt empty', { prompt: '' }, 'prompt', 'prompt must not be empty'],
    ['prompt whitespace-only', { prompt: ' \t\n\u3000 ' }, 'prompt', 'prompt must not be empty'],
    [
      'prompt of 4001 characters',
      { prompt: 'a'.repeat(4001) },
      'prompt',
      'prompt must be at most 4000 characters',
    ],
    [
      'prompt of 4001 emoji (code points)',
      { prompt: '🦊'.repeat(4001) },
      'prompt',
      'prompt must be at most 4000 characters',
    ],
    // model
    ['model unknown', { prompt: 'a', model: 'seedream-3' }, 'model', /./],
    ['model in upper case', { prompt: 'a', model: V45.toUpperCase() }, 'model', /./],
    ['model null', { prompt: 'a', model: null }, 'model', /./],
    ['model a number', { prompt: 'a', model: 4.5 }, 'model', /./],
    // number_of_images
    ...[0, 5, 1.5, '2', null, true, -1, [2]].map((n): [string, unknown, string, string] => [
      `number_of_images ${JSON.stringify(n)}`,
      { prompt: 'a', number_of_images: n },
      'number_of_images',
      'number_of_images must be an integer between 1 and 4',
    ]),
    // optimize_prompt_mode
    ...['fast', '', 1, 'Standard', null].map((m): [string, unknown, string, string] => [
      `optimize_prompt_mode ${JSON.stringify(m)}`,
      { prompt: 'a', optimize_prompt_mode: m },
      'optimize_prompt_mode',
      'optimize_prompt_mode must be one of: standard, creative, precise',
    ]),
    // include_base64_encoding
    ...['true', 1, null, 'false', 0].map((v): [string, unknown, string, string] => [
      `include_base64_encoding ${JSON.stringify(v)}`,
      { prompt: 'a', include_base64_encoding: v },
      'include_base64_encoding',
      'include_base64_encoding must be a boolean',
    ]),
    // image_urls
    [
      'image_urls a string',
      { prompt: 'a', image_urls: 'https://example.com/a.png' },
      'image_urls',
      'image_urls must be an array of strings',
    ],
    ['image_urls null', { prompt: 'a', image_urls: null }, 'image_urls', /array/],
    [
      'image_urls with 11 entries',
      { prompt: 'a', image_urls: Array.from({ length: 11 }, (_, i) => `https://e.com/${i}.png`) },
      'image_urls',
      'image_urls may hold at most 10 entries',
    ],
    [
      'image_urls entry that is a number',
      { prompt: 'a', image_urls: ['https://e.com/a.png', 'https://e.com/b.png', 42] },
      'image_urls.2',
      'image_urls.2: image_urls entries must be strings',
    ],
    [
      'image_urls ftp entry',
      { prompt: 'a', image_urls: ['ftp://example.com/a.png'] },
      'image_urls.0',
      'image_urls.0: image_urls entries must be http(s) URLs or data URIs',
    ],
    [
      'image_urls javascript: entry',
      { prompt: 'a', image_urls: ['javascript:alert(1)'] },
      'image_urls.0',
      'image_urls.0: image_urls entries must be http(s) URLs or data URIs',
    ],
    [
      'image_urls file: entry',
      { prompt: 'a', image_urls: ['file:///etc/passwd'] },
      'image_urls.0',
      'image_urls.0: image_urls entries must be http(s) URLs or data URIs',
    ],
    // the body itself
    ['body an array', [{ prompt: 'a' }], undefined, 'the request body must be a JSON object'],
    ['body a number', 42, undefined, 'the request body must be a JSON object'],
    ['body null', null, undefined, 'the request body must be a JSON object'],
    ['body a string', '"a beautiful sunset"', undefined, 'the request body must be a JSON object'],
    ['body true', true, undefined, 'the request body must be a JSON object'],
  ])('%s', async (_label, body, field, message) => {
    const before = await balanceOf(t.accountId);
    const err = await expectError(await t.generate(body), 400, 'invalid_parameters', field);
    if (typeof message === 'string') expect(err.message).toBe(message);
    else expect(err.message).toMatch(message);
    expect(await balanceOf(t.accountId)).toEqual(before);
  });

  it('names both model ids when the model is unknown', async () => {
    const err = await expectError(
      await t.generate({ prompt: 'a', model: 'seedream-5' }),
      400,
      'invalid_parameters',
      'model',
    );
    for (const id of MODEL_IDS) expect(err.message).toContain(id);
    expect(MODEL_IDS).toEqual([V45, V40]);
  });

  it('names the unknown field and lists every supported field', async () => {
    const err = await expectError(
      await t.generate({ prompt: 'a', negative_prompt: 'blurry' }),
      400,
      'invalid_parameters',
      'negative_prompt',
    );
    expect(err.message).toContain("'negative_prompt'");
    for (const f of SUPPORTED_FIELDS) expect(err.message).toContain(f);
  });

  it('refuses a field name that differs only in case', async () => {
    await expectError(
      await t.generate({ prompt: 'a', Prompt: 'a' }),
      400,
      'invalid_parameters',
      'Prompt',
    );
    // A missing required field is reported before the unknown one.
    await expectError(await t.generate({ Prompt: 'a' }), 400, 'invalid_parameters', 'prompt');
  });

  it.each<[string, string, string | undefined]>([
    ['an unknown size (default model 4.5)', '3K', undefined],
    ['1024x1024 on 4.5', '1024x1024', V45],
    ['512x512 on 4.5', '512x512', V45],
    ['2048x2048 on 4.0', '2048x2048', V40],
    ['2048X2048 (upper-case X) on 4.5', '2048X2048', V45],
    ['" 2K" (leading blank)', ' 2K', V45],
    ['"2K " (trailing blank)', '2K ', V40],
    ['an empty size', '', V45],
    ['1024 x 1024', '1024 x 1024', V40],
  ])('size: %s is refused, listing the sizes valid for the model', async (_label, size, model) => {
    const body = model === undefined ? { prompt: 'a', size } : { prompt: 'a', size, model };
    const err = await expectError(await t.generate(body), 400, 'invalid_parameters', 'size');
    expect(err.message).toContain(`'${size}'`);
    expect(err.message).toContain(`Valid sizes for ${model ?? V45}: ${sizeList(model ?? V45)}`);
  });

  it('size of the wrong type names the field', async () => {
    for (const size of [2048, null, ['2K'], { w: 1 }]) {
      const err = await expectError(
        await t.generate({ prompt: 'a', size }),
        400,
        'invalid_parameters',
        'size',
      );
      expect(err.message).toBe('size must be a string');
    }
  });

  it('accepts a prompt of exactly 4000 characters, and of 4000 emoji (counted as code points)', async () => {
    await expectOk(await t.generate({ ...SMALL, prompt: 'b'.repeat(4000) }));
    const emoji = '🦊'.repeat(4000);
    expect(emoji.length).toBe(8000); // UTF-16 units: only code points may be counted
    const data = (await expectOk(await t.generate({ ...SMALL, prompt: emoji }))) as unknown as {
      prompt: string;
    };
    expect(data.prompt).toBe(emoji);
  });

  it('accepts a size token in lower case ("2k")', async () => {
    const data = await expectOk(await t.generate({ prompt: 'a lake', model: V40, size: '2k' }));
    expect(data.images).toHaveLength(1);
  });
});

describe('400 invalid_json', () => {
  it.each<[string, string]>([
    ['truncated JSON', '{"prompt":"a"'],
    ['truncated inside a string', '{"prompt":"a'],
    ['trailing garbage', '{"prompt":"a"} x'],
    ['two documents', '{"prompt":"a"}{"prompt":"b"}'],
    ['an empty body', ''],
    ['only whitespace', ' \n\t '],
    ['single quotes', "{'prompt':'a'}"],
    ['unquoted keys', '{prompt:"a"}'],
    ['a trailing comma', '{"prompt":"a",}'],
    ['a comment', '{"prompt":"a" /* hi */}'],
    ['NaN literal', '{"prompt":"a","number_of_images":NaN}'],
    ['a raw control character in a string', '{"prompt":"a\u0001b"}'],
    ['an invalid escape', '{"prompt":"\\x41"}'],
    ['a BOM and nothing else', '\uFEFF'],
  ])('%s', async (_label, text) => {
    const res = await post(text, { 'Content-Type': 'application/json' });
    const err = await expectError(res, 400, 'invalid_json');
    expect(err.message).toBe('The request body is not valid JSON');
  });

  it('a body-less POST is invalid_json', async () => {
    await expectError(
      await post(null, { 'Content-Type': 'application/json' }),
      400,
      'invalid_json',
    );
  });

  // Decision: RFC 8259 §8.1 lets parsers ignore a leading UTF-8 byte order mark, and common
  // Windows tooling writes one; refusing it would break such clients for no gain. The BOM is an
  // encoding artefact, not part of the prompt, so it is not echoed back.
  it('accepts one leading UTF-8 byte order mark and does not treat it as content', async () => {
    const json = Buffer.from(JSON.stringify({ ...SMALL, prompt: 'a fox' }));
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), json]);
    const res = await post(bytes, { 'Content-Type': 'application/json; charset=utf-8' });
    const data = (await expectOk(res)) as unknown as { prompt: string };
    expect(data.prompt).toBe('a fox');
  });
});

describe('415 unsupported_media_type', () => {
  const json = JSON.stringify(SMALL);

  it('refuses a body without a content type', async () => {
    const init = {
      method: 'POST',
      headers: { Authorization: `Bearer ${t.key}` },
      body: Buffer.from(json),
    };
    // Precondition: a byte body really goes out without any Content-Type.
    expect(new Request('http://x/', init).headers.get('content-type')).toBeNull();
    await expectError(await t.request(ENDPOINT, init), 415, 'unsupported_media_type');
  });

  it.each([
    'text/plain',
    'text/plain;charset=UTF-8',
    'application/x-www-form-urlencoded',
    'application/jsonp',
    'application/json5',
    'text/json',
    'application/xml',
  ])('refuses %s', async (type) => {
    const before = await balanceOf(t.accountId);
    const err = await expectError(
      await post(json, { 'Content-Type': type }),
      415,
      'unsupported_media_type',
    );
    expect(err.message).toContain('application/json');
    expect(await balanceOf(t.accountId)).toEqual(before);
  });

  it('refuses multipart/form-data', async () => {
    const form = new FormData();
    for (const [k, v] of Object.entries(SMALL)) form.set(k, v);
    const res = await post(form);
    await expectError(res, 415, 'unsupported_media_type');
  });

  it('accepts the JSON type in any case, with parameters', async () => {
    await expectOk(await post(json, { 'Content-Type': 'Application/JSON; charset=utf-8' }));
  });
});

describe('413 payload_too_large', () => {
  let small: TestApp;
  beforeAll(async () => {
    small = await createTestApp({ env: { GOODTAKE_BODY_LIMIT_BYTES: '2048' } });
  });
  afterAll(() => small.close());

  /** A valid request body of exactly `bytes` bytes. */
  const bodyOf = (bytes: number) => {
    const base = JSON.stringify({ ...SMALL, prompt: '' });
    const body = JSON.stringify({ ...SMALL, prompt: 'x'.repeat(bytes - base.length) });
    expect(Buffer.byteLength(body)).toBe(bytes);
    return body;
  };
  const chunked = (text: string, chunk: number) =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        const bytes = Buffer.from(text);
        for (let i = 0; i < bytes.length; i += chunk)
          controller.enqueue(bytes.subarray(i, i + chunk));
        controller.close();
      },
    });
  const send = (body: BodyInit, extra: RequestInit = {}) =>
    small.request(ENDPOINT, {
      method: 'POST',
      headers: { Authorization: `Bearer ${small.key}`, 'Content-Type': 'application/json' },
      body,
      ...extra,
    });

  it('refuses a 3000-byte body sent with Content-Length, charging nothing', async () => {
    const before = await small.application.core.ledger.balance(small.accountId);
    const err = await expectError(await send(bodyOf(3000)), 413, 'payload_too_large');
    expect(err.message).toContain('2048');
    expect(await small.application.core.ledger.balance(small.accountId)).toEqual(before);
  });

  it('decides from a declared Content-Length header before reading the body', async () => {
    const declared = (body: string, length = Buffer.byteLength(body)) =>
      send(body, {
        headers: {
          Authorization: `Bearer ${small.key}`,
          'Content-Type': 'application/json',
          'Content-Length': String(length),
        },
      });
    await expectError(await declared(bodyOf(3000)), 413, 'payload_too_large');
    await expectError(await declared(bodyOf(2049)), 413, 'payload_too_large');
    await expectOk(await declared(bodyOf(2048)));
  });

  it('refuses a 3000-byte body sent chunked, without Content-Length', async () => {
    const init = { duplex: 'half' } as RequestInit;
    const probe = new Request('http://x/', { method: 'POST', body: chunked('{}', 1), ...init });
    expect(probe.headers.get('content-length')).toBeNull();
    await expectError(await send(chunked(bodyOf(3000), 256), init), 413, 'payload_too_large');
    await expectError(await send(chunked(bodyOf(2049), 100), init), 413, 'payload_too_large');
  });

  it('takes a body of exactly the limit, and refuses one byte more', async () => {
    await expectOk(await send(bodyOf(2048)));
    await expectOk(await send(chunked(bodyOf(2048), 7), { duplex: 'half' } as RequestInit));
    await expectError(await send(bodyOf(2049)), 413, 'payload_too_large');
  });
});

describe('401 unauthorized', () => {
  const attempts = (): Array<[string, Record<string, string>]> => [
    ['a missing header', {}],
    ['Bearer without a token', { Authorization: 'Bearer' }],
    ['Basic xxx', { Authorization: 'Basic xxx' }],
    ['a malformed key', { Authorization: 'Bearer gt_not!a!key' }],
    ['an unknown well-formed key', { Authorization: `Bearer ${unknownWellFormedKey(3)}` }],
    ['an unknown X-API-Key', { 'X-API-Key': unknownWellFormedKey(4) }],
  ];

  async function expectUnauthorized(res: Response): Promise<string> {
    const err = await expectError(res, 401, 'unauthorized');
    expect(res.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
    return err.message;
  }

  const send = (headers: Record<string, string>, body = JSON.stringify(SMALL)) =>
    t.request(ENDPOINT, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body,
    });

  it('gives one identical message for missing, malformed, unknown, revoked and expired keys', async () => {
    const { keys } = t.application.core;
    const revoked = await keys.create({ accountId: t.accountId, name: 'to revoke' });
    // The key works until it is revoked: the 401 below is the revocation's doing.
    expect((await send({ Authorization: `Bearer ${revoked.key}` })).status).toBe(200);
    expect(await keys.revoke(revoked.id)).toBe(true);
    const expired = await keys.create({
      accountId: t.accountId,
      name: 'expired',
      expiresAt: Date.now() - 1000,
    });
    const all = [
      ...attempts(),
      ['a revoked key', { Authorization: `Bearer ${revoked.key}` }],
      ['an expired key', { Authorization: `Bearer ${expired.key}` }],
      ['an expired X-API-Key', { 'X-API-Key': expired.key }],
    ] as Array<[string, Record<string, string>]>;
    const before = await balanceOf(t.accountId);
    const messages = new Set<string>();
    for (const [, headers] of all) messages.add(await expectUnauthorized(await send(headers)));
    expect([...messages]).toEqual(['Invalid or missing API key']);
    expect(await balanceOf(t.accountId)).toEqual(before);
  });

  it('comes before body validation, content type and JSON parsing', async () => {
    await expectUnauthorized(await send({}, JSON.stringify({ prompt: '' })));
    await expectUnauthorized(await send({}, JSON.stringify({ nope: true })));
    await expectUnauthorized(await send({}, '{"prompt":'));
    await expectUnauthorized(
      await t.request(ENDPOINT, {
        method: 'POST',
        headers: { 'Content-Type': 'text/plain' },
        body: 'hello',
      }),
    );
  });
});

describe('403 insufficient_credits', () => {
  it('refuses 2 images of 4.5 (4 each) with 5 credits, leaving nothing reserved or recorded', async () => {
    const poor = await t.createAccount(5);
    const res = await t.request(ENDPOINT, {
      method: 'POST',
      headers: { Authorization: `Bearer ${poor.key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ prompt: 'a castle', model: V45, number_of_images: 2, size: '1K' }),
    });
    const err = await expectError(res, 403, 'insufficient_credits');
    expect(err.message).toMatch(/\b8\b/);
    expect(err.message).toMatch(/\b5\b/);
    expect(await balanceOf(poor.accountId)).toEqual({ balance: 5, reserved: 0 });
    expect(await generationsOf(poor.accountId)).toEqual([]);
    expect(await ledgerKindsOf(poor.accountId)).toEqual(['grant']);
  });

  it('takes an exactly affordable request and leaves 0', async () => {
    const exact = await t.createAccount(8);
    const res = await t.request(ENDPOINT, {
      method: 'POST',
      headers: { Authorization: `Bearer ${exact.key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ prompt: 'a castle', model: V45, number_of_images: 2, size: '1K' }),
    });
    const data = await expectOk(res);
    expect(data.images).toHaveLength(2);
    expect(data.credits_used).toBe(8);
    expect(await balanceOf(exact.accountId)).toEqual({ balance: 0, reserved: 0 });
    // And the next request, of any size, is refused.
    const again = await t.request(ENDPOINT, {
      method: 'POST',
      headers: { Authorization: `Bearer ${exact.key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(SMALL),
    });
    await expectError(again, 403, 'insufficient_credits');
  });
});

describe('offline test markers on a server not started for tests', () => {
  let plain: TestApp;
  beforeAll(async () => {
    plain = await createTestApp({ env: { GOODTAKE_OFFLINE_TEST_MARKERS: 'false' } });
  });
  afterAll(() => plain.close());

  it('are plain prompt text: no refusal, no failed image, charged as usual', async () => {
    const res = await plain.generate({
      ...SMALL,
      number_of_images: 2,
      prompt: 'a lantern [[offline:content_policy]] [[offline:fail-index=1]]',
    });
    const data = await expectOk(res);
    expect(data.images).toHaveLength(2);
    expect(await plain.application.core.ledger.balance(plain.accountId)).toMatchObject({
      balance: 1000 - 2 * 3,
    });
  });
});

describe('content policy and partial results', () => {
  it('400 content_policy_violation costs nothing', async () => {
    const acct = await t.createAccount(100);
    const res = await t.request(ENDPOINT, {
      method: 'POST',
      headers: { Authorization: `Bearer ${acct.key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        ...SMALL,
        number_of_images: 3,
        prompt: 'a forbidden thing [[offline:content_policy]]',
      }),
    });
    await expectError(res, 400, 'content_policy_violation');
    expect(await balanceOf(acct.accountId)).toEqual({ balance: 100, reserved: 0 });
    expect(await generationsOf(acct.accountId)).toEqual([
      {
        status: 'failed',
        credits_reserved: 9,
        credits_captured: 0,
        images_delivered: 0,
        error_code: 'content_policy_violation',
      },
    ]);
  });

  it('3 images with one refused: 200 with the 2 that succeeded, charged exactly 2 x price', async () => {
    const acct = await t.createAccount(100);
    const res = await t.request(ENDPOINT, {
      method: 'POST',
      headers: { Authorization: `Bearer ${acct.key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        ...SMALL,
        number_of_images: 3,
        prompt: 'three lanterns [[offline:fail-index=1]]',
      }),
    });
    const data = (await expectOk(res)) as unknown as {
      images: Array<{ url: string }>;
      credits_used: number;
    };
    expect(data.images).toHaveLength(2);
    expect(new Set(data.images.map((i) => i.url)).size).toBe(2);
    expect(data.credits_used).toBe(6);
    expect(await balanceOf(acct.accountId)).toEqual({ balance: 94, reserved: 0 });
    expect(await generationsOf(acct.accountId)).toMatchObject([
      { status: 'partial', credits_captured: 6, images_delivered: 2 },
    ]);
  });
});

describe('400 invalid_image (blend inputs)', () => {
  it.each<[string, (valid: string) => string[], RegExp]>([
    [
      'a data URI that is not an image',
      () => [`data:image/png;base64,${Buffer.from('hello, not a png').toString('base64')}`],
      /^image_urls\[0\]: /,
    ],
    [
      'a data URI of a non-image type',
      () => ['data:text/plain;base64,aGVsbG8='],
      /^image_urls\[0\]: /,
    ],
    [
      'a bad entry after a good one (named by its index)',
      (valid) => [valid, 'data:image/png;base64,aGVsbG8='],
      /^image_urls\[1\]: /,
    ],
    [
      'an http URL to an internal address',
      () => ['http://127.0.0.1:1/x.png'],
      /^image_urls\[0\]: image_urls may not reference internal addresses$/,
    ],
    [
      'an https URL to a private address',
      () => ['https://10.0.0.1/x.png'],
      /image_urls may not reference internal addresses/,
    ],
    [
      'an http URL to the metadata address',
      () => ['http://169.254.169.254/latest/meta-data/'],
      /image_urls may not reference internal addresses/,
    ],
  ])('%s costs nothing', async (_label, entries, message) => {
    const acct = await t.createAccount(50);
    const res = await t.request(ENDPOINT, {
      method: 'POST',
      headers: { Authorization: `Bearer ${acct.key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ ...SMALL, image_urls: entries(await pngDataUri()) }),
    });
    const err = await expectError(res, 400, 'invalid_image');
    expect(err.message).toMatch(message);
    expect(err.message).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|10\.0\.0\.1|169\.254/);
    expect(await balanceOf(acct.accountId)).toEqual({ balance: 50, reserved: 0 });
  });
});

describe('404 not_found and 405', () => {
  it.each([
    ['GET', '/api/v1/nope'],
    ['POST', '/api/v1/bytedance/generate-images'],
    ['POST', '/api/v2/bytedance/generate-image'],
    ['GET', '/nothing-here'],
  ])('%s %s is an unknown route', async (method, path) => {
    const res = await t.request(path, {
      method,
      headers: { Authorization: `Bearer ${t.key}` },
    });
    await expectError(res, 404, 'not_found');
  });

  it.each([
    '/images/AAAAAAAAAAAAAAAAAAAAAAAA.jpg',
    '/images/AAAAAAAAAAAAAAAAAAAAAAAA',
    '/images/..%2f..%2fetc%2fpasswd',
    '/images/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '/images/..%5c..%5cetc%5cpasswd',
    '/images/../../etc/passwd',
    '/images/%2e%2e/%2e%2e/package.json',
    '/images/AAAAAAAAAAAAAAAAAAAAAAAA.jpg%00.png',
    '/images/',
  ])('GET %s is not found', async (path) => {
    const res = await t.request(path);
    const text = await res.clone().text();
    expect(text).not.toContain('root:');
    expect(text).not.toContain('"name": "goodtake"');
    await expectError(res, 404, 'not_found');
  });

  it('a real image under the wrong extension, or with a changed id, is not found', async () => {
    const data = (await expectOk(await t.generate(SMALL))) as unknown as {
      images: Array<{ url: string }>;
    };
    const path = new URL(data.images[0]!.url).pathname;
    expect(path).toMatch(/^\/images\/[A-Za-z0-9]{24}\.jpg$/);
    expect((await t.request(path)).status).toBe(200);
    for (const wrong of [
      path.replace(/\.jpg$/, '.png'),
      path.replace(/\.jpg$/, '.webp'),
      path.replace(/\.jpg$/, '.JPG'),
      path.replace(/\.jpg$/, ''),
      `${path}/`,
      path.replace(/\/images\/(.)/, (_m, c: string) => `/images/${c === 'A' ? 'B' : 'A'}`),
      path.replace(/\/images\/(.*)\.jpg$/, (_m, id: string) => `/images/${id.toLowerCase()}.jpg`),
    ]) {
      if (wrong === path) continue;
      await expectError(await t.request(wrong), 404, 'not_found');
    }
  });

  it.each(['GET', 'PUT', 'PATCH', 'DELETE'])(
    '%s on the endpoint is 405 with Allow: POST',
    async (method) => {
      const res = await t.request(ENDPOINT, {
        method,
        headers: { Authorization: `Bearer ${t.key}` },
      });
      await expectError(res, 405, 'method_not_allowed');
      expect(res.headers.get('allow')).toBe('POST');
    },
  );
});

describe('429 rate_limit_exceeded', () => {
  it('has the contract shape, retry_after and Retry-After, and costs nothing', async () => {
    const limited = await createTestApp({ env: { GOODTAKE_RATE_LIMIT_RPM: '1' } });
    try {
      expect((await limited.generate({ prompt: '' })).status).toBe(400);
      const before = await limited.application.core.ledger.balance(limited.accountId);
      const res = await limited.generate(SMALL);
      const err = await expectError(res, 429, 'rate_limit_exceeded');
      expect(Number.isInteger(err.retry_after)).toBe(true);
      expect(err.retry_after).toBeGreaterThan(0);
      expect(res.headers.get('retry-after')).toBe(String(err.retry_after));
      expect(await limited.application.core.ledger.balance(limited.accountId)).toEqual(before);
    } finally {
      await limited.close();
    }
  });
});

describe('request ids of errors', () => {
  it('echoes a well-formed client X-Request-Id in the header and the body', async () => {
    const res = await t.generate({ prompt: '' }, { 'X-Request-Id': 'client-trace-0001' });
    const err = await expectError(res, 400, 'invalid_parameters', 'prompt');
    expect(err.request_id).toBe('client-trace-0001');
  });

  it('replaces a malformed client X-Request-Id', async () => {
    const res = await t.generate({ prompt: '' }, { 'X-Request-Id': 'bad id <script>' });
    const err = await expectError(res, 400, 'invalid_parameters', 'prompt');
    expect(err.request_id).not.toContain('<script>');
  });

  it('gives every error its own id', async () => {
    const ids = new Set<string>();
    for (let i = 0; i < 5; i++)
      ids.add((await errorOf(await t.generate({ prompt: '' }))).request_id);
    expect(ids.size).toBe(5);
  });

  it('leaves the books balanced after every error above', async () => {
    expect(await t.application.core.ledger.verify()).toEqual([]);
  });
});

describe('encoding', () => {
  it('refuses a body that is not valid UTF-8 instead of altering the prompt', async () => {
    const t2 = await createTestApp();
    try {
      const bytes = Buffer.concat([
        Buffer.from('{"prompt":"a'),
        Buffer.from([0xff, 0xfe]),
        Buffer.from('","size":"1K","model":"seedream-4-0-250828"}'),
      ]);
      const res = await t2.generate(bytes);
      expect(res.status).toBe(400);
      expect((await errorOf(res)).code).toBe('invalid_json');
      const latin1 = await t2.generate(
        { prompt: 'caf\u00e9', size: '1K' },
        { 'Content-Type': 'application/json; charset=iso-8859-1' },
      );
      expect(latin1.status).toBe(415);
      for (const prompt of ['a\ud800b', 'nul\u0000byte']) {
        const r = await t2.generate({ prompt, size: '1K' });
        expect(r.status).toBe(400);
        expect((await errorOf(r)).field).toBe('prompt');
      }
      const balance = await t2.application.core.ledger.balance(t2.accountId);
      expect(balance).toMatchObject({ balance: 1000, reserved: 0 });
    } finally {
      await t2.close();
    }
  });
});
