import { describe, expect, it } from 'vitest';
import {
  createJsonShapeScanner,
  type JsonShapeFailure,
  type JsonShapeLimits,
} from '../../../src/http/body/json-scan.ts';
import { prng } from '../../helpers/hostile.ts';

const LOOSE: JsonShapeLimits = {
  maxDepth: 100,
  maxMembers: 1000,
  maxKeyBytes: 1000,
  maxStructureBytes: 1_000_000,
};

/** Scans `text` cut into chunks at the given byte offsets. */
function scan(
  text: string | Buffer,
  limits: Partial<JsonShapeLimits> = {},
  cuts: number[] = [],
): JsonShapeFailure | undefined {
  const bytes = typeof text === 'string' ? Buffer.from(text) : text;
  const scanner = createJsonShapeScanner({ ...LOOSE, ...limits });
  let from = 0;
  for (const at of [...cuts, bytes.length]) {
    const failure = scanner.push(bytes.subarray(from, at));
    if (failure) return failure;
    from = at;
  }
  return undefined;
}

/** Every way of cutting `text` into two chunks, and into single bytes. */
function everyCut(text: string, limits: Partial<JsonShapeLimits> = {}) {
  const n = Buffer.byteLength(text);
  const results = [scan(text, limits)];
  for (let i = 0; i <= n; i++) results.push(scan(text, limits, [i]));
  results.push(
    scan(
      text,
      limits,
      Array.from({ length: n }, (_, i) => i),
    ),
  );
  return results;
}

describe('JSON shape scan', () => {
  it('lets ordinary JSON through, however it is cut into chunks', () => {
    const docs = [
      '{"prompt":"a fox","n":1,"ok":true,"x":null,"list":[1,2.5e3,"s",{"a":[]}]}',
      '[]',
      '"just a string"',
      '  {"esc":"quote \\" backslash \\\\ slash \\/ unicode \\u00e9","k\\"ey":"v"}  ',
      '{"emoji":"🦊 狐狸","nested":{"a":{"b":{"c":[[[]]]}}}}',
    ];
    for (const doc of docs) {
      for (const result of everyCut(doc)) expect(result).toBeUndefined();
    }
  });

  it('refuses nesting past maxDepth, naming where', () => {
    const doc = '{"a":{"b":[{"c":1}]}}'; // depth 4
    expect(everyCut(doc, { maxDepth: 4 }).every((r) => r === undefined)).toBe(true);
    for (const r of everyCut(doc, { maxDepth: 3 })) {
      expect(r).toEqual({ kind: 'too_deep', path: ['a', 'b', 0], limit: 3 });
    }
    expect(scan('['.repeat(1_000_000), { maxDepth: 32 })).toMatchObject({ kind: 'too_deep' });
  });

  it('counts members of objects and items of arrays', () => {
    expect(scan('{"a":1,"b":2,"c":3}', { maxMembers: 3 })).toBeUndefined();
    expect(scan('{"a":1,"b":2,"c":3,"d":4}', { maxMembers: 3 })).toEqual({
      kind: 'too_many_members',
      path: [],
      limit: 3,
    });
    expect(scan('{"x":[1,"2",[3]]}', { maxMembers: 3 })).toBeUndefined();
    expect(scan('{"x":[1,"2",[3],{}]}', { maxMembers: 3 })).toEqual({
      kind: 'too_many_members',
      path: ['x'],
      limit: 3,
    });
    expect(scan('[[],[],[]]', { maxMembers: 3 })).toBeUndefined();
    expect(scan('[[],[],[],[]]', { maxMembers: 3 })).toMatchObject({ path: [] });
  });

  it('refuses long member names with their start, and decodes escaped names', () => {
    expect(scan(`{"${'k'.repeat(300)}":1}`, { maxKeyBytes: 256 })).toEqual({
      kind: 'key_too_long',
      path: [],
      limit: 256,
      start: 'k'.repeat(64),
    });
    const seen: unknown[] = [];
    scan('{"\\u0070rompt":"x","a\\"b":{"c":"y"}}', {
      stringRule: (path) => {
        seen.push(path);
        return undefined;
      },
    });
    expect(seen).toEqual([['prompt'], ['a"b', 'c']]);
  });

  it('bounds strings by path, and keeps own-budget strings out of the structure count', () => {
    const limits: Partial<JsonShapeLimits> = {
      maxStructureBytes: 100,
      stringRule: (path) =>
        path[0] === 'big'
          ? { maxBytes: 10_000, ownBudget: true }
          : path[0] === 'p'
            ? { maxBytes: 20 }
            : undefined,
    };
    expect(scan(`{"big":["${'A'.repeat(9_999)}"]}`, limits)).toBeUndefined();
    expect(scan(`{"big":"${'A'.repeat(10_000)}"}`, limits)).toBeUndefined();
    expect(scan(`{"big":"${'A'.repeat(10_001)}"}`, limits)).toEqual({
      kind: 'string_too_long',
      path: ['big'],
      limit: 10_000,
    });
    expect(scan(`{"p":"${'x'.repeat(20)}"}`, limits)).toBeUndefined();
    expect(scan(`{"p":"${'x'.repeat(21)}"}`, limits)).toMatchObject({ path: ['p'], limit: 20 });
    expect(scan(`{"q":"${'x'.repeat(200)}"}`, limits)).toEqual({
      kind: 'structure_too_large',
      limit: 100,
    });
    expect(scan(`{"q":1${' '.repeat(200)}}`, limits)).toMatchObject({
      kind: 'structure_too_large',
    });
  });

  it('stops a long string at its limit without waiting for its end', () => {
    const scanner = createJsonShapeScanner({
      ...LOOSE,
      stringRule: () => ({ maxBytes: 1000 }),
    });
    expect(scanner.push(Buffer.from('{"prompt":"'))).toBeUndefined();
    expect(scanner.push(Buffer.alloc(999, 0x61))).toBeUndefined();
    expect(scanner.push(Buffer.alloc(2, 0x61))).toMatchObject({ kind: 'string_too_long' });
    // Once failed, it stays failed.
    expect(scanner.push(Buffer.from('"}'))).toMatchObject({ kind: 'string_too_long' });
  });

  it('finds string ends exactly, however quotes and backslashes fall across chunks', () => {
    const rand = prng(0x1234);
    const alphabet = ['\\\\', '\\"', 'a', '"', '\\n', '\\u0022', '/', 'é'];
    for (let round = 0; round < 300; round++) {
      let value = '';
      const n = Math.floor(rand() * 12);
      for (let i = 0; i < n; i++) {
        const piece = alphabet[Math.floor(rand() * alphabet.length)]!;
        value += piece === '"' ? '\\"' : piece;
      }
      const doc = `{"s":"${value}","t":[1]}`;
      expect(() => JSON.parse(doc)).not.toThrow();
      const bytes = Buffer.byteLength(value);
      const exact = {
        stringRule: (p: readonly unknown[]) => (p[0] === 's' ? { maxBytes: bytes } : undefined),
      };
      const short = {
        stringRule: (p: readonly unknown[]) => (p[0] === 's' ? { maxBytes: bytes - 1 } : undefined),
      };
      for (const r of everyCut(doc, exact)) expect(r).toBeUndefined();
      if (bytes > 0) {
        for (const r of everyCut(doc, short)) expect(r).toMatchObject({ path: ['s'] });
      }
    }
  });

  it('reports a bracket closed that was never opened', () => {
    expect(scan(']')).toEqual({ kind: 'syntax' });
    expect(scan('{"a":[1}')).toEqual({ kind: 'syntax' });
    // Everything else is for JSON.parse to judge.
    expect(scan('{"a":')).toBeUndefined();
    expect(scan('nonsense')).toBeUndefined();
  });
});
