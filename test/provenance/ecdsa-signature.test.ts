import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { p1363FromDer } from '../../src/provenance/c2pa/ecdsa-signature.ts';

describe('an ECDSA signature from DER to IEEE P1363', () => {
  it.each([
    ['prime256v1', 'sha256', 32],
    ['secp384r1', 'sha384', 48],
    ['secp521r1', 'sha512', 66],
  ] as const)(
    'verifies as node:crypto P1363 on %s, at every length r and s take',
    (curve, hash, size) => {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
      const data = Buffer.from('the claim');
      // Enough signatures that r or s shorter than the curve (a leading zero byte, 1 in 128)
      // and longer (a sign byte, 1 in 2) both occur.
      const derLengths = new Set<number>();
      for (let i = 0; i < 150; i++) {
        const der = sign(hash, data, privateKey);
        derLengths.add(der.length);
        const raw = p1363FromDer(der, size);
        expect(raw.length).toBe(size * 2);
        expect(verify(hash, data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, raw)).toBe(true);
      }
      expect(derLengths.size).toBeGreaterThan(2);
    },
  );

  it('pads short integers and drops sign bytes', () => {
    // SEQUENCE { INTEGER 1, INTEGER 0x00ff.. (a sign byte before a high bit) }
    const s = [0x00, ...new Array<number>(32).fill(0xff)];
    const der = Uint8Array.from([0x30, 3 + 2 + s.length, 0x02, 0x01, 0x01, 0x02, s.length, ...s]);
    const raw = p1363FromDer(der, 32);
    expect(raw.subarray(0, 31).every((b) => b === 0)).toBe(true);
    expect(raw[31]).toBe(1);
    expect(raw.subarray(32).every((b) => b === 0xff)).toBe(true);
  });

  it.each([
    ['not a sequence', [0x31, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01]],
    ['a wrong length', [0x30, 0x07, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01]],
    ['a truncated integer', [0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x02, 0x01]],
    ['an integer too long for the curve', [0x30, 0x07, 0x02, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01]],
    ['trailing bytes', [0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x00]],
  ])('refuses %s', (_name, bytes) => {
    expect(() => p1363FromDer(Uint8Array.from(bytes), 1)).toThrow(/not a DER ECDSA signature/);
  });
});
