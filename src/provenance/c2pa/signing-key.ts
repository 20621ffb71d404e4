import { constants, createPrivateKey, type KeyObject, sign, X509Certificate } from 'node:crypto';
import { p1363FromDer } from './ecdsa-signature.ts';

/** The COSE algorithms C2PA allows, by the names c2pa-rs uses, with their COSE ids. */
export const COSE_ALGORITHMS = {
  es256: -7,
  es384: -35,
  es512: -36,
  ps256: -37,
  ed25519: -8,
} as const;

export type SigningAlgorithm = keyof typeof COSE_ALGORITHMS;

/** A private key and the certificate chain (end-entity first) that vouches for it. */
export interface SigningKey {
  readonly algorithm: SigningAlgorithm;
  /** DER certificates, the signer's first. */
  readonly chain: readonly Uint8Array[];
  /** The signer certificate's subject, for the start-up log. */
  readonly subject: string;
  readonly notAfter: Date;
  /** Signs the bytes as the algorithm asks (ECDSA in IEEE P1363 r||s, RSA as PSS). */
  sign(data: Uint8Array): Uint8Array;
}

export type SigningKeyOutcome =
  | { readonly ok: true; readonly key: SigningKey }
  | { readonly ok: false; readonly message: string };

const EC_ALGORITHMS: Readonly<Record<string, SigningAlgorithm>> = {
  prime256v1: 'es256',
  secp384r1: 'es384',
  secp521r1: 'es512',
};
const EC_HASH: Readonly<Record<string, string>> = {
  es256: 'sha256',
  es384: 'sha384',
  es512: 'sha512',
};
/** Bytes of r and of s in a signature of the curve. */
const EC_SIZE: Readonly<Record<string, number>> = { es256: 32, es384: 48, es512: 66 };

function algorithmOf(key: KeyObject): SigningAlgorithm | undefined {
  if (key.asymmetricKeyType === 'ec') {
    return EC_ALGORITHMS[key.asymmetricKeyDetails?.namedCurve ?? ''];
  }
  if (key.asymmetricKeyType === 'ed25519') return 'ed25519';
  if (key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') return 'ps256';
  return undefined;
}

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * Reads a PEM certificate chain (signer first, then its issuers) and the PEM private key of the
 * signer certificate, and checks that they belong together, that the certificate is valid now
 * and that its key is one C2PA can sign with.
 */
export function signingKeyFromPem(
  certPem: string,
  keyPem: string,
  now: Date = new Date(),
): SigningKeyOutcome {
  const pems = certPem.match(PEM_CERT) ?? [];
  if (pems.length === 0)
    return { ok: false, message: 'the certificate file holds no PEM certificate' };
  let certs: X509Certificate[];
  try {
    certs = pems.map((p) => new X509Certificate(p));
  } catch (err) {
    return { ok: false, message: `a certificate could not be read (${(err as Error).message})` };
  }
  let key: KeyObject;
  try {
    key = createPrivateKey(keyPem);
  } catch (err) {
    return { ok: false, message: `the private key could not be read (${(err as Error).message})` };
  }
  const signer = certs[0]!;
  if (!signer.checkPrivateKey(key)) {
    return { ok: false, message: 'the private key does not belong to the first certificate' };
  }
  const algorithm = algorithmOf(key);
  if (!algorithm) {
    return {
      ok: false,
      message: `keys of type ${key.asymmetricKeyType} cannot sign C2PA manifests (use EC P-256/384/521, Ed25519 or RSA)`,
    };
  }
  const notAfter = new Date(signer.validTo);
  if (now < new Date(signer.validFrom) || now > notAfter) {
    return {
      ok: false,
      message: `the certificate is not valid now (valid ${signer.validFrom} to ${signer.validTo})`,
    };
  }
  for (let i = 1; i < certs.length; i++) {
    if (!certs[i - 1]!.checkIssued(certs[i]!)) {
      return {
        ok: false,
        message: `certificate ${i + 1} in the chain did not issue certificate ${i}`,
      };
    }
  }
  const ecHash = EC_HASH[algorithm];
  const ecSize = EC_SIZE[algorithm];
  const sign1 = (data: Uint8Array): Uint8Array => {
    // ECDSA with the bare KeyObject, its DER signature converted here: see p1363FromDer.
    if (ecHash && ecSize) return p1363FromDer(sign(ecHash, data, key), ecSize);
    const signature =
      algorithm === 'ed25519'
        ? sign(null, data, key)
        : sign('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
    return new Uint8Array(signature.buffer, signature.byteOffset, signature.byteLength);
  };
  return {
    ok: true,
    key: {
      algorithm,
      chain: certs.map((c) => new Uint8Array(c.raw.buffer, c.raw.byteOffset, c.raw.byteLength)),
      subject: signer.subject.replace(/\n/g, ', '),
      notAfter,
      sign: sign1,
    },
  };
}
