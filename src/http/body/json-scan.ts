/**
 * An incremental scan of JSON text, fed chunk by chunk as a request body arrives, that enforces
 * shape limits before anything is parsed: nesting depth, members per object or array, key length,
 * string length per path, and the bytes outside strings that may be long. It finds where strings
 * end with `Buffer.indexOf` (native), so a 10 MB data URI costs a few memchr calls, and only the
 * bytes between strings (bounded by `maxStructureBytes`) are looked at one by one in JavaScript.
 *
 * It is not a validator: JSON.parse still parses the whole text afterwards and reports syntax
 * errors. The scan only stops early on what is certainly wrong (a limit broken, a bracket closed
 * that was never opened), so that a hostile body is refused at the first byte past what the
 * endpoint can use, instead of being read, decoded and parsed in full.
 */

/** Where a value sits: member names and array indexes from the top-level value down. */
export type JsonPath = ReadonlyArray<string | number>;

/** How a string at some path is bounded. */
export interface StringRule {
  /** Most bytes of JSON text between its quotes (escapes counted as written). */
  readonly maxBytes: number;
  /**
   * The string's bytes do not count against `maxStructureBytes` (they have a budget of their
   * own, `maxBytes`): for the few fields that may legitimately be large, such as data URIs.
   */
  readonly ownBudget?: boolean;
}

export interface JsonShapeLimits {
  /** Deepest nesting of objects and arrays; the top-level object or array is depth 1. */
  readonly maxDepth: number;
  /** Most members of one object, or items of one array. */
  readonly maxMembers: number;
  /** Longest member name, in bytes of JSON text. */
  readonly maxKeyBytes: number;
  /** Most bytes of everything but strings with an own budget: syntax, numbers, other strings. */
  readonly maxStructureBytes: number;
  /** The rule for the string value at `path`; none means it only counts as structure. */
  readonly stringRule?: (path: JsonPath) => StringRule | undefined;
}

export type JsonShapeFailure =
  | { readonly kind: 'structure_too_large'; readonly limit: number }
  | { readonly kind: 'too_deep'; readonly path: JsonPath; readonly limit: number }
  | { readonly kind: 'too_many_members'; readonly path: JsonPath; readonly limit: number }
  | {
      readonly kind: 'key_too_long';
      readonly path: JsonPath;
      readonly limit: number;
      /** The name's first 64 characters, decoded as far as they go. */
      readonly start: string;
    }
  | { readonly kind: 'string_too_long'; readonly path: JsonPath; readonly limit: number }
  | { readonly kind: 'syntax' };

export interface JsonShapeScanner {
  /** Scans the next chunk; returns the first limit broken, or undefined to keep reading. */
  push(chunk: Uint8Array): JsonShapeFailure | undefined;
}

interface Frame {
  readonly kind: 'object' | 'array';
  members: number;
  /** Object: the current member's name; array: the current item's index. */
  key: string | number | undefined;
  /** Object: the next string is a member name. Array: the next value starts an item. */
  expecting: boolean;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

/** A member name as JSON.parse will see it (escapes resolved), or its raw text if invalid. */
function decodeKey(raw: Buffer): string {
  const text = raw.toString('utf8');
  try {
    return JSON.parse(`"${text}"`) as string;
  } catch {
    return text;
  }
}

/** Starts a scan with the given limits. */
export function createJsonShapeScanner(limits: JsonShapeLimits): JsonShapeScanner {
  const stack: Frame[] = [];
  let structure = 0;
  let failed: JsonShapeFailure | undefined;

  // The string being read, if any.
  let inString = false;
  let stringIsKey = false;
  let stringBytes = 0;
  let stringLimit = 0;
  let stringOwnBudget = false;
  let stringPath: JsonPath = [];
  /** Backslashes at the end of what was read of the string, modulo 2: 1 escapes the next byte. */
  let carry = 0;
  const keyParts: Buffer[] = [];

  /** The path of the innermost container. */
  const containerPath = (): Array<string | number> =>
    stack.slice(0, -1).map((frame) => frame.key ?? '');
  /** The path of the value being read inside the innermost container. */
  const valuePath = (): Array<string | number> => stack.map((frame) => frame.key ?? '');

  /** Counts a new member or item in the innermost container, if a value starts there. */
  const startItem = (): JsonShapeFailure | undefined => {
    const top = stack[stack.length - 1];
    if (top?.kind !== 'array' || !top.expecting) return undefined;
    top.expecting = false;
    top.key = top.members;
    top.members += 1;
    if (top.members > limits.maxMembers) {
      return { kind: 'too_many_members', path: containerPath(), limit: limits.maxMembers };
    }
    return undefined;
  };

  const startString = (): JsonShapeFailure | undefined => {
    const top = stack[stack.length - 1];
    inString = true;
    carry = 0;
    stringBytes = 0;
    if (top?.kind === 'object' && top.expecting) {
      top.members += 1;
      if (top.members > limits.maxMembers) {
        return { kind: 'too_many_members', path: containerPath(), limit: limits.maxMembers };
      }
      stringIsKey = true;
      stringLimit = limits.maxKeyBytes;
      stringOwnBudget = false;
      stringPath = containerPath();
      keyParts.length = 0;
      return undefined;
    }
    const item = startItem();
    if (item) return item;
    stringIsKey = false;
    stringPath = valuePath();
    const rule = limits.stringRule?.(stringPath);
    stringLimit = rule?.maxBytes ?? Number.POSITIVE_INFINITY;
    stringOwnBudget = rule?.ownBudget === true;
    return undefined;
  };

  /** Adds `n` bytes of string content; checks the string's own limit and the structure budget. */
  const addStringBytes = (n: number): JsonShapeFailure | undefined => {
    stringBytes += n;
    if (stringBytes > stringLimit) {
      if (!stringIsKey) return { kind: 'string_too_long', path: stringPath, limit: stringLimit };
      const start = decodeKey(Buffer.concat(keyParts)).slice(0, 64);
      return { kind: 'key_too_long', path: stringPath, limit: stringLimit, start };
    }
    if (!stringOwnBudget) return addStructure(n);
    return undefined;
  };

  const addStructure = (n: number): JsonShapeFailure | undefined => {
    structure += n;
    return structure > limits.maxStructureBytes
      ? { kind: 'structure_too_large', limit: limits.maxStructureBytes }
      : undefined;
  };

  const endString = (): void => {
    inString = false;
    if (!stringIsKey) return;
    const top = stack[stack.length - 1];
    if (top) {
      top.key = decodeKey(Buffer.concat(keyParts));
      top.expecting = false;
    }
    keyParts.length = 0;
  };

  /** Keeps a member name's bytes, no more than its limit allows (plus one byte to tell). */
  const keepKeyBytes = (part: Buffer): void => {
    const room = limits.maxKeyBytes + 1 - stringBytes;
    if (room > 0) keyParts.push(Buffer.from(part.subarray(0, room)));
  };

  /** Reads string content from `at`; returns the index after the closing quote, or -1. */
  const scanString = (bytes: Buffer, at: number): number | JsonShapeFailure => {
    let from = at;
    for (;;) {
      const quote = bytes.indexOf(QUOTE, from);
      const end = quote === -1 ? bytes.length : quote;
      let run = 0;
      while (end - run - 1 >= from && bytes[end - run - 1] === BACKSLASH) run++;
      const backslashes = run === end - from ? run + carry : run;
      if (quote === -1) {
        carry = backslashes % 2;
        if (stringIsKey) keepKeyBytes(bytes.subarray(at, end));
        return addStringBytes(end - at) ?? -1;
      }
      if (backslashes % 2 === 1) {
        // An escaped quote belongs to the string; look for the next one.
        carry = 0;
        from = quote + 1;
        continue;
      }
      carry = 0;
      if (stringIsKey) keepKeyBytes(bytes.subarray(at, quote));
      const over = addStringBytes(quote - at);
      if (over) return over;
      endString();
      return quote + 1;
    }
  };

  const step = (bytes: Buffer): JsonShapeFailure | undefined => {
    let i = 0;
    while (i < bytes.length) {
      if (inString) {
        const next = scanString(bytes, i);
        if (typeof next !== 'number') return next;
        if (next === -1) return undefined;
        // The closing quote counts as structure.
        const over = addStructure(1);
        if (over) return over;
        i = next;
        continue;
      }
      const b = bytes[i]!;
      const over = addStructure(1);
      if (over) return over;
      i++;
      if (WHITESPACE.has(b)) continue;
      if (b === QUOTE) {
        const problem = startString();
        if (problem) return problem;
        continue;
      }
      if (b === 0x7b /* { */ || b === 0x5b /* [ */) {
        const item = startItem();
        if (item) return item;
        if (stack.length + 1 > limits.maxDepth) {
          return { kind: 'too_deep', path: valuePath(), limit: limits.maxDepth };
        }
        stack.push({
          kind: b === 0x7b ? 'object' : 'array',
          members: 0,
          key: undefined,
          expecting: true,
        });
        continue;
      }
      if (b === 0x7d /* } */ || b === 0x5d /* ] */) {
        const top = stack.pop();
        if (!top || top.kind !== (b === 0x7d ? 'object' : 'array')) return { kind: 'syntax' };
        continue;
      }
      const top = stack[stack.length - 1];
      if (b === 0x2c /* , */) {
        if (top) top.expecting = true;
        continue;
      }
      if (b === 0x3a /* : */) continue;
      // A number or a literal (true, false, null), or a stray byte JSON.parse will refuse.
      const item = startItem();
      if (item) return item;
    }
    return undefined;
  };

  return {
    push(chunk) {
      if (failed) return failed;
      const bytes = Buffer.isBuffer(chunk)
        ? chunk
        : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      failed = step(bytes);
      return failed;
    },
  };
}
