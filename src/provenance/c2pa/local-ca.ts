import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';

/*
 * A local certificate authority for the embedded defaults: a self-signed root and a signer
 * certificate it issues, both P-256. C2PA validators refuse a self-signed signer outright
 * (the signer must be an end-entity certificate), so the "self-signed certificate" goodtake
 * creates at first start is this two-link chain; validators report its signer as untrusted,
 * since no trust list holds the local root.
 */

const EC = { name: 'ECDSA', namedCurve: 'P-256' } as const;
const OID = {
  organization: '2.5.4.10',
  commonName: '2.5.4.3',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectKeyId: '2.5.29.14',
  authorityKeyId: '2.5.29.35',
  emailProtection: '1.3.6.1.5.5.7.3.4',
  documentSigning: '1.3.6.1.5.5.7.3.36',
} as const;
const KEY_USAGE = { digitalSignature: 0x80, keyCertSign: 0x04, cRLSign: 0x02 } as const;
const DAY_MS = 86_400_000;

function distinguishedName(commonName: string, organization: string) {
  const name = new pkijs.RelativeDistinguishedNames();
  name.typesAndValues.push(
    new pkijs.AttributeTypeAndValue({
      type: OID.organization,
      value: new asn1js.Utf8String({ value: organization }),
    }),
    new pkijs.AttributeTypeAndValue({
      type: OID.commonName,
      value: new asn1js.Utf8String({ value: commonName }),
    }),
  );
  return name;
}

async function keyIdentifier(publicKey: CryptoKey): Promise<ArrayBuffer> {
  const raw = await crypto.subtle.exportKey('raw', publicKey);
  return crypto.subtle.digest('SHA-1', raw);
}

/** A KeyUsage BIT STRING of one byte with the given bits, trailing zero bits marked unused. */
function keyUsage(bits: number): asn1js.BitString {
  let unused = 0;
  while (unused < 7 && ((bits >> unused) & 1) === 0) unused++;
  return new asn1js.BitString({ valueHex: new Uint8Array([bits]).buffer, unusedBits: unused });
}

const extension = (extnID: string, critical: boolean, value: { toBER(): ArrayBuffer }) =>
  new pkijs.Extension({ extnID, critical, extnValue: value.toBER() });

async function issue(options: {
  serial: number;
  subject: pkijs.RelativeDistinguishedNames;
  issuer: pkijs.RelativeDistinguishedNames;
  publicKey: CryptoKey;
  signingKey: CryptoKey;
  authority: boolean;
  subjectKeyId: ArrayBuffer;
  authorityKeyId: ArrayBuffer;
  now: number;
  days: number;
}): Promise<string> {
  const cert = new pkijs.Certificate();
  cert.version = 2;
  cert.serialNumber = new asn1js.Integer({ value: options.serial });
  cert.subject = options.subject;
  cert.issuer = options.issuer;
  cert.notBefore.value = new Date(options.now - DAY_MS);
  cert.notAfter.value = new Date(options.now + options.days * DAY_MS);
  cert.extensions = [
    extension(
      OID.basicConstraints,
      true,
      new pkijs.BasicConstraints(
        options.authority ? { cA: true, pathLenConstraint: 0 } : {},
      ).toSchema(),
    ),
    extension(
      OID.keyUsage,
      true,
      keyUsage(
        options.authority ? KEY_USAGE.keyCertSign | KEY_USAGE.cRLSign : KEY_USAGE.digitalSignature,
      ),
    ),
    extension(OID.subjectKeyId, false, new asn1js.OctetString({ valueHex: options.subjectKeyId })),
    extension(
      OID.authorityKeyId,
      false,
      new pkijs.AuthorityKeyIdentifier({
        keyIdentifier: new asn1js.OctetString({ valueHex: options.authorityKeyId }),
      }).toSchema(),
    ),
  ];
  if (!options.authority) {
    cert.extensions.push(
      extension(
        OID.extKeyUsage,
        false,
        new pkijs.ExtKeyUsage({
          keyPurposes: [OID.emailProtection, OID.documentSigning],
        }).toSchema(),
      ),
    );
  }
  await cert.subjectPublicKeyInfo.importKey(options.publicKey);
  await cert.sign(options.signingKey, 'SHA-256');
  return pem('CERTIFICATE', cert.toSchema(true).toBER());
}

function pem(label: string, der: ArrayBuffer): string {
  const base64 = Buffer.from(der)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n');
  return `-----BEGIN ${label}-----\n${base64.replace(/\n$/, '')}\n-----END ${label}-----\n`;
}

/**
 * Creates a local root and a signer certificate issued by it. Returns the chain (signer first)
 * and the signer's private key, both PEM; the root's key is discarded, so nothing else can
 * ever be issued under it.
 */
export async function createLocalSigner(options: {
  organization: string;
  now?: number;
  days?: number;
}): Promise<{ certificatePem: string; privateKeyPem: string }> {
  const now = options.now ?? Date.now();
  const days = options.days ?? 3650;
  const root = await crypto.subtle.generateKey(EC, true, ['sign', 'verify']);
  const signer = await crypto.subtle.generateKey(EC, true, ['sign', 'verify']);
  const rootName = distinguishedName(
    `${options.organization} local C2PA root`,
    options.organization,
  );
  const rootKeyId = await keyIdentifier(root.publicKey);
  const rootPem = await issue({
    serial: 1,
    subject: rootName,
    issuer: rootName,
    publicKey: root.publicKey,
    signingKey: root.privateKey,
    authority: true,
    subjectKeyId: rootKeyId,
    authorityKeyId: rootKeyId,
    now,
    days: days + 1,
  });
  const signerPem = await issue({
    serial: 2,
    subject: distinguishedName(
      `${options.organization} Content Credentials signer`,
      options.organization,
    ),
    issuer: rootName,
    publicKey: signer.publicKey,
    signingKey: root.privateKey,
    authority: false,
    subjectKeyId: await keyIdentifier(signer.publicKey),
    authorityKeyId: rootKeyId,
    now,
    days,
  });
  const privateKeyPem = pem(
    'PRIVATE KEY',
    await crypto.subtle.exportKey('pkcs8', signer.privateKey),
  );
  return { certificatePem: signerPem + rootPem, privateKeyPem };
}
