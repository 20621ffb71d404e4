import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

/*
 * The WebAssembly build of c2pa-rs (@contentauth/c2pa-wasm), the Content Authenticity
 * Initiative's reference C2PA library. Its signer reads the asset through the browser's
 * `Blob` + `FileReaderSync` (a worker-only API Node does not have); `BytesBlob` is a Blob whose
 * bytes are already in memory, and the shim below reads exactly those, synchronously and
 * without a copy when the bytes own their buffer. Nothing else in the process sees a change:
 * the shim is installed only where `FileReaderSync` does not exist, and refuses other Blobs.
 */

export type C2paModule = typeof import('@contentauth/c2pa-wasm');

/** A Blob over bytes already in memory, readable synchronously by the shim. */
export class BytesBlob extends Blob {
  readonly #bytes: Uint8Array;
  constructor(bytes: Uint8Array) {
    super();
    this.#bytes = bytes;
  }
  override get size(): number {
    return this.#bytes.byteLength;
  }
  override slice(start = 0, end = this.#bytes.byteLength): BytesBlob {
    return new BytesBlob(this.#bytes.subarray(start, end));
  }
  static bytesOf(blob: unknown): Uint8Array | undefined {
    return blob instanceof BytesBlob ? blob.#bytes : undefined;
  }
}

class BytesBlobReader {
  readAsArrayBuffer(blob: unknown): ArrayBuffer {
    const bytes = BytesBlob.bytesOf(blob);
    if (!bytes) throw new TypeError('only BytesBlob can be read synchronously here');
    const { buffer, byteOffset, byteLength } = bytes;
    if (byteOffset === 0 && byteLength === buffer.byteLength && buffer instanceof ArrayBuffer) {
      return buffer;
    }
    return buffer.slice(byteOffset, byteOffset + byteLength) as ArrayBuffer;
  }
}

/**
 * Runs a synchronous call into c2pa-rs with JavaScript stack traces off. Its bindings make a
 * JavaScript `Error` for every serde error, also the ones c2pa-rs recovers from (an untagged
 * enum tries each variant in turn: the action's `softwareAgent` map is first tried as a
 * string), and capturing the stack of an `Error` made deep inside WebAssembly costs about
 * 65 µs, more than the rest of the call. No other code runs during a synchronous call, so
 * nothing else sees the setting; an error the call throws keeps its message.
 */
export function withoutStackTraces<T>(call: () => T): T {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return call();
  } finally {
    Error.stackTraceLimit = limit;
  }
}

let loading: Promise<C2paModule> | undefined;

/**
 * Compiles and instantiates the c2pa-rs WebAssembly module (about 9 MB) once per process; the
 * module keeps its instance itself, so every caller shares it.
 */
export function loadC2pa(): Promise<C2paModule> {
  loading ??= (async () => {
    const globals = globalThis as { FileReaderSync?: unknown };
    globals.FileReaderSync ??= BytesBlobReader;
    const c2pa = await import('@contentauth/c2pa-wasm');
    const path = createRequire(import.meta.url).resolve('@contentauth/c2pa-wasm/c2pa.wasm');
    const module = await WebAssembly.compile(await readFile(path));
    c2pa.initSync({ module });
    return c2pa;
  })();
  return loading;
}
