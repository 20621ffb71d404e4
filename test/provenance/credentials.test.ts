import { createPublicKey, verify, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decode, encode, type Tag } from 'cbor2';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { coseReserveSize, coseSign1 } from '../../src/provenance/c2pa/cose.ts';
import { loadSigningCredentials } from '../../src/provenance/c2pa/credentials.ts';
import { createLocalSigner } from '../../src/provenance/c2pa/local-ca.ts';
import { signingKeyFromPem } from '../../src/provenance/c2pa/signing-key.ts';
import { openProvenance } from '../../src/provenance/open.ts';
import { parseProvenanceParts } from '../../src/provenance/settings.ts';

const dirs: string[] = [];
const tempDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'goodtake-c2pa-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const local = { cert: undefined, key: undefined, database: 'sqlite' as const };

describe('the signing certificate', () => {
  it('is created once in the data directory at first start and reused afterwards', async () => {
    const dataDir = tempDir();
    const first = await loadSigningCredentials({ ...local, dataDir });
    if (!first.ok) throw new Error(first.message);
    expect(first.source).toBe('local');
    expect(statSync(join(dataDir, 'c2pa', 'private-key.pem')).mode & 0o777).toBe(0o600);
    const pem = readFileSync(join(dataDir, 'c2pa', 'certificate.pem'), 'utf8');
    const second = await loadSigningCredentials({ ...local, dataDir });
    if (!second.ok) throw new Error(second.message);
    expect(second.key.chain).toEqual(first.key.chain);
    expect(readFileSync(join(dataDir, 'c2pa', 'certificate.pem'), 'utf8')).toBe(pem);
  });

  it('creates one signer when several processes start at once', async () => {
    const dataDir = tempDir();
    const all = await Promise.all(
      Array.from({ length: 4 }, () => loadSigningCredentials({ ...local, dataDir })),
    );
    const chains = all.map((c) =>
      c.ok ? Buffer.from(c.key.chain[0]!).toString('hex') : c.message,
    );
    expect(new Set(chains).size).toBe(1);
  });

  it('is a C2PA end-entity certificate issued by a local root, not a self-signed leaf', async () => {
    const { certificatePem } = await createLocalSigner({ organization: 'Example Ltd' });
    const [leaf, root] = certificatePem
      .match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g)!
      .map((p) => new X509Certificate(p));
    expect(leaf!.ca).toBe(false);
    expect(root!.ca).toBe(true);
    expect(leaf!.checkIssued(root!)).toBe(true);
    expect(leaf!.verify(root!.publicKey)).toBe(true);
    expect(leaf!.keyUsage).toEqual(expect.arrayContaining(['1.3.6.1.5.5.7.3.4']));
    expect(leaf!.subject).toContain('O=Example Ltd');
  });

  it('takes the operator certificate as PEM text or as a file path', async () => {
    const dataDir = tempDir();
    const { certificatePem, privateKeyPem } = await createLocalSigner({ organization: 'Operator' });
    const asText = await loadSigningCredentials({
      ...local,
      dataDir,
      cert: certificatePem,
      key: privateKeyPem,
      database: 'postgres',
    });
    expect(asText).toMatchObject({ ok: true, source: 'configured' });
    writeFileSync(join(dataDir, 'cert.pem'), certificatePem);
    writeFileSync(join(dataDir, 'key.pem'), privateKeyPem);
    const asFiles = await loadSigningCredentials({
      ...local,
      dataDir,
      cert: join(dataDir, 'cert.pem'),
      key: join(dataDir, 'key.pem'),
    });
    expect(asFiles).toMatchObject({ ok: true, source: 'configured' });
    if (asFiles.ok) expect(asFiles.key.subject).toContain('Operator');
  });

  it.each([
    [
      'only the certificate',
      async () => ({
        cert: (await createLocalSigner({ organization: 'x' })).certificatePem,
        key: undefined,
      }),
      /go together/,
    ],
    [
      'a key of another certificate',
      async () => ({
        cert: (await createLocalSigner({ organization: 'x' })).certificatePem,
        key: (await createLocalSigner({ organization: 'y' })).privateKeyPem,
      }),
      /does not belong/,
    ],
    [
      'an expired certificate',
      async () => {
        const old = await createLocalSigner({
          organization: 'x',
          now: Date.UTC(2020, 0, 1),
          days: 30,
        });
        return { cert: old.certificatePem, key: old.privateKeyPem };
      },
      /not valid now/,
    ],
    [
      'a missing file',
      async () => ({ cert: '/nonexistent/cert.pem', key: '/nonexistent/key.pem' }),
      /cannot read/,
    ],
    [
      'a chain out of order',
      async () => {
        const s = await createLocalSigner({ organization: 'x' });
        const [leaf, root] = s.certificatePem.match(
          /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/g,
        )!;
        return { cert: `${leaf}${leaf}${root}`, key: s.privateKeyPem };
      },
      /did not issue/,
    ],
  ] as const)('refuses %s, naming the setting', async (_name, make, message) => {
    const settings = await make();
    const out = await loadSigningCredentials({ ...local, dataDir: tempDir(), ...settings });
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.message).toMatch(message);
  });

  it('is required with PostgreSQL (several replicas) when Content Credentials are on', async () => {
    const options = {
      dataDir: tempDir(),
      database: 'postgres' as const,
      version: 'test',
      log: createLogger('silent'),
    };
    await expect(
      openProvenance({
        ...options,
        config: { parts: { xmp: true, c2pa: true }, cert: undefined, key: undefined },
      }),
    ).rejects.toThrow(
      /GOODTAKE_C2PA_CERT and GOODTAKE_C2PA_KEY must be set when DATABASE_URL is PostgreSQL/,
    );
    const xmpOnly = await openProvenance({
      ...options,
      config: { parts: { xmp: true, c2pa: false }, cert: undefined, key: undefined },
    });
    expect(xmpOnly.parts).toEqual({ xmp: true, c2pa: false });
  });

  it('says at start that a local signer is untrusted', async () => {
    const lines: string[] = [];
    const log = createLogger('info', { write: (l: string) => lines.push(l) } as never);
    await openProvenance({
      config: { parts: { xmp: true, c2pa: true }, cert: undefined, key: undefined },
      dataDir: tempDir(),
      database: 'sqlite',
      version: 'test',
      log,
    });
    expect(lines.join('')).toMatch(/validators will report the signer as untrusted/);
  });
});

describe('GOODTAKE_PROVENANCE', () => {
  it.each([
    [undefined, { xmp: true, c2pa: true }],
    ['on', { xmp: true, c2pa: true }],
    ['off', { xmp: false, c2pa: false }],
    ['xmp', { xmp: true, c2pa: false }],
    ['C2PA', { xmp: false, c2pa: true }],
    ['xmp, c2pa', { xmp: true, c2pa: true }],
  ])('%s means %j', (value, parts) => {
    expect(parseProvenanceParts(value)).toEqual({ ok: true, parts });
  });

  it('stops start-up on anything else, naming the variable', () => {
    expect(parseProvenanceParts('xmp,exif')).toMatchObject({ ok: false });
    expect(() =>
      loadConfig({ GOODTAKE_DATA_DIR: tempDir(), GOODTAKE_PROVENANCE: 'maybe' }),
    ).toThrow(ConfigError);
    expect(() =>
      loadConfig({ GOODTAKE_DATA_DIR: tempDir(), GOODTAKE_PROVENANCE: 'maybe' }),
    ).toThrow(/GOODTAKE_PROVENANCE/);
  });
});

describe('the COSE_Sign1 signature', () => {
  it('fills exactly the reserved size at every size, and verifies with the certificate key', async () => {
    const { certificatePem, privateKeyPem } = await createLocalSigner({ organization: 'x' });
    const signing = signingKeyFromPem(certificatePem, privateKeyPem);
    if (!signing.ok) throw new Error(signing.message);
    const key = signing.key;
    const claim = encode({ claim: 'bytes', n: 1 });
    const base = coseReserveSize(key);
    for (let size = base - 400; size < base + 400; size++) {
      const out = coseSign1(key, claim, size);
      expect(out.length).toBe(size);
    }
    const tag = decode(coseSign1(key, claim, base)) as Tag;
    expect(tag.tag).toBe(18);
    const [protectedHeader, , payload, signature] = tag.contents as [
      Uint8Array,
      unknown,
      null,
      Uint8Array,
    ];
    expect(payload).toBeNull();
    const header = decode(protectedHeader) as Map<number, unknown>;
    expect(header.get(1)).toBe(-7);
    const chain = header.get(33) as Uint8Array[];
    expect(chain).toHaveLength(2);
    const signer = new X509Certificate(Buffer.from(chain[0]!));
    const toBeSigned = encode(['Signature1', protectedHeader, new Uint8Array(0), claim]);
    expect(
      verify(
        'sha256',
        toBeSigned,
        {
          key: createPublicKey(signer.publicKey.export({ format: 'pem', type: 'spki' })),
          dsaEncoding: 'ieee-p1363',
        },
        signature,
      ),
    ).toBe(true);
  });
});
