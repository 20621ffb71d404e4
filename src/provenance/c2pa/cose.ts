import { encode, Tag } from 'cbor2';
import { COSE_ALGORITHMS, type SigningKey } from './signing-key.ts';

const COSE_SIGN1_TAG = 18;
const HEADER_ALG = 1;
const HEADER_X5CHAIN = 33;
const EMPTY = new Uint8Array(0);

/** Bytes a `COSE_Sign1` of this key can take beyond its certificates: headers, signature, pad. */
export function coseReserveSize(key: SigningKey): number {
  const certs = key.chain.reduce((n, c) => n + c.length + 5, 0);
  const signature = key.algorithm === 'ps256' ? 1024 : 160;
  return certs + signature + 512;
}

/** CBOR byte-string header length for a string of n bytes. */
const bstrHead = (n: number) => (n < 24 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 5);

/**
 * The `COSE_Sign1` signature of a C2PA claim (C2PA 2.x §14): the algorithm and the certificate
 * chain (`x5chain`) in the protected header, a detached payload, and an unprotected `pad`
 * that brings the structure to exactly `size` bytes, the room c2pa-rs reserved for it in the
 * manifest. c2pa-rs hands the claim bytes to the JavaScript signer and embeds what it returns
 * (its WebAssembly build signs only that way).
 */
export function coseSign1(key: SigningKey, claim: Uint8Array, size: number): Uint8Array {
  const chain = key.chain.length === 1 ? key.chain[0]! : [...key.chain];
  const protectedHeader = encode(
    new Map<number, unknown>([
      [HEADER_ALG, COSE_ALGORITHMS[key.algorithm]],
      [HEADER_X5CHAIN, chain],
    ]),
  );
  const toBeSigned = encode(['Signature1', protectedHeader, EMPTY, claim]);
  const signature = key.sign(toBeSigned);
  const build = (unprotected: Map<string, Uint8Array>) =>
    encode(new Tag(COSE_SIGN1_TAG, [protectedHeader, unprotected, null, signature]));
  const bare = build(new Map());
  if (bare.length === size) return bare;
  // One `pad` entry adds 4 bytes of label, the byte-string header and the zeros; a size no
  // single pad can reach (a header-length boundary) takes a second, short `pad2`.
  const room = size - bare.length - 4;
  for (const head of [1, 2, 3, 5]) {
    const n = room - head;
    if (n >= 0 && bstrHead(n) === head) {
      const out = build(new Map([['pad', new Uint8Array(n)]]));
      if (out.length === size) return out;
    }
  }
  for (const head of [1, 2, 3, 5]) {
    const n = room - 5 - 1 - head;
    if (n >= 0 && bstrHead(n) === head) {
      const out = build(
        new Map([
          ['pad', new Uint8Array(n)],
          ['pad2', new Uint8Array(0)],
        ]),
      );
      if (out.length === size) return out;
    }
  }
  throw new Error(`the COSE signature (${bare.length} bytes) does not fit the ${size} reserved`);
}
