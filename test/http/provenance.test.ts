import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLocalSigner } from '../../src/provenance/c2pa/local-ca.ts';
import { createC2paSigner } from '../../src/provenance/c2pa/signer.ts';
import { signingKeyFromPem } from '../../src/provenance/c2pa/signing-key.ts';
import { loadC2pa } from '../../src/provenance/c2pa/wasm.ts';
import { startFakeModelArk } from '../../src/providers/modelark/fake/server.ts';
import { readWithC2paRs, readWithC2paTs } from '../helpers/c2pa-readers.ts';
import { exiftool, hasExiftool } from '../helpers/exiftool.ts';
import { createTestApp, type TestApp } from '../helpers/harness.ts';

// Every image goodtake stores says it was made by AI, in marks read back here by tools no one
// here wrote: exiftool for the IPTC digital source type in XMP, c2pa-ts and c2pa-rs for the
// signed C2PA manifest and its binding to the bytes.

const GENERATED = 'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia';
const COMPOSITE =
  'http://cv.iptc.org/newscodes/digitalsourcetype/compositeWithTrainedAlgorithmicMedia';

interface ProviderSetup {
  readonly env: Record<string, string>;
  close(): Promise<void>;
}

// One line per provider: how to run goodtake on it here (the paid upstreams through their fakes).
const PROVIDERS: ReadonlyArray<readonly [string, () => Promise<ProviderSetup>]> = [
  ['offline', async () => ({ env: {}, close: async () => {} })],
  [
    'modelark',
    async () => {
      const fake = await startFakeModelArk({ latencyMs: 0 });
      return {
        env: { ARK_API_KEY: fake.apiKey, ARK_BASE_URL: fake.url, ARK_MAX_RETRIES: '0' },
        close: () => fake.close(),
      };
    },
  ],
];

async function fetchImage(t: TestApp, url: string) {
  const res = await t.request(new URL(url).pathname);
  expect(res.status).toBe(200);
  return { bytes: Buffer.from(await res.arrayBuffer()), etag: res.headers.get('etag') };
}

/** The byte offset of the first pixel-data byte a reader would hash: inside a JPEG scan. */
function offsetInImageData(bytes: Buffer): number {
  const sos = bytes.lastIndexOf(Buffer.from([0xff, 0xda]));
  expect(sos).toBeGreaterThan(0);
  return Math.floor((sos + bytes.length) / 2);
}

describe.each(PROVIDERS)('provenance of %s images', (providerId, setup) => {
  let provider: ProviderSetup;
  let t: TestApp;
  let image: { url: string; width: number; height: number; base64: string };
  let bytes: Buffer;
  beforeAll(async () => {
    provider = await setup();
    t = await createTestApp({ env: provider.env });
    const res = await t.generate({
      prompt: 'a lighthouse in fog',
      size: '1K',
      model: 'seedream-4-0-250828',
      include_base64_encoding: true,
    });
    expect(res.status).toBe(200);
    image = (await res.json()).data.images[0];
    bytes = (await fetchImage(t, image.url)).bytes;
  });
  afterAll(async () => {
    await t.close();
    await provider.close();
  });

  it('serves, encodes, measures and hashes the same final bytes', async () => {
    const { etag } = await fetchImage(t, image.url);
    expect(Buffer.from(image.base64.split(',')[1]!, 'base64').equals(bytes)).toBe(true);
    expect(etag).toBe(`"${createHash('sha256').update(bytes).digest('base64url')}"`);
    const meta = await sharp(bytes).metadata();
    expect([meta.width, meta.height]).toEqual([image.width, image.height]);
    const id = new URL(image.url).pathname.split('/').pop()!.split('.')[0]!;
    const stored = await t.application.records.find(id);
    expect(stored?.bytes).toBe(bytes.length);
    expect(stored?.etag).toBe(etag);
  });

  it.skipIf(!hasExiftool)('exiftool reads the IPTC digital source type and the model', () => {
    const tags = exiftool(bytes);
    expect(tags['XMP-iptcExt:DigitalSourceType']).toBe(GENERATED);
    expect(tags['XMP-iptcExt:AISystemUsed']).toBe(`seedream-4-0-250828 (${providerId})`);
    expect(String(tags['XMP-xmp:CreatorTool'])).toMatch(/^goodtake \d+\.\d+\.\d+/);
    expect(tags['JUMBF:JUMDLabel']).toBeDefined();
  });

  it('c2pa-ts finds a valid manifest bound to the bytes, with the action and source type', async () => {
    const report = await readWithC2paTs(bytes);
    expect(report.found).toBe(true);
    expect(report.valid).toBe(true);
    expect(report.codes).toEqual(
      expect.arrayContaining(['claimSignature.validated', 'assertion.dataHash.match']),
    );
    expect(report.actions).toEqual([
      expect.objectContaining({
        action: 'c2pa.created',
        digitalSourceType: GENERATED,
        softwareAgent: 'goodtake',
      }),
    ]);
    expect(report.ingredients).toEqual([]);
  });

  it('c2pa-rs validates the signature and the hard binding; only the local signer is untrusted', async () => {
    const report = await readWithC2paRs(bytes, 'image/jpeg');
    expect(report.state).toBe('Valid');
    expect(report.failures).toEqual(['signingCredential.untrusted']);
    expect(report.successes).toEqual(
      expect.arrayContaining([
        'claimSignature.validated',
        'claimSignature.insideValidity',
        'assertion.dataHash.match',
      ]),
    );
    const [action] = report.manifest.assertions.find(
      (a: { label: string }) => a.label === 'c2pa.actions.v2',
    ).data.actions;
    expect(action).toMatchObject({
      action: 'c2pa.created',
      digitalSourceType: GENERATED,
      softwareAgent: { name: 'goodtake' },
      parameters: {
        'org.goodtake.model': 'seedream-4-0-250828',
        'org.goodtake.provider': providerId,
      },
    });
    expect(Date.now() - Date.parse(action.when)).toBeLessThan(60_000);
    expect(report.manifest.signature_info.common_name).toMatch(/Content Credentials signer/);
  });

  it('fails validation in both readers when one byte of the image changes', async () => {
    const tampered = Buffer.from(bytes);
    const at = offsetInImageData(tampered);
    tampered[at] = tampered[at]! ^ 0x01;
    const ts = await readWithC2paTs(tampered);
    expect(ts.valid).toBe(false);
    expect(ts.codes).toContain('assertion.dataHash.mismatch');
    const rs = await readWithC2paRs(tampered, 'image/jpeg');
    expect(rs.state).toBe('Invalid');
    expect(rs.failures).toContain('assertion.dataHash.mismatch');
  });

  it('GET /api/v1/generations says the image carries credentials', async () => {
    const res = await t.request('/api/v1/generations?limit=1', {
      headers: { Authorization: `Bearer ${t.key}` },
    });
    const [generation] = (await res.json()).data.generations;
    expect(generation.images[0]).toMatchObject({
      url: image.url,
      content_credentials: true,
      xmp_metadata: true,
      digital_source_type: GENERATED,
    });
  });

  it('gives every image a manifest of its own: label, instance id, title, one action', async () => {
    // The signer reuses its c2pa-rs builders from image to image.
    const manifests = [];
    for (const prompt of ['a harbour at noon', 'a harbour at night']) {
      const res = await t.generate({ prompt, size: '1K', model: 'seedream-4-0-250828' });
      expect(res.status).toBe(200);
      const body = await res.json();
      const { bytes } = await fetchImage(t, body.data.images[0].url);
      const report = await readWithC2paRs(bytes, 'image/jpeg');
      expect(report.state).toBe('Valid');
      manifests.push({ manifest: report.manifest });
    }
    const [a, b] = manifests as [(typeof manifests)[0], (typeof manifests)[0]];
    expect(a.manifest.label).not.toBe(b.manifest.label);
    expect(a.manifest.instance_id).not.toBe(b.manifest.instance_id);
    // Each its own generation's file name.
    expect(a.manifest.title).toMatch(/^gen_\w+-0\.jpg$/);
    expect(b.manifest.title).toMatch(/^gen_\w+-0\.jpg$/);
    expect(a.manifest.title).not.toBe(b.manifest.title);
    const actions = (m: { assertions: Array<{ label: string; data: { actions: unknown[] } }> }) =>
      m.assertions.find((x) => x.label === 'c2pa.actions.v2')!.data.actions;
    expect(actions(a.manifest)).toHaveLength(1);
    expect(actions(b.manifest)).toHaveLength(1);
  });
});

describe('blend mode inputs with Content Credentials', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  /** A PNG photo signed by some other C2PA signer (its own local root). */
  async function credentialedPhoto(): Promise<Buffer> {
    const { certificatePem, privateKeyPem } = await createLocalSigner({
      organization: 'A Camera Maker',
    });
    const key = signingKeyFromPem(certificatePem, privateKeyPem);
    if (!key.ok) throw new Error(key.message);
    const signer = createC2paSigner({ c2pa: await loadC2pa(), key: key.key });
    const photo = await sharp({
      create: { width: 200, height: 150, channels: 3, background: '#2a7' },
    })
      .png()
      .toBuffer();
    const signed = await signer.sign({
      bytes: photo,
      format: 'png',
      ingredients: [],
      facts: {
        digitalSourceType: GENERATED,
        model: 'camera',
        provider: 'camera',
        version: '1.0.0',
        createdAt: new Date(),
        title: 'photo.png',
      },
    });
    return Buffer.from(signed);
  }

  it('lists the credentialed input as an ingredient of the new manifest, and only that one', async () => {
    const photo = await credentialedPhoto();
    expect((await readWithC2paTs(photo)).valid).toBe(true);
    const plain = await sharp({
      create: { width: 120, height: 90, channels: 3, background: '#c33' },
    })
      .jpeg()
      .toBuffer();
    const res = await t.generate({
      prompt: 'combine these',
      size: '1K',
      model: 'seedream-4-0-250828',
      image_urls: [
        `data:image/png;base64,${photo.toString('base64')}`,
        `data:image/jpeg;base64,${plain.toString('base64')}`,
      ],
    });
    expect(res.status).toBe(200);
    const url = (await res.json()).data.images[0].url;
    const bytes = (await fetchImage(t, url)).bytes;

    const ts = await readWithC2paTs(bytes);
    expect(ts.valid).toBe(true);
    expect(ts.ingredients).toEqual([
      { title: 'image_urls[0]', relationship: 'inputTo', hasManifest: true },
    ]);
    expect(ts.actions).toEqual([
      expect.objectContaining({
        action: 'c2pa.created',
        digitalSourceType: COMPOSITE,
        ingredients: 1,
      }),
    ]);

    const rs = await readWithC2paRs(bytes, 'image/jpeg');
    expect(rs.state).toBe('Valid');
    expect(rs.manifest.ingredients).toEqual([
      expect.objectContaining({
        title: 'image_urls[0]',
        relationship: 'inputTo',
        active_manifest: expect.stringMatching(/^urn:c2pa:/),
      }),
    ]);
    if (hasExiftool) expect(exiftool(bytes)['XMP-iptcExt:DigitalSourceType']).toBe(COMPOSITE);
  });
});

describe('GOODTAKE_PROVENANCE', () => {
  /** One 1K image generated by an app with the setting, and that app (closed by the caller). */
  async function generateWith(value: string): Promise<{ t: TestApp; bytes: Buffer }> {
    const t = await createTestApp({ env: { GOODTAKE_PROVENANCE: value } });
    const res = await t.generate({ prompt: 'plain', size: '1K', model: 'seedream-4-0-250828' });
    const url = (await res.json()).data.images[0].url;
    return { t, bytes: (await fetchImage(t, url)).bytes };
  }

  it('off: images carry neither mark, and the listing says so', async () => {
    const { t, bytes } = await generateWith('off');
    try {
      expect((await readWithC2paTs(bytes)).found).toBe(false);
      expect((await sharp(bytes).metadata()).xmp).toBeUndefined();
      const list = await t.request('/api/v1/generations', {
        headers: { Authorization: `Bearer ${t.key}` },
      });
      expect((await list.json()).data.generations[0].images[0]).toMatchObject({
        content_credentials: false,
        xmp_metadata: false,
        digital_source_type: null,
      });
    } finally {
      await t.close();
    }
  });

  it('xmp: the IPTC metadata only, and no signer is created', async () => {
    const { t, bytes } = await generateWith('xmp');
    try {
      expect((await readWithC2paTs(bytes)).found).toBe(false);
      expect((await sharp(bytes).metadata()).xmp?.toString()).toContain(GENERATED);
      expect(existsSync(join(t.dataDir, 'c2pa'))).toBe(false);
    } finally {
      await t.close();
    }
  });
});
