import { seedCatalog } from '../../src/catalog/build.ts';
import { checkGenerateImageRequest, SUPPORTED_FIELDS } from '../../src/contract/generate-image.ts';
import { PROTOTYPE_NAMES } from '../helpers/hostile.ts';

/**
 * Hostile-shaped generate-image bodies for the fuzz test, made from a seeded random source:
 * prompts past 4,000 characters (plain, escaped, astral), nesting past the depth limit in any
 * field, objects and arrays past the member limit, long member names, long strings in short
 * fields, too many image entries, whitespace floods, escape soups, and random mutations of a
 * valid body. Each is invalid (a body that happens to be valid is replaced by the next draw).
 * Most go just past a limit and one in ten far past it, so that 10,000 of them stay a few dozen
 * megabytes and run in seconds in-process; the full-size versions (50 MiB) run against a real
 * server in test/hostile/hostile-input.test.ts.
 */

export interface ShapeCase {
  readonly label: string;
  readonly body: string;
  /** The fields the error may name (or be under), when the shape decides it. */
  readonly fields?: readonly string[];
}

const FIELDS = SUPPORTED_FIELDS;

type Rand = () => number;

function valid(rand: Rand): Record<string, unknown> {
  const body: Record<string, unknown> = { prompt: 'a red fox in the snow' };
  if (rand() < 0.5) body.model = 'seedream-4-0-250828';
  if (rand() < 0.5) body.size = '1K';
  if (rand() < 0.3) body.number_of_images = 1 + Math.floor(rand() * 4);
  return body;
}

/** The valid body as JSON, with `member` (raw JSON text `"key":value`) spliced in. */
function withMember(rand: Rand, member: string): string {
  const text = JSON.stringify(valid(rand));
  return rand() < 0.5 ? `{${member},${text.slice(1)}` : `${text.slice(0, -1)},${member}}`;
}

function nested(rand: Rand, depth: number): string {
  const open = rand() < 0.5 ? '[' : '{"a":';
  const close = open === '[' ? ']' : '}';
  return `${open.repeat(depth)}${rand() < 0.5 ? '1' : '"x"'}${close.repeat(depth)}`;
}

const pick = <T>(rand: Rand, xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
const between = (rand: Rand, lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));

type Shape = (rand: Rand) => ShapeCase;

const SHAPES: ReadonlyArray<readonly [string, Shape]> = [
  [
    'long prompt',
    (rand) => {
      const unit = pick(rand, ['x', '🦊', '\\u00e9', '\\ud83e\\udd8a', ' ', 'é']);
      const n = between(rand, 4001, rand() < 0.95 ? 6000 : 20_000);
      return {
        label: `prompt of ${n} x ${unit}`,
        body: withMember(rand, `"prompt":"${unit.repeat(n)}"`),
        fields: ['prompt'],
      };
    },
  ],
  [
    'deep nesting',
    (rand) => {
      const field = rand() < 0.3 ? 'extra' : pick(rand, FIELDS);
      const depth = between(rand, 9, rand() < 0.95 ? 100 : 10_000);
      return {
        label: `${field} nested ${depth} deep`,
        body: withMember(rand, `"${field}":${nested(rand, depth)}`),
        fields: [field],
      };
    },
  ],
  [
    'deep body',
    (rand) => {
      const depth = between(rand, 9, rand() < 0.95 ? 100 : 10_000);
      return { label: `the body nested ${depth} deep`, body: nested(rand, depth) };
    },
  ],
  [
    'many members',
    (rand) => {
      const n = between(rand, 65, rand() < 0.95 ? 200 : 5000);
      const members = Array.from({ length: n }, (_, i) => `"k${i}":${i % 3 === 0 ? '"v"' : i}`);
      if (rand() < 0.5) {
        return { label: `${n} unknown members`, body: `{"prompt":"x",${members.join(',')}}` };
      }
      const field = pick(rand, ['extra', ...FIELDS]);
      return {
        label: `${field} with ${n} members`,
        body: withMember(rand, `"${field}":{${members.join(',')}}`),
        fields: [field],
      };
    },
  ],
  [
    'long array',
    (rand) => {
      const n = between(rand, 11, rand() < 0.95 ? 200 : 5000);
      const item = pick(rand, ['"https://example.com/a.png"', '1', 'null', '"x"', '[]']);
      return {
        label: `image_urls of ${n} x ${item}`,
        body: withMember(rand, `"image_urls":[${Array(n).fill(item).join(',')}]`),
        fields: ['image_urls'],
      };
    },
  ],
  [
    'long key',
    (rand) => {
      const n = between(rand, 257, rand() < 0.95 ? 600 : 20_000);
      const key = pick(rand, ['k', '_', 'é', 'p']).repeat(n);
      return {
        label: `a member name of ${n} characters`,
        body: withMember(rand, `"${key}":1`),
        fields: [key],
      };
    },
  ],
  [
    'long short-field',
    (rand) => {
      const field = pick(rand, ['model', 'size', 'optimize_prompt_mode']);
      const n = between(rand, 1025, rand() < 0.95 ? 2000 : 20_000);
      return {
        label: `${field} of ${n} characters`,
        body: withMember(rand, `"${field}":"${'m'.repeat(n)}"`),
        fields: [field],
      };
    },
  ],
  [
    'whitespace',
    (rand) => {
      const text = JSON.stringify(valid(rand));
      // One in five past the 64 KiB of JSON a request without images may have (413); the rest
      // whitespace around every token and a wrong value.
      if (rand() < 0.2) {
        const n = between(rand, 64 * 1024, 70 * 1024);
        return {
          label: `${n} bytes of whitespace`,
          body: `{${' '.repeat(n)}"prompt":1${text.slice(1)}`,
        };
      }
      const ws = pick(rand, [' ', '\t', '\n', '\r\n', '  \t ']).repeat(between(rand, 1, 50));
      return {
        label: 'whitespace around every token',
        body: `${ws}{${ws}"number_of_images"${ws}:${ws}"x"${ws},${ws}${text.slice(1, -1).replaceAll(',', `${ws},${ws}`)}${ws}}${ws}`,
        fields: ['number_of_images'],
      };
    },
  ],
  [
    'prototype member',
    (rand) => {
      const name = pick(rand, PROTOTYPE_NAMES);
      const value = pick(rand, ['{"polluted":true}', '[]', '"x"', 'null', nested(rand, 20)]);
      return {
        label: `a ${name} member holding ${value.slice(0, 20)}`,
        body: withMember(rand, `"${name}":${value}`),
      };
    },
  ],
  [
    'escape soup',
    (rand) => {
      const pieces = ['\\u0000', '\\ud800', '\\udfff', '\\\\', '\\"', '\\u0022', '\\n', '\\t'];
      const n = between(rand, 1, rand() < 0.95 ? 300 : 2000);
      let s = '';
      for (let i = 0; i < n; i++) s += pick(rand, pieces);
      return {
        label: `a prompt of ${n} escapes`,
        body: withMember(rand, `"prompt":"${s}\\u0000"`),
        fields: ['prompt'],
      };
    },
  ],
  [
    'mutation',
    (rand) => {
      let text = JSON.stringify({
        ...valid(rand),
        image_urls: [],
        optimize_prompt_mode: 'standard',
      });
      const ops = between(rand, 1, 6);
      for (let i = 0; i < ops; i++) {
        const at = Math.floor(rand() * (text.length + 1));
        const op = Math.floor(rand() * 5);
        const token = pick(rand, [
          '{',
          '}',
          '[',
          ']',
          ':',
          ',',
          '"',
          '\\',
          '0',
          'e',
          '-',
          ' ',
          '\u0000',
          'é',
        ]);
        if (op === 0) text = text.slice(0, at) + text.slice(at + 1);
        else if (op === 1) text = text.slice(0, at) + token + text.slice(at);
        else if (op === 2) text = text.slice(0, at) + token + text.slice(at + 1);
        else if (op === 3) text = text.slice(0, at);
        else
          text =
            text.slice(0, at) +
            text.slice(at, at + 40).repeat(between(rand, 2, 200)) +
            text.slice(at);
      }
      return { label: `mutation ${JSON.stringify(text.slice(0, 40))}`, body: text };
    },
  ],
];

/** Whether the server must accept `body` (then it is no use here). */
function acceptable(body: string): boolean {
  try {
    return checkGenerateImageRequest(JSON.parse(body), seedCatalog()).ok;
  } catch {
    return false;
  }
}

/** `count` hostile-shaped invalid bodies, the same ones for the same seed. */
export function* hostileShapes(rand: Rand, count: number): Generator<ShapeCase> {
  for (let i = 0; i < count; ) {
    const [kind, make] = SHAPES[i % SHAPES.length]!;
    const shape = make(rand);
    if (acceptable(shape.body)) continue;
    i++;
    yield { ...shape, label: `#${i} ${kind}: ${shape.label}` };
  }
}
