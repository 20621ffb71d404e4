/**
 * An ECDSA signature from DER (`ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }`, what
 * node:crypto returns for a bare `KeyObject`) to IEEE P1363 (`r || s`, each left-padded to the
 * curve's size), the form COSE takes (RFC 9053 §2.1).
 *
 * node:crypto converts by itself when `sign()` gets `{ key, dsaEncoding: 'ieee-p1363' }`, but
 * an options object sends it down a path that first tries the object as a `KeyObject` and
 * throws and catches an error to find it is not one: about 30 µs per signature, as much as the
 * P-256 signature itself. A bare `KeyObject` is recognised at once; the DER this returns is a
 * fixed, tiny structure, read here directly (an ASN.1 library's parse would cost what is saved).
 */
export function p1363FromDer(der: Uint8Array, size: number): Uint8Array {
  let at = 0;
  const fail = (): never => {
    throw new Error('not a DER ECDSA signature');
  };
  const length = (): number => {
    const first = der[at++] ?? fail();
    if (first < 0x80) return first;
    if (first !== 0x81) fail(); // a P-521 signature is at most 139 bytes: one length byte
    return der[at++] ?? fail();
  };
  if (der[at++] !== 0x30) fail();
  if (length() !== der.length - at) fail();
  const out = new Uint8Array(size * 2);
  for (const offset of [0, size]) {
    if (der[at++] !== 0x02) fail();
    let n = length();
    const end = at + n;
    if (end > der.length) fail();
    // A leading zero only keeps a high bit from reading as a sign.
    while (n > size && der[at] === 0) {
      at++;
      n--;
    }
    if (n > size) fail();
    out.set(der.subarray(at, end), offset + size - n);
    at = end;
  }
  if (at !== der.length) fail();
  return out;
}
