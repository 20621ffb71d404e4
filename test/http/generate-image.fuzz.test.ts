import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STATUS_OF } from '../../src/http/errors.ts';
import { createTestApp, ENDPOINT, type TestApp } from '../helpers/harness.ts';
import { prng } from '../helpers/hostile.ts';
import { scaleOutRequested } from '../helpers/scale-out.ts';
import { hostileShapes } from './fuzz-shapes.ts';

/**
 * Malformed bodies, generated deterministically from a valid one. Every one must be refused
 * with a 4xx in the contract's error shape before anything is generated or reserved, and the
 * server must keep serving valid requests throughout.
 */

const V40 = 'seedream-4-0-250828';
const VALID = {
  prompt: 'a red fox in the snow',
  model: V40,
  number_of_images: 1,
  size: '1K',
  optimize_prompt_mode: 'standard',
  include_base64_encoding: false,
  image_urls: [] as string[],
};
type Field = keyof typeof VALID;

interface Case {
  readonly label: string;
  readonly body: string | Uint8Array<ArrayBuffer>;
  /** The exact error code, when the case determines it. */
  readonly code?: 'invalid_json' | 'invalid_parameters';
  /** For invalid_parameters: the fields the reported one must be (or be under, for arrays). */
  readonly fields?: readonly string[];
  /** The codes it may get; invalid_json or invalid_parameters unless set. */
  readonly codes?: readonly string[];
}

/** Values of the wrong type, or out of range, for each field (none of them valid). */
const WRONG: Readonly<Record<Field, readonly unknown[]>> = {
  prompt: [
    null,
    0,
    -1,
    1e308,
    true,
    false,
    [],
    ['a red fox'],
    {},
    { text: 'a red fox' },
    '',
    ' ',
    '\t\n\r',
    '\u3000\u00a0\u2028',
    'x'.repeat(4001),
    '🦊'.repeat(4001),
    'e\u0301'.repeat(2001), // 4002 code points that render as 2001 characters
    'a'.repeat(1_000_000),
  ],
  model: [
    null,
    0,
    4.5,
    true,
    [],
    {},
    '',
    ' ',
    'seedream',
    'seedream-4-5',
    'SEEDREAM-4-5-251128',
    'seedream-4-5-251128 ',
    ' seedream-4-0-250828',
    'seedream-4-0-250828\u0000',
    'seedream-4-0-250828\n',
    'seedream\u20104\u20100\u2010250828',
    '\ud800',
    '\udfff\ud800',
    [V40],
    { id: V40 },
    'x'.repeat(100_000),
  ],
  number_of_images: [
    0,
    5,
    -1,
    1.5,
    3.9999,
    0.5,
    100,
    1e308,
    -1e308,
    Number.MAX_SAFE_INTEGER + 2,
    -0,
    1e-7,
    '1',
    '2',
    ' 2',
    '0x2',
    '1e0',
    'NaN',
    'Infinity',
    '-Infinity',
    '\uff12',
    '',
    null,
    true,
    false,
    [],
    [2],
    {},
    { n: 2 },
  ],
  size: [
    null,
    0,
    2048,
    true,
    [],
    ['2K'],
    {},
    { width: 1024, height: 1024 },
    '',
    ' ',
    '2K ',
    ' 2K',
    '2 K',
    '3K',
    '0K',
    '8K',
    'K',
    '2',
    'auto',
    '2048x2048',
    '1024X1024',
    '1024*1024',
    '1024 x 1024',
    '1024x1024 ',
    '01024x1024',
    '+1024x1024',
    '1024x1024\u0000',
    '\uff11K',
    '2\u212a',
    '2k\u0000',
    '\ud800',
    'x'.repeat(50_000),
  ],
  optimize_prompt_mode: [
    null,
    0,
    true,
    [],
    {},
    '',
    'fast',
    'STANDARD',
    'Standard',
    ' standard',
    'standard ',
    'standard\u0000',
    'creativ',
    'auto',
    ['standard'],
  ],
  include_base64_encoding: [null, 0, 1, 'true', 'false', '', 'yes', [], [true], {}, { v: true }],
  image_urls: [
    null,
    0,
    true,
    'https://example.com/a.png',
    {},
    { 0: 'https://example.com/a.png' },
    [null],
    [1],
    [true],
    [[]],
    [{}],
    [''],
    [' '],
    ['ftp://example.com/a.png'],
    ['javascript:alert(1)'],
    ['file:///etc/passwd'],
    ['//example.com/a.png'],
    ['example.com/a.png'],
    [' https://example.com/a.png'],
    ['gopher://example.com/'],
    ['\ud800https://example.com/a.png'],
    ['https://example.com/a.png', 5],
    Array.from({ length: 11 }, (_, i) => `https://example.com/${i}.png`),
    Array.from({ length: 1000 }, () => 'x'),
  ],
};

const FIELDS = Object.keys(VALID) as Field[];
const json = (v: unknown) => JSON.stringify(v);
/** The valid body's members as raw JSON text, to splice raw members into. */
const validMembers = json(VALID).slice(1, -1);

function wrongTypeCases(): Case[] {
  return FIELDS.flatMap((field) =>
    WRONG[field].map((value, i) => ({
      label: `${field} wrong #${i}: ${json(value)?.slice(0, 40)}`,
      body: json({ ...VALID, [field]: value }),
      code: 'invalid_parameters' as const,
      fields: [field],
    })),
  );
}

function missingPromptCases(): Case[] {
  const { prompt: _p, ...rest } = VALID;
  return [
    { label: 'prompt missing', body: json(rest), code: 'invalid_parameters', fields: ['prompt'] },
    { label: 'empty object', body: '{}', code: 'invalid_parameters', fields: ['prompt'] },
  ];
}

const UNKNOWN_KEYS = [
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'valueOf',
  'hasOwnProperty',
  '__defineGetter__',
  'Prompt',
  'PROMPT',
  'prompt ',
  ' prompt',
  'prompt\u0000',
  '',
  ' ',
  '\u0000',
  '\ud800',
  '\ud83e',
  '🦊',
  'k'.repeat(10_000),
  'k'.repeat(200_000),
  'image_url',
  'negative_prompt',
  'seed',
  'n',
  'response_format',
  'watermark',
  'model.id',
  'size[0]',
];

function unknownKeyCases(): Case[] {
  const values = ['{"polluted":true}', 'null', '1', '"x"', '[]'];
  return UNKNOWN_KEYS.map((key, i) => ({
    label: `unknown key #${i} ${json(key).slice(0, 30)}`,
    // Raw text, so `__proto__` is a real member and not the object literal's prototype.
    body: `{${validMembers},${json(key)}:${values[i % values.length]}}`,
    code: 'invalid_parameters',
    fields: [key],
  }));
}

function prototypePollutionCases(): Case[] {
  return [
    ['proto only', '{"__proto__":{"prompt":"a red fox","polluted":true}}'],
    ['proto first', `{"__proto__":{"polluted":true},${validMembers}}`],
    ['constructor.prototype', `{${validMembers},"constructor":{"prototype":{"polluted":true}}}`],
    ['nested proto', `{${validMembers},"image_urls":{"__proto__":{"polluted":true}}}`],
    ['proto in array', `{${validMembers},"image_urls":[{"__proto__":{"polluted":true}}]}`],
  ].map(([label, body]) => ({
    label: `pollution: ${label}`,
    body: body!,
    code: 'invalid_parameters',
  }));
}

function duplicateKeyCases(): Case[] {
  // JSON.parse keeps the last member: each of these ends on a bad value.
  return [
    ['prompt', '""'],
    ['prompt', 'null'],
    ['number_of_images', '9'],
    ['model', '"x"'],
    ['size', '"9K"'],
    ['image_urls', '"x"'],
    ['include_base64_encoding', '"true"'],
    ['optimize_prompt_mode', '"fast"'],
  ].map(([field, value]) => ({
    label: `duplicate ${field} ending on ${value}`,
    body: `{${validMembers},${json(field)}:${value}}`,
    code: 'invalid_parameters',
    fields: [field!],
  }));
}

function deepNestingCases(): Case[] {
  const arrays = (d: number) => '['.repeat(d) + ']'.repeat(d);
  const objects = (d: number) => `${'{"a":'.repeat(d)}1${'}'.repeat(d)}`;
  const cases: Case[] = [];
  for (const d of [10, 1000, 100_000]) {
    cases.push({ label: `body: arrays nested ${d} deep`, body: arrays(d) });
    cases.push({ label: `prompt: arrays nested ${d} deep`, body: `{"prompt":${arrays(d)}}` });
    cases.push({ label: `prompt: objects nested ${d} deep`, body: `{"prompt":${objects(d)}}` });
  }
  cases.push({
    label: 'unknown key holding objects 50000 deep',
    body: `{${validMembers},"x":${objects(50_000)}}`,
  });
  cases.push({
    label: 'image_urls nested 5000 deep',
    body: `{${validMembers},"image_urls":${arrays(5000)}}`,
  });
  cases.push({
    label: 'number_of_images nested 5000 deep',
    body: `{${validMembers},"number_of_images":${objects(5000)}}`,
  });
  // Past any parser's recursion limit: must still be a clean 4xx.
  cases.push({ label: 'body: arrays nested 1e6 deep', body: arrays(1_000_000) });
  cases.push({ label: 'body: objects nested 300000 deep', body: objects(300_000) });
  return cases;
}

function hugeNumberCases(): Case[] {
  const number = [
    '1e309',
    '-1e309',
    '1e-400',
    '123456789012345678901234567890',
    '4.000000000000001',
    '0.9999999999999999',
    '-0.0',
    '1E1',
    '9007199254740993',
    '-9007199254740993',
  ];
  return [
    ...number.map((n) => ({
      label: `number_of_images ${n}`,
      body: `{${validMembers},"number_of_images":${n}}`,
      code: 'invalid_parameters' as const,
      fields: ['number_of_images'],
    })),
    {
      label: 'prompt 1e309',
      body: `{${validMembers},"prompt":1e309}`,
      code: 'invalid_parameters',
      fields: ['prompt'],
    },
    {
      label: 'size -1e309',
      body: `{${validMembers},"size":-1e309}`,
      code: 'invalid_parameters',
      fields: ['size'],
    },
  ];
}

function syntaxCases(): Case[] {
  const bad = [
    `{${validMembers},"number_of_images":NaN}`,
    `{${validMembers},"number_of_images":Infinity}`,
    `{${validMembers},"number_of_images":-Infinity}`,
    `{${validMembers},"number_of_images":undefined}`,
    `{${validMembers},"number_of_images":+1}`,
    `{${validMembers},"number_of_images":01}`,
    `{${validMembers},"number_of_images":.5}`,
    `{${validMembers},"number_of_images":1.}`,
    `{${validMembers},"number_of_images":0x1}`,
    `{${validMembers},"include_base64_encoding":True}`,
    `{${validMembers},}`,
    `{${validMembers} /* comment */}`,
    `// comment\n{${validMembers}}`,
    `{prompt:"a red fox"}`,
    `{'prompt':'a red fox'}`,
    `{"prompt" "a red fox"}`,
    `{"prompt":"a" "model":"${V40}"}`,
    `{${validMembers}}}`,
    `{{${validMembers}}`,
    `{"prompt":"a\u0001b"}`,
    `{"prompt":"a\nb"}`,
    `{"prompt":"a\tb"}`,
    `{"prompt":"a\u0000b"}`,
    `{"prompt":"\\x41"}`,
    `{"prompt":"\\u12"}`,
    `{"prompt":"\\uZZZZ"}`,
    `{"prompt":"\\a"}`,
    `{"prompt":"unterminated}`,
    `\u0000{${validMembers}}`,
    `{${validMembers}}\u0000`,
    '\ufeff',
    'NaN',
    'undefined',
    "'a red fox'",
    '{"prompt":"a red fox"',
    ']',
    '}',
    ':',
    '"',
  ];
  return bad.map((body, i) => ({
    label: `syntax #${i}: ${body.slice(0, 40)}`,
    body,
    code: 'invalid_json',
  }));
}

function notAnObjectCases(): Case[] {
  return [
    '[]',
    `[${json(VALID)}]`,
    `[[${json(VALID)}]]`,
    '"a red fox"',
    '1',
    '-1',
    'null',
    'true',
    'false',
    '0',
  ].map((body) => ({
    label: `not an object: ${body.slice(0, 30)}`,
    body,
    code: 'invalid_parameters',
    fields: [''],
  }));
}

/** Every proper prefix of a valid body (by characters), and of a UTF-8 one by bytes. */
function truncationCases(): Case[] {
  const text = json(VALID);
  const cases: Case[] = [];
  for (let i = 0; i < text.length; i++) {
    cases.push({
      label: `truncated at ${i}/${text.length}`,
      body: text.slice(0, i),
      code: 'invalid_json',
    });
  }
  const utf8 = Buffer.from(json({ ...VALID, prompt: '🦊 fox, 狐狸, лиса' }));
  const start = utf8.indexOf('🦊');
  for (let i = start; i < start + 30; i++) {
    cases.push({
      label: `utf-8 truncated at byte ${i}`,
      body: new Uint8Array(utf8.subarray(0, i)),
      code: 'invalid_json',
    });
  }
  return cases;
}

function randomBytesCases(rand: () => number): Case[] {
  const cases: Case[] = [];
  for (let i = 0; i < 50; i++) {
    const bytes = new Uint8Array(1 + Math.floor(rand() * 300));
    for (let j = 0; j < bytes.length; j++) bytes[j] = Math.floor(rand() * 256);
    cases.push({ label: `random bytes #${i} (${bytes.length})`, body: bytes });
  }
  for (let i = 0; i < 20; i++) {
    let s = '';
    const n = 1 + Math.floor(rand() * 120);
    for (let j = 0; j < n; j++) s += String.fromCharCode(32 + Math.floor(rand() * 95));
    cases.push({ label: `random ascii #${i}`, body: s });
  }
  return cases;
}

/** Random sequences of JSON tokens; anything that happens to parse with a string prompt is skipped. */
function tokenSoupCases(rand: () => number): Case[] {
  const tokens = [
    '{',
    '}',
    '[',
    ']',
    ':',
    ',',
    '"prompt"',
    '"model"',
    '"size"',
    '1',
    '0',
    'null',
    'true',
    '"2K"',
    ' ',
  ];
  const cases: Case[] = [];
  for (let i = 0; cases.length < 40; i++) {
    let s = '';
    const n = 1 + Math.floor(rand() * 16);
    for (let j = 0; j < n; j++) s += tokens[Math.floor(rand() * tokens.length)];
    try {
      const parsed = JSON.parse(s) as { prompt?: unknown } | null;
      if (typeof parsed?.prompt === 'string') continue;
    } catch {}
    cases.push({ label: `token soup #${i}: ${s}`, body: s });
  }
  return cases;
}

/** A valid body with 1-3 fields broken at random (and sometimes an extra member). */
function combinationCases(rand: () => number): Case[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const cases: Case[] = [];
  for (let i = 0; i < 80; i++) {
    const body: Record<string, unknown> = { ...VALID };
    const broken = new Set<string>();
    const n = 1 + Math.floor(rand() * 3);
    while (broken.size < n) broken.add(pick(FIELDS));
    for (const f of broken) {
      if (f === 'prompt' && rand() < 0.2) delete body.prompt;
      else body[f] = pick(WRONG[f as Field]);
    }
    let text = json(body);
    if (rand() < 0.3) {
      const key = pick(UNKNOWN_KEYS.slice(0, 18));
      broken.add(key);
      text = `${text.slice(0, -1)},${json(key)}:1}`;
    }
    cases.push({
      label: `combination #${i}: ${[...broken].map((k) => json(k)).join(', ')}`,
      body: text,
      code: 'invalid_parameters',
      fields: [...broken],
    });
  }
  return cases;
}

const bodyKey = (c: Case) =>
  typeof c.body === 'string' ? `s:${c.body}` : `b:${Buffer.from(c.body).toString('latin1')}`;

function allCases(): Case[] {
  const rand = prng(0x5eed);
  const seen = new Set<string>();
  return [
    ...wrongTypeCases(),
    ...missingPromptCases(),
    ...unknownKeyCases(),
    ...prototypePollutionCases(),
    ...duplicateKeyCases(),
    ...deepNestingCases(),
    ...hugeNumberCases(),
    ...syntaxCases(),
    ...notAnObjectCases(),
    ...truncationCases(),
    ...randomBytesCases(rand),
    ...tokenSoupCases(rand),
    ...combinationCases(rand),
  ].filter((c) => !seen.has(bodyKey(c)) && seen.add(bodyKey(c)));
}

const KNOWN_CODES = new Map<string, number>(Object.entries(STATUS_OF));

/** Checks one response against its case; returns what was wrong, or undefined. */
async function problemWith(c: Case, res: Response): Promise<string | undefined> {
  const text = await res.text();
  const where = `${c.label} -> ${res.status} ${text.slice(0, 200)}`;
  if (res.status < 400 || res.status >= 500) return `not a 4xx: ${where}`;
  if (!/^application\/json\b/.test(res.headers.get('content-type') ?? '')) {
    return `not JSON: ${where}`;
  }
  let body: { status?: unknown; error?: Record<string, unknown> };
  try {
    body = JSON.parse(text);
  } catch {
    return `unparseable body: ${where}`;
  }
  const err = body.error;
  if (body.status !== 'error' || !err) return `not the error shape: ${where}`;
  if (typeof err.code !== 'string' || KNOWN_CODES.get(err.code) !== res.status) {
    return `code does not match status: ${where}`;
  }
  if (typeof err.message !== 'string' || err.message.length === 0) return `no message: ${where}`;
  if (typeof err.request_id !== 'string' || err.request_id.length < 8) {
    return `no request_id: ${where}`;
  }
  if (res.headers.get('x-request-id') !== err.request_id) return `X-Request-Id differs: ${where}`;
  if (!(c.codes ?? ['invalid_json', 'invalid_parameters']).includes(err.code)) {
    return `unexpected code: ${where}`;
  }
  if (c.code !== undefined && err.code !== c.code) return `expected ${c.code}: ${where}`;
  if (err.code === 'invalid_parameters') {
    // A body that is not an object has no field to name.
    const field: string = typeof err.field === 'string' ? err.field : '';
    if (
      c.fields !== undefined &&
      !c.fields.some(
        (f) =>
          field === f ||
          (f !== '' && field.startsWith(`${f}.`)) ||
          // Unknown keys longer than 64 characters are named by their first 64 and '...'.
          (f.length > 64 && field === `${f.slice(0, 64)}...`),
      )
    ) {
      return `field ${json(field).slice(0, 40)} not among ${json(c.fields).slice(0, 80)}: ${where}`;
    }
  }
  return undefined;
}

let t: TestApp;
let canary: { key: string; accountId: string };
beforeAll(async () => {
  t = await createTestApp();
  canary = await t.createAccount(1000);
});
afterAll(() => t.close());

const CANARY_BODY = json({ prompt: 'still alive', model: V40, size: '1K' });

function send(body: string | Uint8Array<ArrayBuffer>, key = t.key): Promise<Response> {
  return t.request(ENDPOINT, {
    method: 'POST',
    headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
    body,
  });
}

async function expectCanaryServed(): Promise<void> {
  const res = await send(CANARY_BODY, canary.key);
  expect(res.status, await res.clone().text()).toBe(200);
  await res.arrayBuffer();
}

describe('fuzzing POST /api/v1/bytedance/generate-image with malformed bodies', () => {
  const cases = allCases();

  it('generates a deterministic corpus of well over 200 distinct malformed bodies', () => {
    expect(cases.length).toBeGreaterThanOrEqual(500);
    expect(new Set(cases.map(bodyKey)).size).toBe(cases.length);
    // Same seed, same corpus.
    expect(allCases().map((c) => c.label)).toEqual(cases.map((c) => c.label));
  });

  it('refuses every one with a 4xx in the error shape, moving no credits, while valid requests keep working', async () => {
    const before = await t.application.core.ledger.balance(t.accountId);
    const problems: string[] = [];
    for (const [i, c] of cases.entries()) {
      const problem = await problemWith(c, await send(c.body));
      if (problem) problems.push(problem);
      if (i % 100 === 99) await expectCanaryServed();
    }
    // The same corpus again, 50 requests at a time.
    for (let i = 0; i < cases.length; i += 50) {
      const batch = cases.slice(i, i + 50);
      const responses = await Promise.all(batch.map((c) => send(c.body)));
      for (const [j, res] of responses.entries()) {
        const problem = await problemWith(batch[j]!, res);
        if (problem) problems.push(`(concurrent) ${problem}`);
      }
    }
    await expectCanaryServed();

    expect(problems).toEqual([]);
    expect(await t.application.core.ledger.balance(t.accountId)).toEqual(before);
    const generations = await t.application.core.database.db
      .selectFrom('generations')
      .select('id')
      .where('account_id', '=', t.accountId)
      .execute();
    expect(generations).toEqual([]);
    expect(await t.application.core.ledger.verify()).toEqual([]);
    // No body managed to write through to a shared prototype.
    expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

/** Hostile shapes may also be refused as too large, or as a source image entry too long. */
const SHAPE_CODES = ['invalid_json', 'invalid_parameters', 'payload_too_large', 'invalid_image'];
// The shapes test the body reader, the same in both modes; the scale-out mode (PostgreSQL and
// Redis behind every request) runs a fifth of them.
const SHAPE_COUNT = scaleOutRequested() ? 2_000 : 10_000;
/**
 * Memory after the shapes, over before, both after a full garbage collection. The app runs in
 * this process, with the test and its 10,000 request objects: what JavaScript still references
 * must not grow (a leak would), while resident memory also keeps what the allocator holds on to
 * after freeing many buffers of mixed sizes. The server's own resident memory, alone in its
 * process, is measured by test/hostile/hostile-input.test.ts.
 */
const SHAPE_RETAINED_BOUND_MB = 32;
const SHAPE_RSS_BOUND_MB = 250;

describe(`fuzzing with ${SHAPE_COUNT.toLocaleString('en-US')} hostile-shaped bodies`, () => {
  it(`refuses every one with a 4xx in the error shape (zero 5xx); referenced memory back within ${SHAPE_RETAINED_BOUND_MB} MB, RSS within ${SHAPE_RSS_BOUND_MB} MB`, {
    timeout: 180_000,
  }, async () => {
    const mb = (n: number) => Math.round(n / 1024 / 1024);
    const rss = () => mb(process.memoryUsage().rss);
    /** What JavaScript still references: the heap in use and the buffers outside it. */
    const retained = () => {
      const m = process.memoryUsage();
      return mb(m.heapUsed + m.external);
    };
    // A full collection before each reading, so that what is compared is what stays referenced
    // (the app runs in this process), not garbage the collector has not reached yet.
    setFlagsFromString('--expose-gc');
    const collect = runInNewContext('gc') as () => void;
    collect();
    const retainedBefore = retained();
    const before = await t.application.core.ledger.balance(t.accountId);
    const rssBefore = rss();
    let rssPeak = rssBefore;
    const problems: string[] = [];
    const statuses = new Map<number, number>();
    let bytes = 0;
    let batch: Case[] = [];
    const flush = async () => {
      const responses = await Promise.all(batch.map((c) => send(c.body)));
      for (const [j, res] of responses.entries()) {
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        const problem = await problemWith(batch[j]!, res);
        if (problem) problems.push(problem);
      }
      batch = [];
      rssPeak = Math.max(rssPeak, rss());
    };
    for (const shape of hostileShapes(prng(0x5a9e), SHAPE_COUNT)) {
      bytes += Buffer.byteLength(shape.body);
      batch.push({ ...shape, codes: SHAPE_CODES });
      if (batch.length === 50) await flush();
    }
    await flush();
    await expectCanaryServed();
    collect();
    const rssAfter = rss();
    const retainedAfter = retained();
    console.log(
      `${SHAPE_COUNT} hostile-shaped bodies (${(bytes / 1024 / 1024).toFixed(1)} MiB): statuses ${JSON.stringify(Object.fromEntries(statuses))}; RSS ${rssBefore} MB before, ${rssPeak} MB at most, ${rssAfter} MB after; referenced ${retainedBefore} MB before, ${retainedAfter} MB after`,
    );
    expect(problems.slice(0, 20)).toEqual([]);
    expect([...statuses.keys()].every((s) => s >= 400 && s < 500)).toBe(true);
    expect([...statuses.values()].reduce((a, b) => a + b, 0)).toBe(SHAPE_COUNT);
    expect(retainedAfter - retainedBefore).toBeLessThanOrEqual(SHAPE_RETAINED_BOUND_MB);
    expect(rssAfter - rssBefore).toBeLessThanOrEqual(SHAPE_RSS_BOUND_MB);
    expect(await t.application.core.ledger.balance(t.accountId)).toEqual(before);
    expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false);
  });

  it('draws the same shapes from the same seed', () => {
    const labels = (seed: number) => [...hostileShapes(prng(seed), 200)].map((s) => s.label);
    expect(labels(0x5a9e)).toEqual(labels(0x5a9e));
    expect(
      new Set(labels(0x5a9e).map((l) => l.split(':')[0]!.split(' ').slice(1).join(' '))).size,
    ).toBe(11);
  });
});
