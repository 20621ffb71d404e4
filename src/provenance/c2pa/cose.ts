import { encode } from 'cbor2';
import { COSE_ALGORITHMS, type SigningKey } from './signing-key.ts';

const COSE_SIGN1_TAG = 18;
const HEADER_ALG = 1;
const HEADER_X5CHAIN = 33;

/** Bytes a `COSE_Sign1` of this key can take beyond its certificates: headers, signature, pad. */
export function coseReserveSize(key: SigningKey): number {
  const certs = key.chain.reduce((n, c) => n + c.length + 5, 0);
  const signature = key.algorithm === 'ps256' ? 1024 : 160;
  return certs + signature + 512;
}

/** CBOR byte-string header length for a string of n bytes. */
const bstrHead = (n: number) => (n < 24 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 5);

/** The CBOR head of a major type with argument n (RFC 8949 §3). */
function head(major: number, n: number): Uint8Array {
  const m = major << 5;
  if (n < 24) return Uint8Array.of(m | n);
  if (n < 0x100) return Uint8Array.of(m | 24, n);
  if (n < 0x10000) return Uint8Array.of(m | 25, n >> 8, n & 0xff);
  return Uint8Array.of(m | 26, n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff);
}
const BSTR = 2;
const TEXT = (s: string) => Buffer.concat([head(3, s.length), Buffer.from(s, 'latin1')]);
const ARRAY4 = Uint8Array.of(0x84);
const TAG_SIGN1 = Uint8Array.of(0xc0 | COSE_SIGN1_TAG);
const EMPTY_BSTR = Uint8Array.of(0x40);
const NULL = Uint8Array.of(0xf6);
const SIGNATURE1 = TEXT('Signature1');
const PAD = TEXT('pad');
const PAD2 = TEXT('pad2');

/** The protected header of a key's signatures (algorithm and chain), encoded once per key. */
const protectedHeaders = new WeakMap<SigningKey, Uint8Array>();
function protectedHeaderOf(key: SigningKey): Uint8Array {
  let bytes = protectedHeaders.get(key);
  if (!bytes) {
    const chain = key.chain.length === 1 ? key.chain[0]! : [...key.chain];
    const encoded = encode(
      new Map<number, unknown>([
        [HEADER_ALG, COSE_ALGORITHMS[key.algorithm]],
        [HEADER_X5CHAIN, chain],
      ]),
    );
    // As a byte string, the form it takes in both structures below.
    bytes = Buffer.concat([head(BSTR, encoded.length), encoded]);
    protectedHeaders.set(key, bytes);
  }
  return bytes;
}

/**
 * The `COSE_Sign1` signature of a C2PA claim (C2PA 2.x §14): the algorithm and the certificate
 * chain (`x5chain`) in the protected header, a detached payload, and an unprotected `pad`
 * that brings the structure to exactly `size` bytes, the room c2pa-rs reserved for it in the
 * manifest. c2pa-rs hands the claim bytes to the JavaScript signer and embeds what it returns
 * (its WebAssembly build signs only that way). The CBOR is assembled from parts (the protected
 * header is encoded once per key): it runs once per image.
 */
export function coseSign1(key: SigningKey, claim: Uint8Array, size: number): Uint8Array {
  const protectedHeader = protectedHeaderOf(key);
  // Sig_structure: ['Signature1', protected, external_aad (empty), payload].
  const toBeSigned = Buffer.concat([
    ARRAY4,
    SIGNATURE1,
    protectedHeader,
    EMPTY_BSTR,
    head(BSTR, claim.length),
    claim,
  ]);
  const signature = key.sign(toBeSigned);
  // Tag 18 [protected, unprotected, nil payload, signature].
  const build = (unprotected: Uint8Array[]): Uint8Array => {
    const out = Buffer.concat([
      TAG_SIGN1,
      ARRAY4,
      protectedHeader,
      ...unprotected,
      NULL,
      head(BSTR, signature.length),
      signature,
    ]);
    // A plain Uint8Array, as cbor2 returned: a Buffer decodes to Buffer views, which cbor2
    // encodes differently from byte strings.
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  };
  const bareLength =
    TAG_SIGN1.length +
    ARRAY4.length +
    protectedHeader.length +
    1 +
    NULL.length +
    bstrHead(signature.length) +
    signature.length;
  if (bareLength === size) return build([head(5, 0)]);
  // One `pad` entry adds 4 bytes of label, the byte-string header and the zeros; a size no
  // single pad can reach (a header-length boundary) takes a second, short `pad2`.
  const room = size - bareLength - 4;
  for (const h of [1, 2, 3, 5]) {
    const n = room - h;
    if (n >= 0 && bstrHead(n) === h) {
      return build([head(5, 1), PAD, head(BSTR, n), new Uint8Array(n)]);
    }
  }
  for (const h of [1, 2, 3, 5]) {
    const n = room - 5 - 1 - h;
    if (n >= 0 && bstrHead(n) === h) {
      return build([head(5, 2), PAD, head(BSTR, n), new Uint8Array(n), PAD2, EMPTY_BSTR]);
    }
  }
  throw new Error(`the COSE signature (${bareLength} bytes) does not fit the ${size} reserved`);
}
